""".ics import (SPEC §6): every VEVENT of a calendar mapped to the §2 fields.

The file is read with a small line scanner of our own (RFC 5545 §3.1 content lines) so that
every refusal names its line: icalendar is lenient and would quietly drop a broken line or an
impossible date. The mapped properties (DTSTART, DTEND, DURATION, RDATE, EXDATE,
RECURRENCE-ID, RRULE) are checked strictly; what the hub ignores (VALARM, X- properties) is
never a reason to refuse. :func:`read_calendar` checks everything and returns the records and
the errors; nothing is written here (see :mod:`.services`).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from html.parser import HTMLParser
from zoneinfo import available_timezones

from dateutil.rrule import rrulestr
from flask_babel import lazy_gettext as _l
from icalendar import Timezone
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from .. import vocab
from ..events.occurrences import naive_rule
from ..text import is_http_url, markdown_to_text
from ..timeutil import is_valid_timezone, zone
from .base import ImportedEvent, ImportError_, data_hash
from .parallel import chunked, prepared

DEFAULT_TIMEZONE = "America/New_York"
NAME = r"[A-Za-z0-9-]+"
PARAM_VALUE = r'(?:"[^"\x00-\x08\x0a-\x1f]*"|[^";:,\x00-\x08\x0a-\x1f]*)'
PARAM = rf"{NAME}={PARAM_VALUE}(?:,{PARAM_VALUE})*"
CONTENT_LINE = re.compile(rf"^({NAME})((?:;{PARAM})*):(.*)$", re.S)
PARAM_ITEM = re.compile(rf";({NAME})=({PARAM_VALUE}(?:,{PARAM_VALUE})*)")
DATE_VALUE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
DATETIME_VALUE = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$")
DURATION_VALUE = re.compile(
    r"^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
)
#: Hosts whose links are join links (a video meeting), not registration pages.
JOIN_HOSTS = re.compile(
    r"(^|\.)(zoom\.us|zoomgov\.com|teams\.microsoft\.com|teams\.live\.com|meet\.google\.com|"
    r"webex\.com|gotomeeting\.com|gotowebinar\.com|bluejeans\.com|whereby\.com|"
    r"meet\.jit\.si|chime\.aws)$",
    re.I,
)
LINK = re.compile(r"https?://[^\s<>\"')\]]+", re.I)
TITLE_MAX = 200
DESCRIPTION_MAX = 20_000


@dataclass
class Prop:
    line: int
    name: str
    params: dict[str, str]
    value: str


@dataclass
class Block:
    name: str
    line: int
    props: list[Prop] = field(default_factory=list)
    children: list[Block] = field(default_factory=list)
    #: The block's own unfolded lines, for handing a VTIMEZONE to icalendar.
    text: list[str] = field(default_factory=list)
    #: Its properties by name.
    index: dict[str, list[Prop]] = field(default_factory=dict)

    def add(self, prop: Prop) -> None:
        self.props.append(prop)
        self.index.setdefault(prop.name, []).append(prop)

    def first(self, name: str) -> Prop | None:
        found = self.index.get(name)
        return found[0] if found else None

    def all(self, name: str) -> list[Prop]:
        return self.index.get(name, [])


class Refused(Exception):
    def __init__(self, line: int, message: str, column: str | None = None):
        super().__init__(message)
        self.error = ImportError_(line, column, message)


# --- reading --------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 as RFC 5545 says; older exporters wrote Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def looks_like_ics(head: bytes) -> bool:
    """Whether the start of a file is an iCalendar stream (by content, not by name)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].upper()
    return text.startswith(b"BEGIN:VCALENDAR")


def unfold(lines: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    """Logical lines with the physical line number each starts on, from numbered physical
    lines."""
    out: list[tuple[int, str]] = []
    for number, raw in lines:
        if raw[:1] in (" ", "\t") and out:
            start, content = out[-1]
            out[-1] = (start, content + raw[1:])
        else:
            out.append((number, raw))
    return out


def params_of(text: str) -> dict[str, str]:
    return {m.group(1).upper(): m.group(2).strip('"') for m in PARAM_ITEM.finditer(text)}


def scan(text: str) -> Block:
    """The calendar's blocks and properties, each with its line; :class:`Refused` on the
    first line that is not a content line or on unbalanced BEGIN/END."""
    return scan_lines(enumerate(text.splitlines(), start=1))


def scan_lines(
    lines: Iterable[tuple[int, str]], inside: Block | None = None, last: int | None = None
) -> Block:
    """:func:`scan` of numbered physical lines; ``inside``: lines that stand inside that
    (open) VCALENDAR, such as a run of its VEVENTs (:func:`split`); ``last``: the number of
    the file's last line, when these lines are not all of it."""
    stack: list[Block] = [inside] if inside is not None else []
    root: Block | None = inside
    last_line = 0
    for number, content in unfold(lines):
        last_line = number
        if not content.strip():
            continue
        match = CONTENT_LINE.match(content)
        if not match:
            shown = content if len(content) <= 60 else content[:57] + "..."
            raise Refused(number, _l("not an iCalendar content line: %(line)r", line=shown))
        name, params, value = match.group(1).upper(), match.group(2), match.group(3)
        if name == "BEGIN":
            block = Block(value.strip().upper(), number)
            for outer in stack:
                if outer.name == "VTIMEZONE":
                    outer.text.append(content)
            if stack:
                stack[-1].children.append(block)
            elif root is None and block.name == "VCALENDAR":
                root = block
            else:
                raise Refused(number, _l("the file must be one BEGIN:VCALENDAR ... END:VCALENDAR"))
            stack.append(block)
            block.text.append(content)
            continue
        if not stack:
            raise Refused(number, _l("%(name)s outside BEGIN:VCALENDAR", name=name))
        for block in stack:
            if block.name == "VTIMEZONE":
                block.text.append(content)
        if name == "END":
            if value.strip().upper() != stack[-1].name:
                raise Refused(
                    number,
                    _l(
                        "END:%(end)s does not close BEGIN:%(begin)s",
                        end=value.strip(),
                        begin=stack[-1].name,
                    ),
                )
            stack.pop()
            continue
        stack[-1].add(Prop(number, name, params_of(params) if params else {}, value))
    if root is None:
        raise Refused(1, _l("not an iCalendar file: it does not start with BEGIN:VCALENDAR"))
    if inside is not None and stack == [inside]:
        return root
    if stack:
        raise Refused(
            last or last_line,
            _l(
                "the file ends inside BEGIN:%(name)s (line %(line)d): it is truncated",
                name=stack[-1].name,
                line=stack[-1].line,
            ),
        )
    return root


@dataclass
class Segment:
    """One VEVENT of the calendar's top level as :func:`split` finds it: its lines, and
    what says whether it stands alone (one VEVENT for its UID, no RECURRENCE-ID)."""

    #: The number of its first line, and its physical lines joined by newlines.
    line: int
    text: str
    #: Its first UID, unescaped (None: none, or empty).
    uid: str | None = None
    #: It has a RECURRENCE-ID (an overridden occurrence).
    recurrence: bool = False

    def numbered(self) -> Iterator[tuple[int, str]]:
        return enumerate(self.text.split("\n"), start=self.line)


_BEGIN_END = re.compile(r"(BEGIN|END)[;:]", re.I)
_KEY = re.compile(r"(UID|RECURRENCE-ID)[;:]", re.I)


def split(text: str) -> tuple[list[tuple[int, str]], list[Segment], int]:
    """The calendar cut into its top-level VEVENTs (each read by :func:`scan_lines` apart,
    maybe in a worker process) and the rest (numbered lines), plus the number of its last
    line. Only BEGIN and END lines are read here, as :func:`scan` reads them; every line is
    checked by whichever scan reads it, so an error is found at the same line as by one
    scan of the whole file. A VEVENT still open when the file ends stays in the rest."""
    physical = text.splitlines()
    frame: list[tuple[int, str]] = []
    segments: list[Segment] = []
    depth, start, in_calendar, uid_seen = 0, 0, False, False
    current: Segment | None = None
    last = 0
    i, count = 0, len(physical)
    while i < count:
        first = physical[i]
        j = i + 1
        while j < count and physical[j][:1] in (" ", "\t"):
            j += 1
        last = i + 1
        begin_end = _BEGIN_END.match(first)
        key = _KEY.match(first) if current is not None and depth == 2 else None
        if begin_end or key:
            content = first + "".join(line[1:] for line in physical[i + 1 : j])
            match = CONTENT_LINE.match(content)
            name = match.group(1).upper() if match else ""
            value = match.group(3) if match else ""
            if name == "BEGIN":
                kind = value.strip().upper()
                if depth == 0:
                    in_calendar = kind == "VCALENDAR"
                elif depth == 1 and in_calendar and kind == "VEVENT" and current is None:
                    current, start, uid_seen = Segment(i + 1, ""), i, False
                depth += 1
            elif name == "END" and depth:
                depth -= 1
                if current is not None and depth == 1:
                    current.text = "\n".join(physical[start:j])
                    segments.append(current)
                    current = None
                    i = j
                    continue
            elif name == "UID" and not uid_seen:
                uid_seen = True
                current.uid = unescape(value) if value.strip() else None
            elif name == "RECURRENCE-ID":
                current.recurrence = True
        if current is None:
            frame.extend((k + 1, physical[k]) for k in range(i, j))
        i = j
    if current is not None:  # unfinished: the scan of the rest says so
        frame.extend((k + 1, physical[k]) for k in range(start, count))
    return frame, segments, last


def unescape(value: str) -> str:
    return re.sub(
        r"\\([nN,;\\])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value
    ).strip()


# --- time zones -----------------------------------------------------------------------------


class Zones:
    """TZID → IANA name: an IANA name or alias as is, a Windows name through the CLDR table
    (icalendar's copy), anything else by matching its VTIMEZONE's offsets to a zone."""

    def __init__(self, vtimezones: list[Block]):
        self.blocks = {}
        for block in vtimezones:
            tzid = block.first("TZID")
            if tzid:
                self.blocks[tzid.value.strip().strip('"')] = block
        #: By TZID and year (a VTIMEZONE matched by its rules is matched for each year).
        self.cache: dict[tuple[str, int], str] = {}

    def resolve(self, tzid: str, year: int) -> str:
        tzid = tzid.strip().strip('"')
        key = (tzid, year)
        if key not in self.cache:
            self.cache[key] = self._resolve(tzid, year)
        return self.cache[key]

    def _resolve(self, tzid: str, year: int) -> str:
        if tzid.upper() in ("UTC", "Z", "GMT", "ETC/UTC"):
            return "UTC"
        if is_valid_timezone(tzid):
            return tzid
        if tzid in WINDOWS_TO_OLSON:
            return WINDOWS_TO_OLSON[tzid]
        # Globally unique TZIDs such as /softwarestudio.org/Olson_20011030_5/America/New_York
        parts = tzid.strip("/").split("/")
        for i in range(1, len(parts)):
            candidate = "/".join(parts[i:])
            if is_valid_timezone(candidate):
                return candidate
        block = self.blocks.get(tzid)
        if block is None:
            raise ValueError(_l("unknown time zone %(zone)r (no VTIMEZONE defines it)", zone=tzid))
        matched = match_vtimezone("\r\n".join(block.text), year)
        if matched is None:
            raise ValueError(_l("time zone %(zone)r: its rules match no known zone", zone=tzid))
        return matched


@lru_cache(maxsize=64)
def match_vtimezone(text: str, year: int) -> str | None:
    """The IANA zone whose UTC offsets over ``year`` equal the VTIMEZONE's."""
    try:
        tz = Timezone.from_ical(text).to_tz(lookup_tzid=False)
    except Exception:  # a VTIMEZONE icalendar cannot read matches nothing
        return None
    samples = [datetime(year, 1, 1, 12, tzinfo=UTC) + timedelta(days=d) for d in range(0, 366)]
    try:
        wanted = [s.astimezone(tz).utcoffset() for s in samples]
    except Exception:
        return None
    for name in candidate_zones():
        z = zone(name)
        if all(s.astimezone(z).utcoffset() == w for s, w in zip(samples, wanted, strict=True)):
            return name
    return None


@lru_cache(maxsize=1)
def candidate_zones() -> list[str]:
    """The zones the Windows table names first (one per region), then every other one."""
    preferred = list(dict.fromkeys(v for v in WINDOWS_TO_OLSON.values() if is_valid_timezone(v)))
    rest = sorted(z for z in available_timezones() if is_valid_timezone(z) and "/" in z)
    return preferred + [z for z in rest if z not in preferred and not z.startswith("Etc/")]


# --- values ---------------------------------------------------------------------------------


@dataclass
class When:
    """A DATE (``day``) or a DATE-TIME: naive wall time plus its zone (None: floating)."""

    day: date | None = None
    local: datetime | None = None
    tzid: str | None = None
    utc: bool = False

    @property
    def is_date(self) -> bool:
        return self.day is not None


def parse_when(prop: Prop, value: str | None = None) -> When:
    """One DATE or DATE-TIME value; ValueError with a message on anything else."""
    value = (prop.value if value is None else value).strip()
    kind = prop.params.get("VALUE", "").upper()
    if kind == "PERIOD" or ("/" in value and kind != "DATE"):
        value = value.split("/", 1)[0]
    m = DATE_VALUE.match(value)
    if m and kind != "DATE-TIME":
        try:
            return When(day=date(*map(int, m.groups())))
        except ValueError:
            raise ValueError(
                _l("%(name)s %(value)r is not a real date", name=prop.name, value=value)
            ) from None
    m = DATETIME_VALUE.match(value)
    if m and kind != "DATE":
        y, mo, d, h, mi, s, z = m.groups()
        try:
            local = datetime(int(y), int(mo), int(d), int(h), int(mi), min(int(s), 59))
        except ValueError:
            raise ValueError(
                _l("%(name)s %(value)r is not a real date and time", name=prop.name, value=value)
            ) from None
        if z:
            return When(local=local, utc=True)
        return When(local=local, tzid=prop.params.get("TZID"))
    if kind == "DATE":
        message = _l("%(name)s %(value)r is not a date", name=prop.name, value=value)
    elif kind == "DATE-TIME":
        message = _l("%(name)s %(value)r is not a date and time", name=prop.name, value=value)
    else:
        message = _l("%(name)s %(value)r is not a date or date-time", name=prop.name, value=value)
    raise ValueError(message)


def parse_duration(prop: Prop) -> timedelta:
    m = DURATION_VALUE.match(prop.value.strip())
    if not m or prop.value.strip() in ("P", "PT"):
        raise ValueError(_l("DURATION %(value)r is not a duration", value=prop.value))
    sign, w, d, h, mi, s = m.groups()
    delta = timedelta(
        weeks=int(w or 0), days=int(d or 0), hours=int(h or 0), minutes=int(mi or 0),
        seconds=int(s or 0),
    )  # fmt: skip
    return -delta if sign == "-" else delta


# --- HTML descriptions ----------------------------------------------------------------------


class _Markdown(HTMLParser):
    """HTML to Markdown: paragraphs, line breaks, bold, italics, lists and links; every
    other tag dropped (its text kept). The result is sanitized again when rendered."""

    BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "ul", "ol", "table"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.href: list[str | None] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag in self.BLOCK:
            self.out.append("\n\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in ("b", "strong"):
            self.out.append("**")
        elif tag in ("i", "em"):
            self.out.append("*")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.href.append(href if is_http_url(href) or href.startswith("mailto:") else None)
            self.out.append("[" if self.href[-1] else "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self.out.append("\n\n")
        elif tag in ("b", "strong"):
            self.out.append("**")
        elif tag in ("i", "em"):
            self.out.append("*")
        elif tag == "a" and self.href:
            href = self.href.pop()
            if href:
                self.out.append(f"]({href})")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_markdown(value: str) -> str:
    parser = _Markdown()
    parser.feed(value)
    parser.close()
    text = "".join(parser.out).replace("\xa0", " ")
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def description_markdown(value: str) -> str:
    if re.search(r"<(/?[a-zA-Z][a-zA-Z0-9]*)(\s[^>]*)?/?>", value):
        return html_to_markdown(value)
    return html.unescape(value) if re.search(r"&(nbsp|amp|lt|gt|quot|#\d+);", value) else value


def is_join_link(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    return bool(JOIN_HOSTS.search(host))


def links_in(text: str) -> list[str]:
    return [m.group(0).rstrip(".,;") for m in LINK.finditer(text or "")]


# --- mapping --------------------------------------------------------------------------------


@dataclass
class Calendar:
    """What the calendar says about itself."""

    name: str | None
    timezone: str | None
    events: list[Block]
    zones: Zones


def read_calendar(
    data: bytes, defaults: dict | None = None
) -> tuple[list[ImportedEvent], list[ImportError_]]:
    """Every VEVENT of ``data`` as an :class:`ImportedEvent`, or the errors (line, UID and
    title named). ``defaults`` are the source's: organization, level, state, topics,
    event_type, format, timezone, contact_name, contact_email."""
    reading = Reading(data, defaults)
    records = list(reading.records())
    return ([], reading.errors) if reading.errors else (records, [])


class Reading:
    """A calendar being read: the file is cut into its VEVENTs (:func:`split`) and the rest
    is scanned at once; :meth:`records` maps the VEVENTs a chunk at a time (in worker
    processes for a large file, :mod:`.parallel`) and yields each event as soon as it is
    mapped, until an error is found. ``errors`` then holds them all, as one scan of the
    whole file and mapping every VEVENT in turn would report them: the first line that is
    not iCalendar, or else every VEVENT that cannot be imported.

    A VEVENT that does not stand alone (its UID has other VEVENTs, or it overrides an
    occurrence) is kept for the end: its series and overrides are linked together then
    (:func:`link_overrides`), in this process."""

    def __init__(self, data: bytes, defaults: dict | None = None):
        self.defaults = defaults or {}
        self.errors: list[ImportError_] = []
        frame, self.segments, last = split(decode(data))
        try:
            root = scan_lines(frame, last=last)
        except Refused as refused:
            self.errors = [self.first_scan_error(refused.error)]
            return
        if not self.segments:
            self.errors = [
                ImportError_(
                    root.line,
                    None,
                    _l("the calendar has no VEVENT: no event to import"),
                    code="no-event",
                )
            ]
            return
        calname = root.first("X-WR-CALNAME")
        wr_tz = root.first("X-WR-TIMEZONE")
        file_zone = None
        if wr_tz:
            try:
                file_zone = Zones([]).resolve(unescape(wr_tz.value), 2000)
            except ValueError:
                file_zone = None
        self.calendar = Calendar(
            name=unescape(calname.value) if calname else None,
            timezone=file_zone,
            events=[],
            zones=Zones([b for b in root.children if b.name == "VTIMEZONE"]),
        )
        uids = Counter(segment.uid for segment in self.segments)
        self.alone = [
            segment.uid is not None and uids[segment.uid] == 1 and not segment.recurrence
            for segment in self.segments
        ]

    def first_scan_error(self, error: ImportError_) -> ImportError_:
        """The rest of the file has an error: a VEVENT before it may have an earlier one."""
        for segment in self.segments:
            if segment.line > error.line:
                break
            try:
                scan_lines(segment.numbered(), inside=Block("VCALENDAR", 0))
            except Refused as refused:
                return refused.error
        return error

    def records(
        self, progress: Callable[[str, int], None] | None = None
    ) -> Iterator[ImportedEvent]:
        """The events, as they are mapped (``progress`` is told of each chunk checked)."""
        if self.errors:
            return
        scan_errors: list[ImportError_] = []
        errors: list[ImportError_] = []
        kept: list[Segment] = []
        work = zip(self.segments, self.alone, strict=True)
        context = (self.calendar, self.defaults)
        for mapped in prepared(map_segments, chunked(work), context):
            if progress:
                progress("checked", len(mapped.items))
            if mapped.scan_error is not None:
                scan_errors.append(mapped.scan_error)
            for (segment, alone), (record, error) in zip(mapped.work, mapped.items, strict=True):
                if error is not None:
                    errors.append(error)
                elif not alone:
                    kept.append(segment)
                elif not (errors or scan_errors):
                    yield record
        if scan_errors:
            self.errors = [min(scan_errors, key=lambda e: e.line)]
            return
        if errors:
            self.errors = sorted(errors, key=lambda e: e.line)
            return
        if kept:
            lines = (line for segment in kept for line in segment.numbered())
            blocks = scan_lines(lines, inside=Block("VCALENDAR", 0)).children
            yield from link_overrides(
                [map_event(block, self.calendar, self.defaults) for block in blocks]
            )


@dataclass
class Mapped:
    """A chunk of VEVENTs as :func:`map_segments` returns it: the first line that is not
    iCalendar, or for each VEVENT its record or its error. A VEVENT that does not stand
    alone is only checked here (its record is made again when its series is linked)."""

    work: list[tuple[Segment, bool]]
    scan_error: ImportError_ | None = None
    items: list[tuple[ImportedEvent | None, ImportError_ | None]] = field(default_factory=list)


def map_segments(work: list[tuple[Segment, bool]], context: tuple) -> Mapped:
    """Scan and map a chunk of VEVENTs, with the fingerprint and the description's plain
    text of each that stands alone (run by :func:`.parallel.prepared`, maybe in a worker)."""
    calendar, defaults = context
    # The lines of the segments only, so that the result does not carry them back.
    mapped = Mapped([(Segment(segment.line, ""), alone) for segment, alone in work])
    lines = (line for segment, _alone in work for line in segment.numbered())
    try:
        blocks = scan_lines(lines, inside=Block("VCALENDAR", 0)).children
    except Refused as refused:
        mapped.scan_error = refused.error
        mapped.work = []
        return mapped
    for block, (segment, alone) in zip(blocks, work, strict=True):
        try:
            record = map_event(block, calendar, defaults)
        except Refused as refused:
            mapped.items.append((None, refused.error))
            continue
        if not alone:
            mapped.work[len(mapped.items)] = (segment, alone)  # mapped again at the end
            mapped.items.append((None, None))
            continue
        record.place = None
        record.digest = data_hash(record.data)
        record.text = markdown_to_text(record.data.get("description") or "")
        mapped.items.append((record, None))
    return mapped


def message_of(exc: Exception):
    """An exception's message as it was raised (a lazy translation stays lazy)."""
    return exc.args[0] if len(exc.args) == 1 else str(exc)


def label(block: Block) -> str:
    uid = block.first("UID")
    summary = block.first("SUMMARY")
    parts = []
    if uid and uid.value.strip():
        parts.append(f"UID {unescape(uid.value)}")
    if summary and summary.value.strip():
        parts.append(repr(unescape(summary.value)[:80]))
    return _l("event %(which)s", which=" ".join(parts)) if parts else _l("event")


def map_event(block: Block, calendar: Calendar, defaults: dict) -> ImportedEvent:
    def refuse(prop_line: int, message: str, column: str | None = None):
        raise Refused(
            prop_line, _l("%(event)s: %(problem)s", event=label(block), problem=message), column
        )

    summary = block.first("SUMMARY")
    title = unescape(summary.value) if summary else ""
    if not title:
        refuse(block.line, _l("it has no SUMMARY (an event needs a title)"), "SUMMARY")
    start_prop = block.first("DTSTART")
    if start_prop is None:
        refuse(block.line, _l("it has no DTSTART (an event needs a start)"), "DTSTART")

    def when(prop: Prop, value: str | None = None) -> When:
        try:
            return parse_when(prop, value)
        except ValueError as exc:
            refuse(prop.line, message_of(exc), prop.name)

    start = when(start_prop)
    default_zone = calendar.timezone or defaults.get("timezone") or DEFAULT_TIMEZONE

    def place(w: When) -> tuple[datetime, str]:
        """Aware local time and the IANA zone of a DATE-TIME."""
        if w.utc:
            return w.local.replace(tzinfo=UTC).astimezone(zone(default_zone)), default_zone
        if w.tzid:
            try:
                name = calendar.zones.resolve(w.tzid, w.local.year)
            except ValueError as exc:
                refuse(start_prop.line, message_of(exc), "TZID")
            if name == "UTC":
                return place(When(local=w.local, utc=True))
            return w.local.replace(tzinfo=zone(name)), name
        return w.local.replace(tzinfo=zone(default_zone)), default_zone

    data: dict = {}
    if start.is_date:
        tzname = default_zone
        local_start = datetime.combine(start.day, time(0), tzinfo=zone(tzname))
    else:
        local_start, tzname = place(start)
    end_prop, duration_prop = block.first("DTEND"), block.first("DURATION")
    local_end: datetime | None = None
    if end_prop is not None:
        end = when(end_prop)
        if end.is_date:
            local_end = datetime.combine(end.day, time(0), tzinfo=zone(tzname))
            if not start.is_date:
                local_end = None  # a DATE end on a timed event: its start day
        else:
            aware, _zone = place(end)
            local_end = aware.astimezone(zone(tzname))
            if start.is_date:
                local_end = datetime.combine(local_end.date(), time(0), tzinfo=zone(tzname))
    elif duration_prop is not None:
        try:
            local_end = local_start + parse_duration(duration_prop)
        except ValueError as exc:
            refuse(duration_prop.line, message_of(exc), "DURATION")
    if local_end is not None and local_end < local_start:
        refuse((end_prop or duration_prop).line, _l("it ends before it starts"), "DTEND")

    if start.is_date:
        last = (local_end - timedelta(days=1)).date() if local_end else start.day
        data.update(
            all_day=True, start_date=start.day, end_date=max(last, start.day),
            start_time=None, end_time=None,
        )  # fmt: skip
    else:
        data.update(
            all_day=False,
            start_date=local_start.date(),
            start_time=local_start.time().replace(second=0, microsecond=0, tzinfo=None),
        )
        if local_end is not None and local_end > local_start:
            data["end_date"] = local_end.date()
            data["end_time"] = local_end.time().replace(second=0, microsecond=0, tzinfo=None)
            if data["end_date"] == data["start_date"] and data["end_time"] <= data["start_time"]:
                data["end_time"] = None  # shorter than a minute
        else:
            data["end_date"], data["end_time"] = local_start.date(), None
    data["timezone"] = tzname

    # Recurrence: the rule as written, RDATE and EXDATE as naive local times in the zone.
    def local_tokens(props: list[Prop]) -> list[str]:
        tokens = []
        for prop in props:
            for value in prop.value.split(","):
                if not value.strip():
                    continue
                w = when(prop, value)
                tokens.append(recurrence_token(w, data["all_day"], tzname, place))
        return tokens

    rrules = block.all("RRULE")
    rdates = local_tokens(block.all("RDATE"))
    exdates = local_tokens(block.all("EXDATE"))
    data.update(recurrence="none", rrule=None, rdates=None, exdates=None)
    if rrules or rdates:
        rule = rrules[0].value.strip() if rrules else None
        if rule:
            rule = rule.upper()
            if len(rule) > 255:
                refuse(rrules[0].line, _l("its RRULE is too long"), "RRULE")
            naive = datetime.combine(data["start_date"], data["start_time"] or time(0))
            try:
                iterator = iter(rrulestr(naive_rule(rule, tzname), dtstart=naive))
                next(iterator, None)
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                refuse(
                    rrules[0].line,
                    _l("RRULE %(rule)r is not valid: %(error)s", rule=rule, error=exc),
                    "RRULE",
                )
        data.update(
            recurrence="custom",
            rrule=rule,
            rdates=" ".join(rdates) or None,
            exdates=" ".join(exdates) or None,
        )

    # What, where, who.
    description_prop = block.first("DESCRIPTION")
    text = description_markdown(unescape(description_prop.value)) if description_prop else ""
    if len(title) > TITLE_MAX:
        text = f"{title}\n\n{text}".strip()
        title = title[: TITLE_MAX - 1].rstrip() + "…"
    data["title"] = " ".join(title.split())
    data["description"] = text[:DESCRIPTION_MAX]

    location_prop = block.first("LOCATION")
    location = unescape(location_prop.value) if location_prop else ""
    online = None
    for conf in block.all("CONFERENCE"):
        if is_http_url(conf.value.strip()):
            online = conf.value.strip()
            break
    if location and is_http_url(location):
        online = online or location
        location = ""
    if not online:
        online = next(
            (u for u in links_in(location) + links_in(text) if is_join_link(u) and is_http_url(u)),
            None,
        )
    venue, address = None, None
    if location:
        first, _comma, rest = location.partition(",")
        venue, address = first.strip()[:200], (rest.strip()[:300] or None)
    geo = block.first("GEO")
    if geo and not address:
        m = re.match(r"^\s*(-?\d+(?:\.\d+)?)\s*[;,]\s*(-?\d+(?:\.\d+)?)\s*$", geo.value)
        if m:
            address = f"{m.group(1)}, {m.group(2)}"
    if online and (venue or address):
        fmt = "hybrid"
    elif online:
        fmt = "virtual"
    elif venue or address:
        fmt = "in-person"
    else:
        fmt = defaults.get("format") or "in-person"
    data.update(
        venue_name=venue, address=address, city=None, postal_code=None,
        online_url=online[:2000] if online else None, format=fmt,
    )  # fmt: skip

    url_prop = block.first("URL")
    registration = url_prop.value.strip() if url_prop and is_http_url(url_prop.value) else None
    if not registration:
        registration = next(
            (u for u in links_in(text) if not is_join_link(u) and is_http_url(u)), None
        )
    data["registration_url"] = registration[:2000] if registration else None
    data["registration_mode"] = "external" if registration else "none"

    organizer = block.first("ORGANIZER")
    organizer_name = organizer.params.get("CN") if organizer else None
    data["organization"] = (
        defaults.get("organization") or organizer_name or calendar.name or "Imported calendar"
    )[:200]
    data["level"] = defaults.get("level") or "community"
    data["state"] = defaults.get("state") or None
    data["event_type"] = defaults.get("event_type") or "other"
    data["topics"] = [t for t in (defaults.get("topics") or []) if t in vocab.TOPICS]
    data["audiences"], data["accessibility"], data["languages"] = [], [], ["en"]
    data["contact_name"] = (defaults.get("contact_name") or data["organization"])[:200]
    data["contact_email"] = (defaults.get("contact_email") or "")[:254]
    data.update(capacity=None, cost=None, ce_credits=None, registration_deadline=None)
    data["recurrence_until"], data["recurrence_count"] = None, None

    uid_prop = block.first("UID")
    uid = unescape(uid_prop.value) if uid_prop and uid_prop.value.strip() else None
    if uid is None:
        seed = f"{title}|{start_prop.value}".encode()
        uid = "ics-" + hashlib.sha256(seed).hexdigest()[:32]
    rid_prop = block.first("RECURRENCE-ID")
    recurrence_id = None
    if rid_prop is not None:
        rid = when(rid_prop)
        recurrence_id = rid
    status = block.first("STATUS")
    sequence = block.first("SEQUENCE")
    try:
        seq = int(sequence.value.strip()) if sequence else 0
    except ValueError:
        seq = 0
    record = ImportedEvent(
        key=uid[:400],
        line=block.line,
        data=data,
        cancelled=bool(status and status.value.strip().upper() == "CANCELLED"),
    )
    record.uid = uid[:400]
    record.sequence = seq
    record.recurrence_id = recurrence_id
    record.place = place
    return record


def recurrence_token(w: When, all_day: bool, tzname: str, place) -> str:
    """An RDATE/EXDATE/RECURRENCE-ID as the master's naive local time (or day)."""
    if w.is_date:
        return f"{w.day:%Y%m%d}"
    if all_day:
        return f"{w.local:%Y%m%d}"  # Exchange writes an all-day RECURRENCE-ID as a midnight
    aware, _zone = place(w)
    local = aware.astimezone(zone(tzname))
    if all_day:
        return f"{local:%Y%m%d}"
    return f"{local:%Y%m%dT%H%M%S}"


def link_overrides(records: list[ImportedEvent]) -> list[ImportedEvent]:
    """Overridden occurrences (RECURRENCE-ID) become their own events keyed by
    (UID, RECURRENCE-ID); the master no longer lists the moved or cancelled slot."""
    masters: dict[str, ImportedEvent] = {}
    by_key: dict[str, ImportedEvent] = {}
    for record in records:
        if record.recurrence_id is None:
            existing = masters.get(record.uid)
            if existing is None or record.sequence >= existing.sequence:
                masters[record.uid] = record
    out: list[ImportedEvent] = []
    for record in records:
        if record.recurrence_id is None:
            if masters[record.uid] is record:
                by_key[record.key] = record
                out.append(record)
            continue
        master = masters.get(record.uid)
        rid = record.recurrence_id
        key_value = f"{rid.day:%Y%m%d}" if rid.is_date else f"{rid.local:%Y%m%dT%H%M%S}"
        record.key = f"{record.uid[:400]}#{key_value}"
        if master is not None:
            token = recurrence_token(
                rid, master.data["all_day"], master.data["timezone"], master.place
            )
            tokens = (master.data.get("exdates") or "").split()
            if token not in tokens:
                tokens.append(token)
            if master.data["recurrence"] == "custom":
                master.data["exdates"] = " ".join(tokens)
        previous = by_key.get(record.key)
        if previous is not None:
            if record.sequence < previous.sequence:
                continue
            out.remove(previous)
        by_key[record.key] = record
        out.append(record)
    for record in out:
        record.place = None
    return out
