"""The JSON API (SPEC §3): ``/api/v1/events`` and ``/api/v1/events/<id>``.

A list holds events (not occurrences) with an occurrence or availability in the window
(§4 ``from``/``to``, default: from today), ordered by start — the same events the agenda
shows for the same filters. Pages of ``per_page`` (default 100, at most 500) follow each
other through ``next``: an opaque ``cursor`` (stable while events are added), or
``page=N`` for those who ask by number. ``count`` is the number of events in this
response, ``total`` the number of events matching the filters over all pages. Any origin
may read it (CORS ``*``); it never holds contact details."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from flask import Blueprint, jsonify, request, url_for

from ..db import MAX_ID
from ..events.filters import EventFilter, FilterError
from ..events.occurrences import local_bounds
from ..events.queries import Window, api_events, api_total, public_event_or_404
from ..events.services import local_deadline
from ..text import render_markdown
from ..timeutil import now_utc
from . import links

bp = Blueprint("api", __name__, url_prefix="/api/v1")

DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 500
#: Deepest ``page=`` offset; beyond it the cursor is the way on.
MAX_SKIP = 50_000


class BadParameter(ValueError):
    def __init__(self, param: str, value: str, message: str):
        super().__init__(message)
        self.param, self.value = param, value


@bp.after_request
def allow_any_origin(response):
    if request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def bad_request(error: FilterError | BadParameter):
    body = {
        "error": "invalid_parameter",
        "message": str(error),
        "parameter": error.param,
        "value": error.value,
    }
    return jsonify(body), 400


def number(name: str, default: int, high: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    digits = raw.isascii() and raw.isdigit() and len(raw) <= 12  # "²".isdigit() is true
    if not digits or not 1 <= int(raw) <= high:
        raise BadParameter(name, raw, f"{name}=“{raw}” must be a whole number from 1 to {high}.")
    return int(raw)


def encode_cursor(event) -> str:
    text = f"{event.starts_at.isoformat()}|{event.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> tuple[datetime, int]:
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        when, event_id = text.split("|")
        starts_at = datetime.fromisoformat(when)
        if starts_at.tzinfo is None:
            raise ValueError("naive")
        if not (event_id.isascii() and event_id.isdigit() and int(event_id) <= MAX_ID):
            raise ValueError("not an id")
        return starts_at, int(event_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadParameter(
            "cursor", raw, f"cursor=“{raw[:60]}” is not a cursor of this API."
        ) from None


@bp.get("/events")
def events():
    try:
        event_filter = EventFilter.from_args(request.args)
        per_page = number("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
        page = number("page", 1, MAX_SKIP)
        if (page - 1) * per_page > MAX_SKIP:
            raise BadParameter(
                "page", str(page), f"page={page} is too deep; follow the next links (cursor=)."
            )
        cursor = request.args.get("cursor", "").strip()
        after = decode_cursor(cursor) if cursor else None
        if after and "page" in request.args:
            raise BadParameter("page", str(page), "Use either page= or cursor=, not both.")
    except (FilterError, BadParameter) as error:
        return bad_request(error)
    window = Window.of(event_filter, now_utc())
    skip = 0 if after else (page - 1) * per_page
    found, more = api_events(event_filter, window, per_page, after=after, skip=skip)
    next_url = None
    if more:
        extra = {"per_page": per_page} if "per_page" in request.args else {}
        if "page" in request.args:
            extra["page"] = page + 1
        else:
            extra["cursor"] = encode_cursor(found[-1])
        next_url = links.absolute(url_for("api.events") + "?" + event_filter.query_string(**extra))
    return jsonify(
        events=[event_json(e) for e in found],
        count=len(found),
        total=api_total(event_filter, window),
        next=next_url,
    )


@bp.get("/events/<int:event_id>")
def event(event_id: int):
    return jsonify(event_json(public_event_or_404(event_id)))


def iso_utc(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def event_json(event) -> dict:
    """The §2 public fields, local dates and times as entered, plus links. Never the
    contact name or e-mail."""
    start, end = local_bounds(event)
    if event.format == "on-demand":
        start_value = event.start_date.isoformat()
        end_value = event.end_date.isoformat() if event.end_date else None
    elif event.all_day or event.start_time is None:
        start_value = event.start_date.isoformat()
        end_value = (event.end_date or event.start_date).isoformat()  # the last day, inclusive
    else:
        start_value, end_value = start.isoformat(), end.isoformat()
    deadline = local_deadline(event)
    return {
        "id": event.id,
        "uid": event.uid,
        "status": event.status,
        "url": links.event_url(event),
        "ics_url": links.ics_url(event),
        "register_url": links.register_url(event),
        "title": event.title,
        "description": event.description or "",
        "description_html": render_markdown(event.description or ""),
        "organization": event.organization.name,
        "organization_id": event.organization_id,
        "organization_slug": event.organization.slug,
        "level": event.level,
        "state": event.state,
        "format": event.format,
        "event_type": event.event_type,
        "topics": event.topics,
        "audiences": event.audiences,
        "timezone": event.timezone,
        "start_date": event.start_date.isoformat(),
        "start_time": event.start_time.strftime("%H:%M") if event.start_time else None,
        "end_date": event.end_date.isoformat() if event.end_date else None,
        "end_time": event.end_time.strftime("%H:%M") if event.end_time else None,
        "all_day": bool(event.all_day),
        "start": start_value,
        "end": end_value,
        "recurrence": event.recurrence,
        "recurrence_until": event.recurrence_until.isoformat() if event.recurrence_until else None,
        "recurrence_count": event.recurrence_count,
        "rrule": event.rrule,
        "venue_name": event.venue_name,
        "address": event.address,
        "city": event.city,
        "postal_code": event.postal_code,
        "online_url": event.online_url,
        "registration_mode": event.registration_mode,
        "registration_url": event.registration_url,
        "registration_deadline": deadline.strftime("%Y-%m-%dT%H:%M") if deadline else None,
        "registration_open": links.registration_open(event, now_utc()),
        "capacity": event.capacity,
        "cost": event.cost or "",
        "languages": event.languages,
        "accessibility": event.accessibility,
        "ce_credits": event.ce_credits,
        "created": iso_utc(event.created),
        "updated": iso_utc(event.updated),
        "published": iso_utc(event.published),
        "sequence": event.sequence,
    }
