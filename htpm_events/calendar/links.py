"""Absolute links the public pages, the API and the widget hand out: event pages, .ics
files, feeds (https, webcal, Google Calendar), "add to calendar" templates and maps.

Absolute URLs start with ``HTPM_BASE_URL`` (SPEC §9), the same base the feeds and e-mails
use, whatever host a request came in on. Feed and .ics paths are the stable SPEC §3 paths,
written as strings so that these links do not depend on the feeds blueprint."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from flask import url_for

from ..events.filters import EventFilter
from ..events.occurrences import local_bounds
from ..links import absolute, counted_register_url, feed_links
from ..text import slugify

DETAILS_MAX = 1200


def event_path(event) -> str:
    return url_for("calendar.event", event_id=event.id, slug=slugify(event.title))


def event_url(event) -> str:
    return absolute(event_path(event))


def ics_url(event) -> str | None:
    """The single-event .ics file; on-demand items have no date and no file."""
    return None if event.format == "on-demand" else absolute(f"/events/{event.id}.ics")


def register_url(event) -> str | None:
    """The hub's counted registration link (SPEC §7); None when there is no registration."""
    if event.registration_mode not in ("external", "hub"):
        return None
    return counted_register_url(event)


def subscribe_links(event_filter: EventFilter) -> dict[str, str]:
    """The feed of a view's filters: https, webcal and Google Calendar's add-by-URL."""
    links = feed_links(event_filter.query_string())
    return {
        "path": links.path,
        "https": links.https,
        "webcal": links.webcal,
        "google": links.google,
        "name": event_filter.describe(),
    }


def location_text(event) -> str:
    if event.format in ("in-person", "hybrid"):
        parts = [event.venue_name, event.address, event.city]
        place = ", ".join(p for p in parts if p)
        region = " ".join(p for p in (event.state, event.postal_code) if p)
        return ", ".join(p for p in (place, region) if p)
    return event.online_url or ""


def maps_links(event) -> dict[str, str] | None:
    """Search links for the address in the visitor's maps app (no map is embedded)."""
    query = ", ".join(
        p
        for p in (
            event.venue_name,
            event.address,
            event.city,
            " ".join(x for x in (event.state, event.postal_code) if x),
        )
        if p
    )
    if event.format not in ("in-person", "hybrid") or not query:
        return None
    return {
        "google": "https://www.google.com/maps/search/?" + urlencode({"api": 1, "query": query}),
        "apple": "https://maps.apple.com/?" + urlencode({"q": query}),
    }


def _details(event) -> str:
    text = event.description_text or ""
    if len(text) > DETAILS_MAX:
        text = text[: DETAILS_MAX - 1].rstrip() + "…"
    lines = [text] if text else []
    if register_url(event):
        lines.append(f"Register: {register_url(event)}")
    lines.append(f"Details: {event_url(event)}")
    return "\n\n".join(lines)


def add_to_calendar(event) -> dict[str, str] | None:
    """Google Calendar and Outlook "add this event" links, and the .ics file."""
    if event.format == "on-demand":
        return None
    start, end = local_bounds(event)
    title = ("Cancelled: " if event.status == "cancelled" else "") + event.title
    all_day = event.all_day or event.start_time is None
    if all_day:
        dates = f"{start:%Y%m%d}/{end:%Y%m%d}"  # Google wants the exclusive end day
    else:
        dates = f"{start:%Y%m%dT%H%M%S}/{end:%Y%m%dT%H%M%S}"
    google = {
        "action": "TEMPLATE",
        "text": title,
        "dates": dates,
        "ctz": event.timezone,
        "details": _details(event),
        "location": location_text(event),
    }
    if event.rrule:
        google["recur"] = "RRULE:" + event.rrule
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": start.date().isoformat() if all_day else start.isoformat(),
        "enddt": (end - timedelta(days=1)).date().isoformat() if all_day else end.isoformat(),
        "body": _details(event),
        "location": location_text(event),
    }
    if all_day:
        outlook["allday"] = "true"
    return {
        "ics": ics_url(event),
        "google": "https://calendar.google.com/calendar/render?" + urlencode(google),
        "outlook": "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(outlook),
    }


def registration_open(event, now: datetime) -> bool:
    """Open until the deadline or, without one, until the event starts (SPEC §2)."""
    if event.registration_mode not in ("external", "hub") or event.status != "approved":
        return False
    if event.registration_mode == "hub":  # each date of a series until it starts
        from ..registration.services import open_occurrences

        return bool(open_occurrences(event, now))
    closes = event.registration_deadline or event.starts_at
    return now < closes
