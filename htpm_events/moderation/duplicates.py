"""Possible duplicates: a similar title starting within a day of the same time, or the same
registration link, among published and pending events."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from difflib import SequenceMatcher
from functools import lru_cache
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


@lru_cache(maxsize=65536)
def title_key(title: str) -> str:
    return name_key(title or "")


_LETTERS = {c: i for i, c in enumerate("abcdefghijklmnopqrstuvwxyz0123456789 ")}


@lru_cache(maxsize=65536)
def letter_counts(key: str) -> tuple[int, ...]:
    """How often each letter, digit and space occurs in a title key, with every other
    character counted in one last slot: the letters two keys share are at most
    ``sum(map(min, a, b))`` (a bound difflib's ratio cannot exceed)."""
    counts = [0] * (len(_LETTERS) + 1)
    for char in key:
        counts[_LETTERS.get(char, -1)] += 1
    return tuple(counts)


@lru_cache(maxsize=65536)
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


@lru_cache(maxsize=65536)
def title_words(title: str) -> frozenset[str]:
    """The significant words of a title, lower-cased and without accents (kept per title: an
    import compares each new event with many candidates)."""
    words = title_key(title).split()
    return frozenset(w for w in words if w not in STOPWORDS and len(w) > 1)


def overlap(a: Event, b: Event) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def same_host(a: Event, b: Event) -> bool:
    hosts = {a.organization_id, *(c.organization_id for c in getattr(a, "cohosts", []) or [])}
    return b.organization_id in hosts


@dataclass(frozen=True)
class TitleFeatures:
    """What :func:`similarity` compares of a title, computed once per title (an import
    compares each new event with dozens of candidates, and each candidate with many events)."""

    key: str
    words: frozenset[str]
    counts: tuple[int, ...]


@lru_cache(maxsize=65536)
def title_features(title: str) -> TitleFeatures:
    key = title_key(title)
    return TitleFeatures(key, title_words(title), letter_counts(key))


def word_similarity(
    a: Event, b: Event, fa: TitleFeatures | None = None, fb: TitleFeatures | None = None
) -> str | None:
    """Titles with the same significant words (a federal calendar and a state page listing
    one webinar), or one a shortened form of the other ("TCVAP Information Session")."""
    wa = (fa or title_features(a.title)).words
    wb = (fb or title_features(b.title)).words
    if not wa or not wb:
        return None
    common = len(wa & wb)
    if not common:
        return None
    shorter = min(len(wa), len(wb))
    if shorter >= 2 and common / shorter >= CONTAINED and (overlap(a, b) or same_host(a, b)):
        return (
            N_("shortened title, same time") if len(wa) != len(wb) else N_("same words, same time")
        )
    jaccard = common / (len(wa) + len(wb) - common)  # the size of wa | wb
    if jaccard >= WORDS_ALIKE:
        return f"titles share {jaccard:.0%} of their words, starts within a day"
    return None


def similarity(a: Event, b: Event) -> str | None:
    """Why ``b`` looks like a duplicate of ``a``, or None."""
    if a.registration_url and url_key(a.registration_url) == url_key(b.registration_url):
        return N_("same registration link")
    if abs(a.starts_at - b.starts_at) > WINDOW:
        return None
    fa, fb = title_features(a.title or ""), title_features(b.title or "")
    ka, kb = fa.key, fb.key
    if ka == kb:
        return N_("same title, starts within a day")
    by_words = word_similarity(a, b, fa, fb)
    if by_words:
        return by_words
    # difflib's quick upper bounds: the shorter key's length, then the letters in common
    # (from letter counts kept per title); both only skip pairs the ratio would refuse.
    total = len(ka) + len(kb)
    if 2 * min(len(ka), len(kb)) < SIMILAR * total:
        return None
    common = sum(map(min, fa.counts, fb.counts))
    if 2 * common < SIMILAR * total:
        return None
    ratio = SequenceMatcher(None, ka, kb).ratio()
    if ratio >= SIMILAR:
        return f"similar title ({ratio:.0%} alike), starts within a day"
    return None


def find_duplicates(events: list[Event]) -> dict[int, list[Duplicate]]:
    """Possible duplicates of each of ``events`` (by id), with one query for all of them."""
    found = matches(events)
    return {event.id: dups for event, dups in zip(events, found, strict=True)}


def matches(events: Sequence[Event]) -> list[list[Duplicate]]:
    """Possible duplicates of each of ``events`` (in their order), among published and
    pending events."""
    if not events:
        return []
    low = min(e.starts_at for e in events) - WINDOW
    high = max(e.starts_at for e in events) + WINDOW
    query = (
        sa.select(Event)
        .where(
            Event.status.in_(CANDIDATE_STATUSES),
            Event.merged_into_id.is_(None),
            sa.or_(Event.starts_at.between(low, high), same_link(events)),
        )
        .order_by(Event.starts_at, Event.id)
        .options(selectinload(Event.organization))
    )
    index = _Index(list(db.session.scalars(query)))
    result = []
    for event in events:
        found = []
        for other in index.nearby(event):
            why = similarity(event, other)
            if why:
                found.append(Duplicate(other, why))
        result.append(found)
    return result


def same_link(events: Sequence[Event]):
    urls = sorted(
        {v for e in events if e.registration_url for v in url_variants(e.registration_url)}
    )
    return sa.func.lower(Event.registration_url).in_(urls) if urls else sa.false()


#: What an import compares: light rows, not whole events with their descriptions.
LIGHT = (
    Event.id,
    Event.title,
    Event.starts_at,
    Event.ends_at,
    Event.registration_url,
    Event.organization_id,
)


class ListedElsewhere:
    """For one import, batch after batch: is each new event already published by another
    source or a submitter? (Then a moderator decides; an event is never public twice.)

    The published events near the import's dates are read once, as light rows, and the
    range grows as batches need it; links are looked up for each batch on their index."""

    def __init__(self, source_id: int | None):
        self.published = [
            Event.status == "approved",
            Event.merged_into_id.is_(None),
            Event.import_source_id.is_distinct_from(source_id),
        ]
        self.low = self.high = None
        self.index = _Index([])

    def flags(self, events: Sequence[Event]) -> list[bool]:
        if not events:
            return []
        low = min(e.starts_at for e in events) - WINDOW
        high = max(e.starts_at for e in events) + WINDOW
        if self.low is None or low < self.low or high > self.high:
            self.low = low if self.low is None else min(low, self.low)
            self.high = high if self.high is None else max(high, self.high)
            rows = db.session.execute(
                sa.select(*LIGHT)
                .where(*self.published, Event.starts_at.between(self.low, self.high))
                .order_by(Event.starts_at, Event.id)
            ).all()
            self.index = _Index(rows)
        linked: dict[str, list] = {}
        for row in db.session.execute(sa.select(*LIGHT).where(*self.published, same_link(events))):
            linked.setdefault(url_key(row.registration_url), []).append(row)
        return [
            any(similarity(event, other) for other in self.index.nearby(event, linked))
            for event in events
        ]


def prefixes(title: str) -> frozenset[str]:
    """The first four letters of each significant word: titles that :func:`similarity` can
    find alike share one ("Recognizing Labor" and "Recognising Labour" share "reco")."""
    return frozenset(word[:4] for word in title_words(title))


class _Index:
    """Candidates in start order, found by start time, registration link, title and word
    prefix, so that each event is compared only with those that may be like it (an import
    into a busy January compares thousands of new events with thousands of listed ones).

    The prefix test misses only titles alike letter by letter with no significant word
    starting alike ("Human Trafficking 101" and "… 102", different sessions anyway); titles
    with no significant word are compared with every candidate near in time."""

    def __init__(self, candidates: list[Event]):
        self.candidates = candidates
        self.starts = [c.starts_at for c in candidates]
        self.by_url: dict[str, list[Event]] = {}
        self.by_title: dict[str, list[int]] = {}
        self.by_prefix: dict[str, list[int]] = {}
        self.wordless: list[int] = []
        for position, c in enumerate(candidates):
            if c.registration_url:
                self.by_url.setdefault(url_key(c.registration_url), []).append(c)
            self.by_title.setdefault(title_key(c.title), []).append(position)
            keys = prefixes(c.title)
            for key in keys:
                self.by_prefix.setdefault(key, []).append(position)
            if not keys:
                self.wordless.append(position)

    def nearby(self, event: Event, linked: dict | None = None) -> list[Event]:
        """Candidates that may be like ``event``, each once, never ``event`` itself
        (``linked``: more candidates by link)."""
        lo = bisect.bisect_left(self.starts, event.starts_at - WINDOW)
        hi = bisect.bisect_right(self.starts, event.starts_at + WINDOW)
        keys = prefixes(event.title) if hi - lo > 32 else None
        if not keys:
            positions = range(lo, hi)
        else:
            lists = [self.by_prefix.get(key, ()) for key in keys]
            lists += [self.wordless, self.by_title.get(title_key(event.title), ())]
            positions = sorted(
                {
                    p
                    for found in lists
                    for p in found[bisect.bisect_left(found, lo) : bisect.bisect_left(found, hi)]
                }
            )
        chosen = [self.candidates[p] for p in positions]
        link = url_key(event.registration_url)
        chosen += self.by_url.get(link, [])
        if linked:
            chosen += linked.get(link, [])
        seen = {event.id} if event.id is not None else set()
        unique = []
        for other in chosen:
            if other.id not in seen:
                seen.add(other.id)
                unique.append(other)
        return unique


def duplicates_of(event: Event) -> list[Duplicate]:
    return find_duplicates([event])[event.id]
