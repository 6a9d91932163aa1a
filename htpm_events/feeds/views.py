"""Feed URLs (SPEC §3, §5): the iCal subscription feed, the Atom feed, one event's .ics
file and the Feeds page. The serializers, the selection and the cache do the work."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_babel import gettext as _

from .. import vocab
from ..events.filters import ORDER, EventFilter, FilterError
from ..events.models import Event
from ..events.queries import public_event_or_404
from ..extensions import db
from ..text import slugify
from ..timeutil import now_utc
from . import cache, ical
from .links import feed_links
from .services import FeedRequest, build_feed, feed_name

bp = Blueprint("feeds", __name__)

ICS_TYPE = "text/calendar; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
#: A CDN or proxy may hold a feed for five minutes; clients revalidate with the ETag.
CACHE_CONTROL = "public, max-age=300"
#: The focus-week themes of the federal toolkit: the first six topics (SPEC §2).
FOCUS_TOPICS = list(vocab.TOPICS)[:6]


@bp.app_template_global("feed_links")
def feed_links_global(filt=None):
    """``feed_links(filter)`` in any template: https, webcal, google and atom URLs."""
    return feed_links(filt)


@bp.get("/feeds/events.ics")
def events_ics():
    return serve_feed("ics", ICS_TYPE)


@bp.get("/feeds/events.atom")
def events_atom():
    return serve_feed("atom", ATOM_TYPE)


@bp.get("/events/<int:event_id>.ics")
def event_ics(event_id: int):
    """One event as a file to add to a calendar; on-demand items have no date: 404."""
    event = public_event_or_404(event_id)
    if event.is_on_demand:
        abort(404, description=_("On-demand items have no date to add to a calendar."))
    body = ical.event_ics(event)
    entry = cache.Entry(cache.etag_for(body), event.updated.replace(microsecond=0), body)
    response = respond(entry, ICS_TYPE)
    if response.status_code == 200:
        filename = f"{slugify(event.title)}.ics"
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def serve_feed(kind: str, mimetype: str) -> Response:
    try:
        filt = EventFilter.from_args(request.args)
    except FilterError as exc:
        return bad_filter(exc)
    feed = FeedRequest.for_now(kind, filt)
    base = ical.base_url()
    key = feed.cache_key(base)
    version = cache.current_version()
    if request.if_none_match or request.if_modified_since:
        known = cache.validators(key, version)
        if known is not None and not_modified(known):
            return respond(known, mimetype)
    entry = cache.get_or_build(key, version, lambda: build_feed(feed, version.changed, base))
    return respond(entry, mimetype)


def not_modified(entry: cache.Entry) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present; If-Modified-Since otherwise."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(entry.etag.strip('"'))
    since = request.if_modified_since
    return since is not None and entry.last_modified <= since


def respond(entry: cache.Entry, mimetype: str) -> Response:
    if not_modified(entry):
        response = Response(status=304)
    else:
        response = Response(entry.body, content_type=mimetype)
    response.headers["ETag"] = entry.etag
    response.last_modified = entry.last_modified
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def bad_filter(exc: FilterError) -> Response:
    body = {"error": "Bad filter", "message": str(exc), "param": exc.param, "value": exc.value}
    return jsonify(body), 400


# --- the Feeds page ---------------------------------------------------------------------------


@bp.get("/feeds")
def index():
    """How to subscribe, ready links for common views and a builder for any filter."""
    error = None
    try:
        built = EventFilter.from_args(request.args)
        chosen: dict[str, list[str]] = {}
        for param, value in built.params():
            chosen.setdefault(param, []).append(value)
    except FilterError as exc:
        error, built = str(exc), EventFilter()
        chosen = request.args.to_dict(flat=False)
    ready = [
        (_("All events"), EventFilter()),
        (_("Federal events"), EventFilter(level=["federal"])),
    ]
    ready += [
        (_("%(state)s events", state=vocab.STATES[code]), EventFilter(state=[code]))
        for code in states_with_events()
    ]
    topics = [(_(vocab.TOPICS[code]), EventFilter(topic=[code])) for code in FOCUS_TOPICS]
    html = render_template(
        "feeds/index.html",
        ready=[(label, filt, feed_links(filt)) for label, filt in ready],
        topics=[(label, filt, feed_links(filt)) for label, filt in topics],
        built=built,
        built_name=feed_name(built),
        built_links=feed_links(built),
        error=error,
        chosen=chosen,
        order=" ".join(ORDER),
        formats={k: v for k, v in vocab.FORMATS.items() if k != "on-demand"},
        base=ical.base_url(),
    )
    return html, 400 if error else 200


def states_with_events() -> list[str]:
    """States with an approved dated event in the default feed window, in name order."""
    since = now_utc() - timedelta(days=31)
    codes = db.session.scalars(
        sa.select(Event.state)
        .where(
            Event.status == "approved",
            Event.format != "on-demand",
            Event.state.is_not(None),
            Event.series_ends_at > since,
        )
        .distinct()
    )
    return sorted((c for c in codes if c in vocab.STATES), key=lambda c: vocab.STATES[c])
