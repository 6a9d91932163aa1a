"""schema.org ``Event`` JSON-LD and Open Graph tags for an event page.

The JSON-LD is rendered with Jinja's ``tojson`` filter, which escapes ``<``, ``>``, ``&``
and ``'``, so no text of the event can close the ``<script type="application/ld+json">``
block it sits in (a data block: the browser never executes it, and CSP allows it)."""

from __future__ import annotations

import re
from datetime import datetime

from flask import current_app, url_for

from ..events.occurrences import local_bounds
from . import links

ATTENDANCE = {
    "in-person": "https://schema.org/OfflineEventAttendanceMode",
    "virtual": "https://schema.org/OnlineEventAttendanceMode",
    "on-demand": "https://schema.org/OnlineEventAttendanceMode",
    "hybrid": "https://schema.org/MixedEventAttendanceMode",
}
REPEAT = {"daily": "P1D", "weekly": "P1W", "monthly": "P1M"}
PRICE = re.compile(r"^\$?\s*(\d+(?:\.\d{1,2})?)\s*(?:USD)?$", re.IGNORECASE)


def plain_description(event, limit: int | None = None) -> str:
    text = event.description_text or ""
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def flyer_url(event) -> str | None:
    if event.flyer is None or "submissions.flyer" not in current_app.view_functions:
        return None
    return links.absolute(url_for("submissions.flyer", event_id=event.id))


def _when(event) -> tuple[str, str | None]:
    start, end = local_bounds(event)
    if event.format == "on-demand":
        return event.start_date.isoformat(), event.end_date.isoformat() if event.end_date else None
    if event.all_day or event.start_time is None:
        return event.start_date.isoformat(), (event.end_date or event.start_date).isoformat()
    return start.isoformat(), end.isoformat()


def _place(event) -> dict:
    address = {
        "@type": "PostalAddress",
        "streetAddress": event.address or "",
        "addressLocality": event.city or "",
        "addressRegion": event.state or "",
        "postalCode": event.postal_code or "",
        "addressCountry": "US",
    }
    return {
        "@type": "Place",
        "name": event.venue_name or event.city or "Venue",
        "address": {k: v for k, v in address.items() if v},
    }


def _location(event):
    virtual = {"@type": "VirtualLocation", "url": event.online_url or links.event_url(event)}
    if event.format == "in-person":
        return _place(event)
    if event.format == "hybrid":
        return [_place(event), virtual]
    return virtual


def _offer(event, now: datetime) -> dict:
    offer = {
        "@type": "Offer",
        "url": links.register_url(event) or links.event_url(event),
        "availability": "https://schema.org/InStock"
        if event.registration_mode == "none" or links.registration_open(event, now)
        else "https://schema.org/SoldOut",
    }
    cost = (event.cost or "").strip()
    if not cost or cost.lower() == "free":
        offer.update(price=0, priceCurrency="USD")
    elif match := PRICE.match(cost):
        offer.update(price=float(match.group(1)), priceCurrency="USD")
    else:
        offer["description"] = cost
    if event.published:
        offer["validFrom"] = event.published.isoformat()
    if event.registration_deadline:
        offer["validThrough"] = event.registration_deadline.isoformat()
    return offer


def event_jsonld(event, now: datetime) -> dict:
    start, end = _when(event)
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": links.event_url(event),
        "startDate": start,
        "eventStatus": "https://schema.org/EventCancelled"
        if event.status == "cancelled"
        else "https://schema.org/EventScheduled",
        "eventAttendanceMode": ATTENDANCE[event.format],
        "location": _location(event),
        "organizer": {
            "@type": "Organization",
            "name": event.organization.name,
            "url": links.absolute(url_for("calendar.events", org=event.organization.slug)),
        },
        "offers": _offer(event, now),
        "description": plain_description(event, 5000),
        "inLanguage": event.languages[0] if event.languages else "en",
        "isAccessibleForFree": not (event.cost or "").strip()
        or event.cost.strip().lower() == "free",
    }
    if end:
        data["endDate"] = end
    if event.rrule and event.recurrence in REPEAT:
        first, last = local_bounds(event)
        schedule = {
            "@type": "Schedule",
            "repeatFrequency": REPEAT[event.recurrence],
            "startDate": event.start_date.isoformat(),
            "scheduleTimezone": event.timezone,
        }
        if event.start_time:
            schedule.update(startTime=f"{first:%H:%M}", endTime=f"{last:%H:%M}")
        if event.recurrence_until:
            schedule["endDate"] = event.recurrence_until.isoformat()
        if event.recurrence_count:
            schedule["repeatCount"] = event.recurrence_count
        data["eventSchedule"] = schedule
    image = flyer_url(event)
    if image and event.flyer.content_type.startswith("image/"):
        data["image"] = [image]
    return data


def open_graph(event) -> dict[str, str]:
    """``og:`` properties for link previews."""
    tags = {
        "og:type": "website",
        "og:site_name": "HTPM Events Hub",
        "og:title": event.title,
        "og:description": plain_description(event, 200)
        or f"{event.organization.name} · National Human Trafficking Prevention Month",
        "og:url": links.event_url(event),
    }
    image = flyer_url(event)
    if image and event.flyer.content_type.startswith("image/"):
        tags["og:image"] = image
    return tags
