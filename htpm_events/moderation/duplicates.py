"""Possible duplicates: a similar title starting within a day of the same time, or the same
registration link, among published and pending events."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import timedelta
from difflib import SequenceMatcher
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..events.models import Event
from ..extensions import db
from ..text import name_key
from ..vocab import N_

#: Titles at least this similar (difflib ratio of the normalized titles) count as "similar".
SIMILAR = 0.8
#: How far apart two starts may be for the events to count as the same.
WINDOW = timedelta(days=1)
CANDIDATE_STATUSES = ("approved", "pending")


@dataclass
class Duplicate:
    event: Event
    why: str


def title_key(title: str) -> str:
    return name_key(title or "")


def url_key(url: str | None) -> str:
    """Registration links compared without case in the host, a trailing slash or a fragment."""
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.netloc.lower()}{path}{query}"


def url_variants(url: str) -> list[str]:
    """Lower-cased spellings of the same link, for the query (compared with lower())."""
    rest = url.strip().lower().split("://", 1)[-1].rstrip("/")
    return [f"{scheme}://{rest}{slash}" for scheme in ("http", "https") for slash in ("", "/")]


#: Words that say nothing about which event a title names.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "at",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "by",
        "about",
        "webinar",
        "event",
        "session",
        "january",
        "jan",
        "2025",
        "2026",
        "2027",
        "2028",
        "human",
        "trafficking",
    ]
)
#: Share of the shorter title's words found in the longer one: a shortened title.
CONTAINED = 0.8
#: Jaccard similarity of two titles' word sets.
WORDS_ALIKE = 0.6


def title_words(title: str) -> set[str]:
    """The significant words of a title, lower-cased and without accents."""
    words = set(name_key(title or "").split())
    return {w for w in words if w not in STOPWORDS and len(w) > 1}


def overlap(a: Event, b: Event) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def same_host(a: Event, b: Event) -> bool:
    hosts = {a.organization_id, *(c.organization_id for c in getattr(a, "cohosts", []) or [])}
    return b.organization_id in hosts


def word_similarity(a: Event, b: Event) -> str | None:
    """Titles with the same significant words (a federal calendar and a state page listing
    one webinar), or one a shortened form of the other ("TCVAP Information Session")."""
    wa, wb = title_words(a.title), title_words(b.title)
    if not wa or not wb:
        return None
    common = wa & wb
    shorter = min(len(wa), len(wb))
    if shorter >= 2 and len(common) / shorter >= CONTAINED and (overlap(a, b) or same_host(a, b)):
        return (
            N_("shortened title, same time") if len(wa) != len(wb) else N_("same words, same time")
        )
    jaccard = len(common) / len(wa | wb)
    if jaccard >= WORDS_ALIKE:
        return f"titles share {jaccard:.0%} of their words, starts within a day"
    return None


def similarity(a: Event, b: Event) -> str | None:
    """Why ``b`` looks like a duplicate of ``a``, or None."""
    if a.registration_url and url_key(a.registration_url) == url_key(b.registration_url):
        return N_("same registration link")
    if abs(a.starts_at - b.starts_at) > WINDOW:
        return None
    ka, kb = title_key(a.title), title_key(b.title)
    if ka == kb:
        return N_("same title, starts within a day")
    by_words = word_similarity(a, b)
    if by_words:
        return by_words
    matcher = SequenceMatcher(None, ka, kb)
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return None
    ratio = matcher.ratio()
    if ratio >= SIMILAR:
        return f"similar title ({ratio:.0%} alike), starts within a day"
    return None


def find_duplicates(events: list[Event]) -> dict[int, list[Duplicate]]:
    """Possible duplicates of each of ``events`` (by id), with one query for all of them."""
    result: dict[int, list[Duplicate]] = {e.id: [] for e in events}
    if not events:
        return result
    low = min(e.starts_at for e in events) - WINDOW
    high = max(e.starts_at for e in events) + WINDOW
    urls = sorted(
        {v for e in events if e.registration_url for v in url_variants(e.registration_url)}
    )
    near = sa.and_(Event.starts_at >= low, Event.starts_at <= high)
    query = (
        sa.select(Event)
        .where(
            Event.status.in_(CANDIDATE_STATUSES),
            Event.merged_into_id.is_(None),
            sa.or_(near, sa.func.lower(Event.registration_url).in_(urls)) if urls else near,
        )
        .order_by(Event.starts_at, Event.id)
        .options(selectinload(Event.organization))
    )
    candidates = list(db.session.scalars(query))
    starts = [c.starts_at for c in candidates]
    by_url: dict[str, list[Event]] = {}
    for c in candidates:
        if c.registration_url:
            by_url.setdefault(url_key(c.registration_url), []).append(c)
    for event in events:
        lo = bisect.bisect_left(starts, event.starts_at - WINDOW)
        hi = bisect.bisect_right(starts, event.starts_at + WINDOW)
        nearby = candidates[lo:hi] + by_url.get(url_key(event.registration_url), [])
        seen = {event.id}
        for other in nearby:
            if other.id in seen:
                continue
            seen.add(other.id)
            why = similarity(event, other)
            if why:
                result[event.id].append(Duplicate(other, why))
    return result


def duplicates_of(event: Event) -> list[Duplicate]:
    return find_duplicates([event])[event.id]
