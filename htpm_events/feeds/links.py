"""Subscription links for a filter: https (the feed itself), webcal:// (opens the calendar
app) and Google Calendar's "add by URL". Absolute, from ``HTPM_BASE_URL``."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from ..events.filters import EventFilter
from .ical import base_url

GOOGLE_ADD = "https://calendar.google.com/calendar/r?cid="


@dataclass(frozen=True)
class FeedLinks:
    https: str
    webcal: str
    google: str
    atom: str


def feed_links(filt: EventFilter | str | None = None) -> FeedLinks:
    """The links for a filter (or an already normalized query string)."""
    query = filt.query_string() if isinstance(filt, EventFilter) else filt or ""
    suffix = f"?{query}" if query else ""
    https = f"{base_url()}/feeds/events.ics{suffix}"
    webcal = webcal_url(https)
    return FeedLinks(
        https=https,
        webcal=webcal,
        google=GOOGLE_ADD + quote(webcal, safe=""),
        atom=f"{base_url()}/feeds/events.atom{suffix}",
    )


def webcal_url(url: str) -> str:
    """webcal:// is only a hint to open a calendar app; the feed itself is served over
    http(s) (webcal://host/path is fetched as https://host/path, or http:// for an
    http base URL in development)."""
    return "webcal://" + url.split("://", 1)[1]
