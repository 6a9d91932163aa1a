"""Possible duplicates: a similar title starting within a day of the same time, or the same
registration link, among published and pending events.

Event ``b`` looks like a duplicate of event ``a`` (:func:`similarity`, rules in this order):

1. the same registration link (:func:`url_key`: host without case, no trailing slash, no
   fragment), whenever either starts; otherwise only if they start within a day (``WINDOW``):
2. the same title key (:func:`title_key`);
3. the same significant words, or one title's words at least 80 % of the other's, when they
   overlap in time or share a host (:func:`word_similarity`); or titles sharing at least
   60 % of their words (Jaccard);
4. titles at least 80 % alike letter by letter (difflib's ratio of the title keys).

Each event is compared only with the candidates :class:`_Index` finds for it (by start time,
link, title and word prefix). Titles are reduced once to :class:`TitleFeatures` and each
candidate to a plain tuple, so that a comparison reads no ORM attribute and no cache."""

from __future__ import annotations

import bisect
import itertools
import operator
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from difflib import SequenceMatcher
from functools import cache, lru_cache
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..events.models import Event
from ..extensions import db
from ..text import NAME_KEY_LENGTH, name_key
from ..vocab import N_

#: Titles at least this similar (difflib ratio of the normalized titles) count as "similar".
SIMILAR = 0.8
#: How far apart two starts may be for the events to count as the same.
WINDOW = timedelta(days=1)
CANDIDATE_STATUSES = ("approved", "pending")


@dataclass
class Duplicate:
    event: Event
    #: Why it looks like a duplicate, in English (a message of the catalogue, or a
    #: :class:`Reason`); :attr:`reason` is the text in the page's language.
    why: str

    @property
    def reason(self) -> str:
        if isinstance(self.why, Reason):
            return _(self.why.message, **self.why.values)
        return _(self.why)


class Reason(str):
    """A reason with a share in it ("titles share 67% of their words, …"): the English
    text, and the message and values it is written from, so that a page translates the
    message (a template's ``_()`` would read the "%" of "67%" as a placeholder)."""

    def __new__(cls, message: str, **values):
        reason = super().__new__(cls, message % values)
        reason.message, reason.values = message, values
        return reason


_ASCII_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=65536)
def title_key(title: str) -> str:
    """:func:`~htpm_events.text.name_key` of a title. An ASCII title takes a shortcut with
    the same result: NFKC and accents change nothing, case folding is ``lower()``, and the
    ASCII characters of Unicode categories L, N and M are exactly ``[a-z0-9]``."""
    title = title or ""
    if not title.isascii():
        return name_key(title)
    words = _ASCII_WORD.findall(title.lower())
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)[:NAME_KEY_LENGTH].rstrip()


#: One bit per (character, occurrence): the n-th "e" of a key has its own bit, so the
#: characters two keys have in common (as multisets) are the bits their masks share.
#: ``_MASKS[char, n]``: the bits of the first n occurrences of ``char``.
_MASKS: dict[tuple[str, int], int] = {}
_MASKS_LOCK = threading.Lock()


def _add_masks(counts) -> None:
    with _MASKS_LOCK:
        for char, count in counts:
            for n in range(1, count + 1):
                if (char, n) not in _MASKS:
                    bit = 1 << len(_MASKS)
                    _MASKS[char, n] = _MASKS[char, n - 1] | bit if n > 1 else bit


@lru_cache(maxsize=65536)
def letter_bits(key: str) -> int:
    """A mask of a title key's characters with their number of occurrences: the characters
    two keys share are at most ``(letter_bits(a) & letter_bits(b)).bit_count()``, which
    difflib's count of matching characters cannot exceed (a bound on its ratio)."""
    counts = Counter(key).items()
    try:
        return sum(map(_MASKS.__getitem__, counts))  # disjoint bits: the sum is their union
    except KeyError:
        _add_masks(counts)
        return sum(map(_MASKS.__getitem__, counts))


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
    bits: int
    prefixes: frozenset[str]


@lru_cache(maxsize=65536)
def title_features(title: str) -> TitleFeatures:
    key = title_key(title)
    words = title_words(title)
    return TitleFeatures(key, words, letter_bits(key), frozenset(w[:4] for w in words))


def prefixes(title: str) -> frozenset[str]:
    """The first four letters of each significant word: titles that :func:`similarity` can
    find alike share one ("Recognizing Labor" and "Recognising Labour" share "reco")."""
    return title_features(title or "").prefixes


def word_similarity(
    a: Event, b: Event, fa: TitleFeatures | None = None, fb: TitleFeatures | None = None
) -> str | None:
    """Titles with the same significant words (a federal calendar and a state page listing
    one webinar), or one a shortened form of the other ("TCVAP Information Session")."""
    wa = (fa or title_features(a.title or "")).words
    wb = (fb or title_features(b.title or "")).words
    return _by_words(a, wa, b.starts_at, b.ends_at, b.organization_id, wb)


def _by_words(a, wa: frozenset, b_starts, b_ends, b_org, wb: frozenset) -> str | None:
    """:func:`word_similarity` of event ``a`` and a candidate given by its fields."""
    if not wa or not wb:
        return None
    common = len(wa & wb)
    if not common:
        return None
    shorter = min(len(wa), len(wb))
    if (
        shorter >= 2
        and common / shorter >= CONTAINED
        and (
            (a.starts_at < b_ends and b_starts < a.ends_at)  # overlap()
            or b_org in _hosts(a)  # same_host()
        )
    ):
        return (
            N_("shortened title, same time") if len(wa) != len(wb) else N_("same words, same time")
        )
    jaccard = common / (len(wa) + len(wb) - common)  # the size of wa | wb
    if jaccard >= WORDS_ALIKE:
        return Reason(
            N_("titles share %(share)s of their words, starts within a day"),
            share=f"{jaccard:.0%}",
        )
    return None


def _hosts(a) -> set:
    return {a.organization_id, *(c.organization_id for c in getattr(a, "cohosts", []) or [])}


def _letters_alike(la: int, fa: TitleFeatures, lb: int, fb_key: str, fb_bits: int) -> str | None:
    """Rule 4 for two different keys: difflib's ratio, after its quick upper bounds (the
    shorter key's length, then the characters in common), which only skip pairs the ratio
    would refuse."""
    total = la + lb
    if 2 * min(la, lb) < SIMILAR * total:
        return None
    if 2 * (fa.bits & fb_bits).bit_count() < SIMILAR * total:
        return None
    ratio = SequenceMatcher(None, fa.key, fb_key).ratio()
    if ratio >= SIMILAR:
        return Reason(
            N_("similar title (%(share)s alike), starts within a day"), share=f"{ratio:.0%}"
        )
    return None


def similarity(a: Event, b: Event) -> str | None:
    """Why ``b`` looks like a duplicate of ``a``, or None."""
    if a.registration_url and url_key(a.registration_url) == url_key(b.registration_url):
        return N_("same registration link")
    if abs(a.starts_at - b.starts_at) > WINDOW:
        return None
    fa, fb = title_features(a.title or ""), title_features(b.title or "")
    return _alike(a, fa, _candidate(b, fb))


# A candidate as a plain tuple: its fields, its title's features and the object itself.
_ID, _STARTS, _ENDS, _LINK, _ORG, _KEY, _WORDS, _BITS_, _LEN, _OBJ = range(10)


def _candidate(c, features: TitleFeatures | None = None) -> tuple:
    f = features or title_features(c.title or "")
    return (
        c.id,
        c.starts_at,
        c.ends_at,
        url_key(c.registration_url),
        c.organization_id,
        f.key,
        f.words,
        f.bits,
        len(f.key),
        c,
    )


def _why(a, fa: TitleFeatures, link: str, b: tuple) -> str | None:
    """:func:`similarity` of event ``a`` (its title's features and link given) and a
    candidate tuple."""
    if a.registration_url and link == b[_LINK]:
        return N_("same registration link")
    if abs(a.starts_at - b[_STARTS]) > WINDOW:
        return None
    return _alike(a, fa, b)


def _alike(a, fa: TitleFeatures, b: tuple) -> str | None:
    """Rules 2 to 4 for a candidate starting within a day of ``a``."""
    if fa.key == b[_KEY]:
        return N_("same title, starts within a day")
    by_words = _by_words(a, fa.words, b[_STARTS], b[_ENDS], b[_ORG], b[_WORDS])
    if by_words:
        return by_words
    return _letters_alike(len(fa.key), fa, b[_LEN], b[_KEY], b[_BITS_])


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
    index = _Index()
    index.add(list(db.session.scalars(query)))
    result = []
    for event in events:
        fa, link = title_features(event.title or ""), url_key(event.registration_url)
        found = []
        for other in index.nearby(event, fa, link):
            why = _why(event, fa, link, other)
            if why:
                found.append(Duplicate(other[_OBJ], why))
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
    range grows as batches need it (only the rows of the added days are read and added to
    the index); links are looked up for each batch on their index."""

    def __init__(self, source_id: int | None):
        self.source_id = source_id
        self.published = [
            Event.status == "approved",
            Event.merged_into_id.is_(None),
            Event.import_source_id.is_distinct_from(source_id),
        ]
        self.low = self.high = None
        self.index = _Index()

    def _read(self, *where) -> list:
        return db.session.execute(
            sa.select(*LIGHT).where(*self.published, *where).order_by(Event.starts_at, Event.id)
        ).all()

    def flags(self, events: Sequence[Event]) -> list[bool]:
        if not events:
            return []
        low = min(e.starts_at for e in events) - WINDOW
        high = max(e.starts_at for e in events) + WINDOW
        if self.low is None:
            self.low, self.high = low, high
            self.index.add(self._read(Event.starts_at.between(low, high)))
        else:
            # The candidates are those starting in [self.low, self.high]: a wider range
            # adds the rows of [low, self.low) before them and (self.high, high] after.
            if low < self.low:
                rows = self._read(Event.starts_at >= low, Event.starts_at < self.low)
                self.index.add(rows, before=True)
                self.low = low
            if high > self.high:
                rows = self._read(Event.starts_at > self.high, Event.starts_at <= high)
                self.index.add(rows)
                self.high = high
        # The links alone in SQL, on their index (SQLite would rather scan the published
        # events by status and compare each link), and the conditions of self.published
        # here, on the few rows found.
        linked: dict[str, list] = {}
        query = sa.select(*LIGHT, Event.status, Event.merged_into_id, Event.import_source_id).where(
            same_link(events)
        )
        for row in db.session.execute(query):
            if (
                row.status == "approved"
                and row.merged_into_id is None
                and row.import_source_id != self.source_id
            ):
                candidate = _candidate(row)
                linked.setdefault(candidate[_LINK], []).append(candidate)
        if not linked and not self.index.candidates:
            return [False] * len(events)  # nothing published near them (a first import)
        return [self.index.listed(event, linked) for event in events]


class _Index:
    """Candidates in start order, found by start time, registration link, title and word
    prefix, so that each event is compared only with those that may be like it (an import
    into a busy January compares thousands of new events with thousands of listed ones).

    The prefix test misses only titles alike letter by letter with no significant word
    starting alike ("Human Trafficking 101" and "… 102", different sessions anyway); titles
    with no significant word are compared with every candidate near in time.

    Positions are numbers in start order; candidates added before the first get lower
    (negative) numbers, so that the lists by title, prefix and word stay sorted."""

    def __init__(self):
        self.first = 0  # the position of candidates[0]
        self.candidates: list[tuple] = []
        self.starts: list = []
        self.lengths: list[int] = []
        self.bits: list[int] = []
        self.by_url: dict[str, list[tuple]] = {}
        self.by_title: dict[str, list[int]] = {}
        self.by_prefix: dict[str, list[int]] = {}
        self.by_word: dict[str, list[int]] = {}
        self.wordless: list[int] = []

    def add(self, objects: Sequence, before: bool = False) -> None:
        """Add candidates in start order, all after the present ones (or all before)."""
        if not objects:
            return
        added = [_candidate(c) for c in objects]
        first = self.first - len(added) if before else self.first + len(self.candidates)
        by_title: dict[str, list[int]] = {}
        by_prefix: dict[str, list[int]] = {}
        by_word: dict[str, list[int]] = {}
        wordless = []
        for position, c in enumerate(added, first):
            by_title.setdefault(c[_KEY], []).append(position)
            words = c[_WORDS]
            for word in words:
                by_word.setdefault(word, []).append(position)
            keys = {word[:4] for word in words}
            for key in keys:
                by_prefix.setdefault(key, []).append(position)
            if not keys:
                wordless.append(position)
        for mine, new in (
            (self.by_title, by_title),
            (self.by_prefix, by_prefix),
            (self.by_word, by_word),
        ):
            for key, positions in new.items():
                present = mine.setdefault(key, [])
                if before:
                    present[:0] = positions
                else:
                    present += positions
        urls = [c for c in added if c[_OBJ].registration_url]
        if before:
            self.wordless[:0] = wordless
            self.first = first
            self.candidates[:0] = added
            self.starts[:0] = [c[_STARTS] for c in added]
            self.lengths[:0] = [c[_LEN] for c in added]
            self.bits[:0] = [c[_BITS_] for c in added]
            urls.reverse()
            for c in urls:
                self.by_url.setdefault(c[_LINK], []).insert(0, c)
        else:
            self.wordless += wordless
            self.candidates += added
            self.starts += [c[_STARTS] for c in added]
            self.lengths += [c[_LEN] for c in added]
            self.bits += [c[_BITS_] for c in added]
            for c in urls:
                self.by_url.setdefault(c[_LINK], []).append(c)

    def window(self, event) -> tuple[int, int]:
        """The positions [lo, hi) of the candidates starting within a day of ``event``."""
        lo = bisect.bisect_left(self.starts, event.starts_at - WINDOW)
        hi = bisect.bisect_right(self.starts, event.starts_at + WINDOW)
        return lo + self.first, hi + self.first

    def near_in_time(self, event, fa: TitleFeatures) -> list[int] | range:
        """The positions of the candidates within a day whose title may be like
        ``event``'s: all of them, or when there are many, those sharing a word prefix,
        the same title or no significant word (in start order)."""
        lo, hi = self.window(event)
        keys = fa.prefixes if hi - lo > 32 else None
        if not keys:
            return range(lo, hi)
        lists = [self.by_prefix.get(key, ()) for key in keys]
        lists += [self.wordless, self.by_title.get(fa.key, ())]
        return sorted(
            {
                p
                for found in lists
                for p in found[bisect.bisect_left(found, lo) : bisect.bisect_left(found, hi)]
            }
        )

    def nearby(
        self, event: Event, fa: TitleFeatures, link: str, linked: dict | None = None
    ) -> list[tuple]:
        """Candidates that may be like ``event``, each once, never ``event`` itself
        (``linked``: more candidates by link)."""
        first = self.first
        chosen = [self.candidates[p - first] for p in self.near_in_time(event, fa)]
        chosen += self.by_url.get(link, [])
        if linked:
            chosen += linked.get(link, [])
        seen = {event.id} if event.id is not None else set()
        unique = []
        for other in chosen:
            if other[_ID] not in seen:
                seen.add(other[_ID])
                unique.append(other)
        return unique

    def listed(self, event, linked: dict) -> bool:
        """Whether any of :meth:`nearby` is like ``event`` (:func:`similarity`), rule by
        rule over all of them instead of candidate by candidate (the same answer):

        - a link: the candidates with the same link are those of ``by_url`` and ``linked``;
        - the same title: those of ``by_title`` within a day;
        - the word rules need a common word, so only candidates within a day sharing a word
          (counted from ``by_word``) are compared, and only those sharing two when the
          title has two words or more (one common word of two or more is at most 50 %);
        - the letter rule: each of :meth:`near_in_time`, through difflib's bounds and then
          the longest common subsequence, which bounds the ratio much closer.

        A new event with an id, or an empty link key, is compared candidate by candidate."""
        fa = title_features(event.title or "")
        link = url_key(event.registration_url)
        if (
            event.id is not None
            or not link
            and (event.registration_url or self.by_url.get("") or linked.get(""))
        ):
            return any(_why(event, fa, link, c) for c in self.nearby(event, fa, link, linked))
        if event.registration_url and (self.by_url.get(link) or linked.get(link)):
            return True
        lo, hi = self.window(event)
        if lo == hi:
            return False
        same = self.by_title.get(fa.key)
        if same and bisect.bisect_left(same, lo) < bisect.bisect_left(same, hi):
            return True
        wa = fa.words
        if wa:
            shared = Counter()
            for word in wa:
                found = self.by_word.get(word)
                if found:
                    shared.update(
                        found[bisect.bisect_left(found, lo) : bisect.bisect_left(found, hi)]
                    )
            least = 2 if len(wa) >= 2 else 1
            first = self.first
            for position, common in shared.most_common():
                if common < least:
                    break
                c = self.candidates[position - first]
                if _by_words(event, wa, c[_STARTS], c[_ENDS], c[_ORG], c[_WORDS]):
                    return True
        # The letter rule, on the candidates of near_in_time() (those of by_title were
        # found above): the length and common-character bounds as one table look-up.
        if hi - lo > 32 and fa.prefixes:
            lists = [self.by_prefix.get(key, ()) for key in fa.prefixes] + [self.wordless]
            near = set().union(
                *(
                    found[bisect.bisect_left(found, lo) : bisect.bisect_left(found, hi)]
                    for found in lists
                )
            )
            near = map(operator.sub, near, itertools.repeat(self.first))
        else:
            near = range(lo - self.first, hi - self.first)
        la, bits = len(fa.key), fa.bits
        least, lengths, all_bits = _least_common(la), self.lengths, self.bits
        places = None
        for i in [i for i in near if (bits & all_bits[i]).bit_count() >= least[lengths[i]]]:
            key = self.candidates[i][_KEY]
            if places is None:
                places = _places(fa.key)
            if 2 * _common_subsequence(places, la, key) < SIMILAR * (la + len(key)):
                continue
            if SequenceMatcher(None, fa.key, key).ratio() >= SIMILAR:
                return True
        return False


@cache
def _least_common(length: int) -> tuple[int, ...]:
    """For a key of ``length`` characters and each length of another key (up to
    ``NAME_KEY_LENGTH``), the fewest characters in common that pass both of difflib's quick
    bounds in :func:`_letters_alike` (more than any key has when the lengths do not pass)."""
    least = []
    for other in range(NAME_KEY_LENGTH + 1):
        total = length + other
        if 2 * min(length, other) < SIMILAR * total:
            least.append(NAME_KEY_LENGTH + 1)
            continue
        common = 0
        while 2 * common < SIMILAR * total:
            common += 1
        least.append(common)
    return tuple(least)


def _places(key: str) -> dict[str, int]:
    """Each character of ``key`` with a mask of where it occurs."""
    places: dict[str, int] = {}
    for i, char in enumerate(key):
        places[char] = places.get(char, 0) | 1 << i
    return places


def _common_subsequence(places: dict[str, int], length: int, other: str) -> int:
    """The length of the longest common subsequence of a key (``places``, ``length``) and
    ``other``, bit-parallel (Crochemore et al. 2001). difflib's matching blocks are in order
    in both keys, a common subsequence: their size, and so the ratio, cannot exceed it."""
    mask = (1 << length) - 1
    v = mask
    get = places.get
    for char in other:
        u = v & get(char, 0)
        v = ((v + u) | (v - u)) & mask
    return length - v.bit_count()


def duplicates_of(event: Event) -> list[Duplicate]:
    return find_duplicates([event])[event.id]
