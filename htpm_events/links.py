"""Absolute public links: event pages, the counted registration link, .ics files and feed
subscriptions (https, webcal://, Google Calendar's add-by-URL).

Every absolute URL starts with ``HTPM_BASE_URL`` (SPEC §9), whatever host a request came
in on, so pages, feeds, the API and e-mails hand out the same links. The paths are SPEC §3's
stable ones, written as strings so that a link never depends on which blueprint serves it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from flask import current_app

from .text import slugify

GOOGLE_ADD = "https://calendar.google.com/calendar/r?cid="
FEED_PATH = "/feeds/events.ics"
ATOM_PATH = "/feeds/events.atom"


def base_url() -> str:
    return str(current_app.config["HTPM_BASE_URL"]).rstrip("/")


def absolute(path: str) -> str:
    return base_url() + path


def event_url(event, base: str | None = None) -> str:
    """The event page under its canonical slug URL (``base`` saves a config lookup per
    event when a feed lists thousands)."""
    return f"{base or base_url()}/events/{event.id}/{slugify(event.title)}"


def counted_register_url(event, base: str | None = None) -> str:
    """The hub's counted registration link (SPEC §7), what pages, the API and feeds use."""
    return f"{base or base_url()}/events/{event.id}/register"


def webcal_url(url: str) -> str:
    """webcal:// only asks the system to open a calendar app, which then fetches the same
    URL over https (http for an http base URL in development)."""
    return "webcal://" + url.split("://", 1)[1]


@dataclass(frozen=True)
class FeedLinks:
    path: str
    https: str
    webcal: str
    google: str
    atom: str


def feed_links(query: str = "") -> FeedLinks:
    """The subscription links for a normalized filter query string (EventFilter.query_string())."""
    from .i18n import FEED_PARAM, current_locale

    if current_locale() != "en":  # a page in Spanish offers the feed with Spanish labels
        query = f"{query}&{FEED_PARAM}={current_locale()}" if query else f"{FEED_PARAM}=es"
    suffix = f"?{query}" if query else ""
    https = absolute(FEED_PATH + suffix)
    webcal = webcal_url(https)
    return FeedLinks(
        path=FEED_PATH + suffix,
        https=https,
        webcal=webcal,
        google=GOOGLE_ADD + quote(webcal, safe=""),
        atom=absolute(ATOM_PATH + suffix),
    )
