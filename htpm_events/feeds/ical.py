"""The one iCalendar serializer (RFC 5545, RFC 7986): the subscription feeds, the per-event
``.ics`` file and the registration e-mail's attachment all come from here.

The output depends on the data alone, so that an unchanged feed is byte-identical and its
ETag stays valid: DTSTAMP is the event's last change (never "now"), and no calendar-level
value is random or time-dependent.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from icalendar import Calendar, vCalAddress, vDuration, vRecur, vText, vUri
from icalendar import Event as VEvent

from .. import vocab
from ..events.models import Event
from ..events.occurrences import local_bounds, parse_tokens
from ..i18n import current_locale
from ..links import base_url, counted_register_url, event_url
from ..timeutil import now_utc
from ..vocab import N_
from .vtimezone import vtimezone

PRODID = "-//HTPM Events Hub//EN"
#: How often subscribers should poll (RFC 7986 REFRESH-INTERVAL, X-PUBLISHED-TTL).
REFRESH = timedelta(hours=1)
CALENDAR_NAME = N_("HTPM events")  # translated for a feed that asks with hl=
#: RFC 5545 §3.1: a content line is folded so that no physical line exceeds 75 octets.
LINE_OCTETS = 74  # plus the leading space of a continuation line


# --- links --------------------------------------------------------------------------------


def event_page_url(event: Event, base: str | None = None) -> str:
    return event_url(event, base)


def register_url(event: Event, base: str | None = None) -> str:
    """The hub's counted registration link (SPEC §7), what feeds point at."""
    return counted_register_url(event, base)


def public_join_link(event: Event, for_attendee: bool = False) -> str | None:
    """The join link, unless the hub hands it out to registered attendees only."""
    if not event.online_url:
        return None
    if event.registration_mode == "hub" and not for_attendee:
        return None
    return event.online_url


# --- one event ----------------------------------------------------------------------------


def event_component(event: Event, base: str | None = None, *, for_attendee=False) -> VEvent:
    """The VEVENT of a dated (not on-demand) event."""
    if event.is_on_demand:
        raise ValueError("on-demand items have no date and are never in a calendar")
    base = base or base_url()
    cancelled = event.status == "cancelled"
    item = VEvent()
    item.add("uid", event.uid)
    item.add("dtstamp", event.updated.astimezone(UTC))
    item.add("created", event.created.astimezone(UTC))
    item.add("last-modified", event.updated.astimezone(UTC))
    item.add("sequence", event.sequence)
    start, end = local_bounds(event)
    timed = not (event.all_day or event.start_time is None)
    if not timed:
        item.add("dtstart", start.date())
        item.add("dtend", end.date())  # exclusive: the day after the last day
        item.add("transp", "TRANSPARENT")  # a month-long exhibit should not block a calendar
    else:
        item.add("dtstart", start)
        item.add("dtend", end)
    if event.rrule:
        item.add("rrule", vRecur.from_ical(event.rrule))
    for name, tokens in (("rdate", event.rdates), ("exdate", event.exdates)):
        for value in parse_tokens(tokens):
            if isinstance(value, datetime):
                value = value if not timed else value.replace(tzinfo=start.tzinfo)
                item.add(name, value.date() if not timed else value)
            else:
                item.add(name, value if not timed else datetime.combine(value, start.timetz()))
    item.add("summary", cancelled_title(event.title) if cancelled else event.title)
    item.add("description", description(event, base, for_attendee))
    item.add("location", location(event))
    item.add("url", vUri(event_page_url(event, base)), parameters={"VALUE": "URI"})
    item.add("categories", categories(event))
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    join = public_join_link(event, for_attendee)
    if join:
        item.add(
            "conference",
            vUri(join),
            parameters={"VALUE": "URI", "FEATURE": "VIDEO", "LABEL": _("Join online")},
        )
    return item


def cancelled_title(title: str) -> str:
    """ "Cancelled: …" (Google Calendar ignores STATUS:CANCELLED in subscriptions); in the
    language a feed asks for with ``hl=`` ("Cancelado: …")."""
    return _("Cancelled: %(title)s", title=title)


def description(event: Event, base: str, for_attendee: bool = False) -> str:
    """Plain text that ends with the registration link and the event page link: Google and
    Outlook ignore URL and CONFERENCE, so every link a reader needs is repeated here."""
    labels = description_labels(current_locale())
    parts = []
    if event.status == "cancelled":
        parts.append(labels["cancelled"])
    text = event.description_text  # stored with the Markdown (see Event.description_text)
    if text:
        parts.append(text)
    facts = [labels["hosted"] % {"organization": event.organization.name}]
    if event.cost:
        facts.append(labels["cost"] % {"cost": event.cost})
    join = public_join_link(event, for_attendee)
    if join:
        facts.append(labels["join"] % {"link": join})
    if event.registration_mode != "none":
        facts.append(labels["register"] % {"link": register_url(event, base)})
    facts.append(labels["page"] % {"link": event_page_url(event, base)})
    parts.append("\n".join(facts))
    return "\n\n".join(parts)


@functools.lru_cache(maxsize=8)
def description_labels(locale: str) -> dict[str, str]:
    """The DESCRIPTION's labels in ``locale``, the request's (``_(msgid) % values`` is what
    ``_(msgid, **values)`` does): looked up once per language, not five times per event."""
    return {
        "cancelled": _("This event has been cancelled."),
        "hosted": _("Hosted by: %(organization)s"),
        "cost": _("Cost: %(cost)s"),
        "join": _("Join online: %(link)s"),
        "register": _("Register: %(link)s"),
        "page": _("Event page: %(link)s"),
    }


def location(event: Event) -> str:
    """Venue, address, city, state ZIP; "Online" for a virtual event."""
    if event.format == "virtual":
        return "Online"
    region = " ".join(filter(None, (event.state, event.postal_code)))
    place = ", ".join(filter(None, (event.venue_name, event.address, event.city, region)))
    if event.format == "hybrid":
        return f"{place} and online" if place else "Online"
    return place


def categories(event: Event) -> list[str]:
    found = [
        vocab.LEVELS.get(event.level, event.level),
        vocab.FORMATS.get(event.format, event.format),
        vocab.EVENT_TYPES.get(event.event_type, event.event_type),
    ]
    found += [vocab.TOPICS.get(topic, topic) for topic in event.topics]
    return list(dict.fromkeys(found))


# --- calendars ----------------------------------------------------------------------------


FOOTER = b"END:VCALENDAR\r\n"


def calendar_head(name: str | None = None, about: str | None = None) -> Calendar:
    """The VCALENDAR's own properties; with ``name`` a subscription feed (NAME,
    X-WR-CALNAME, refresh hints), without, a file."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("name", vText(name))
        cal.add("x-wr-calname", vText(name))
        if about:
            cal.add("description", vText(about))
            cal.add("x-wr-caldesc", vText(about))
        cal.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(REFRESH))
    return cal


def head_bytes(name: str | None = None, about: str | None = None) -> bytes:
    """``BEGIN:VCALENDAR`` and the calendar's properties: what precedes the components of
    :func:`calendar`'s bytes (its last line, :data:`FOOTER`, is dropped)."""
    body = to_bytes(calendar_head(name, about))
    assert body.endswith(FOOTER)
    return body[: -len(FOOTER)]


def piece(event: Event, base: str | None = None) -> tuple[bytes, str | None, int | None]:
    """One event's VEVENT bytes as :func:`calendar` writes them, with the TZID its
    DTSTART/DTEND use and the local year it starts (what its VTIMEZONE must cover).

    The usual event (no RRULE, RDATE or EXDATE) is written line by line with icalendar's
    own value encoders, skipping its component objects (most of a cold build's time);
    tests check that both paths give the same bytes."""
    fast = direct_piece(event, base or base_url())
    if fast is not None:
        return fast
    item = event_component(event, base)
    tzid = item["DTSTART"].params.get("TZID")
    return to_bytes(item), tzid, item["DTSTART"].dt.year if tzid else None


def _text(value: str) -> str:
    """``vText(value).to_ical().decode()``, icalendar's TEXT escaping in its order, without
    building a vText (and its Parameters) for each of a feed's values. (icalendar's public
    ``parser.escape_char`` is deprecated for removal in icalendar 8, so it is not used.)"""
    return (
        value.replace(r"\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\r\n", r"\n")
        .replace("\n", r"\n")
        .replace("\r", r"\n")
    )


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def direct_piece(event: Event, base: str) -> tuple[bytes, str | None, int | None] | None:
    """:func:`event_component` + :func:`to_bytes` for an event without recurrence, in
    icalendar's property order (SUMMARY, DTSTART, DTEND, DTSTAMP, UID, SEQUENCE, then the
    rest by name); None for anything else (the component path then writes it)."""
    if event.is_on_demand or event.rrule or event.rdates or event.exdates:
        return None
    if current_locale() != "en":
        return None  # translated labels (hl=) go through icalendar's quoting
    start, end = local_bounds(event)
    timed = not (event.all_day or event.start_time is None)
    tzid = getattr(start.tzinfo, "key", None)
    if timed and (not tzid or any(c in tzid for c in ',:;"') or not start.utcoffset()):
        return None  # (icalendar writes a UTC time with Z and no TZID: its path does it)
    cancelled = event.status == "cancelled"
    if timed:
        when = [
            f"DTSTART;TZID={tzid}:{start:%Y%m%dT%H%M%S}",
            f"DTEND;TZID={tzid}:{end:%Y%m%dT%H%M%S}",
        ]
    else:
        when = [f"DTSTART;VALUE=DATE:{start:%Y%m%d}", f"DTEND;VALUE=DATE:{end:%Y%m%d}"]
    lines = [
        "BEGIN:VEVENT",
        "SUMMARY:" + _text(cancelled_title(event.title) if cancelled else event.title),
        *when,
        "DTSTAMP:" + _utc(event.updated),
        "UID:" + _text(event.uid),
        f"SEQUENCE:{event.sequence}",
        "CATEGORIES:" + ",".join(_text(c) for c in categories(event)),
    ]
    join = public_join_link(event)
    if join:
        lines.append(f"CONFERENCE;FEATURE=VIDEO;LABEL=Join online;VALUE=URI:{join}")
    lines += [
        "CREATED:" + _utc(event.created),
        "DESCRIPTION:" + _text(description(event, base)),
        "LAST-MODIFIED:" + _utc(event.updated),
        "LOCATION:" + _text(location(event)),
        "STATUS:" + ("CANCELLED" if cancelled else "CONFIRMED"),
    ]
    if not timed:
        lines.append("TRANSP:TRANSPARENT")
    lines += ["URL;VALUE=URI:" + event_page_url(event, base), "END:VEVENT"]
    body = b"\r\n".join(fold(line) for line in lines) + b"\r\n"
    return body, tzid if timed else None, start.year if timed else None


def timezones_bytes(first_years: dict[str, int]) -> bytes:
    """The VTIMEZONEs for ``{tzid: first year}``, in TZID order as :func:`calendar` adds them."""
    return b"".join(to_bytes(vtimezone(tzid, first_years[tzid])) for tzid in sorted(first_years))


def assemble(head: bytes, pieces: list[tuple[bytes, str | None, int | None]]) -> bytes:
    """A whole calendar from its head and VEVENT pieces (a small one: the per-event file)."""
    first_years: dict[str, int] = {}
    for _body, tzid, year in pieces:
        if tzid:
            first_years[tzid] = min(year, first_years.get(tzid, year))
    return head + timezones_bytes(first_years) + b"".join(p[0] for p in pieces) + FOOTER


def calendar(
    events: Iterable[Event],
    *,
    name: str | None = None,
    about: str | None = None,
    base: str | None = None,
    for_attendee: bool = False,
) -> Calendar:
    """A VCALENDAR of ``events`` with a VTIMEZONE for every TZID they use. With ``name``
    it is a subscription feed (NAME, X-WR-CALNAME, refresh hints); without, a file."""
    base = base or base_url()
    cal = calendar_head(name, about)
    components = [event_component(event, base, for_attendee=for_attendee) for event in events]
    add_timezones(cal, components)
    for item in components:
        cal.add_component(item)
    return cal


def add_timezones(cal: Calendar, components: list[VEvent]) -> None:
    """A VTIMEZONE for every TZID the components use, from the first year they need."""
    first_years: dict[str, int] = {}
    for item in components:
        for prop in ("DTSTART", "DTEND"):
            tzid = item[prop].params.get("TZID")
            if tzid:
                year = item[prop].dt.year
                first_years[tzid] = min(year, first_years.get(tzid, year))
    for tzid in sorted(first_years):
        cal.add_component(vtimezone(tzid, first_years[tzid]))


def calendar_bytes(events: Iterable[Event], **options) -> bytes:
    return to_bytes(calendar(events, **options))


def event_ics(event: Event, *, for_attendee: bool = False) -> bytes:
    """One event as an ``.ics`` file: for ``/events/<id>.ics`` and, with ``for_attendee``
    (the join link even when the hub gives it to registrants only), e-mail attachments."""
    return calendar_bytes([event], for_attendee=for_attendee)


def occurrence_bounds(event: Event, occurrence: date) -> tuple[datetime, datetime]:
    """Local start and exclusive end of the occurrence that starts on ``occurrence``."""
    start, end = local_bounds(event)
    moved = datetime.combine(occurrence, start.timetz()).replace(tzinfo=start.tzinfo)
    return moved, moved + (end - start)


def occurrence_uid(event: Event, occurrence: date) -> str:
    """One UID per occurrence a person registered for; the event's own when it has one."""
    return f"{event.uid}-{occurrence:%Y%m%d}" if event.rrule else event.uid


def invitation(
    event: Event,
    occurrence: date,
    *,
    method: str,
    sequence: int,
    organizer: str,
    attendee: str,
    attendee_name: str,
) -> bytes:
    """The calendar file of one registration (RFC 5546 iTIP, as Google, Outlook and Apple
    read it): METHOD:REQUEST for a confirmation or an update, METHOD:CANCEL when the
    registration or the event is cancelled. One occurrence (a series' own, with its own
    UID), the join link the hub keeps off public pages, the hub as ORGANIZER and the
    person as an ATTENDEE who has accepted (no RSVP asked). Every new version of one
    person's file carries a higher SEQUENCE."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unknown iTIP method {method}")
    item = event_component(event, for_attendee=True)
    for prop in ("RRULE", "DTSTART", "DTEND", "UID", "SEQUENCE", "DTSTAMP", "STATUS", "SUMMARY"):
        item.pop(prop, None)
    start, end = occurrence_bounds(event, occurrence)
    item.add("uid", occurrence_uid(event, occurrence))
    item.add("dtstamp", now_utc())
    item.add("sequence", sequence)
    if event.all_day or event.start_time is None:
        item.add("dtstart", start.date())
        item.add("dtend", end.date())
    else:
        item.add("dtstart", start)
        item.add("dtend", end)
    cancelled = method == "CANCEL"
    item.add("summary", cancelled_title(event.title) if cancelled else event.title)
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    item.add(
        "organizer",
        vCalAddress(f"mailto:{organizer}"),
        parameters={"CN": "HTPM Events Hub"},
    )
    item.add(
        "attendee",
        vCalAddress(f"mailto:{attendee}"),
        parameters={
            "CN": attendee_name,
            "ROLE": "REQ-PARTICIPANT",
            "PARTSTAT": "DECLINED" if cancelled and event.status != "cancelled" else "ACCEPTED",
            "RSVP": "FALSE",
        },
    )
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    add_timezones(cal, [item])
    cal.add_component(item)
    return to_bytes(cal)


def attendee_fingerprint(event: Event, occurrence: date) -> str:
    """What an attendee's calendar must follow: the time, the place and the join link."""
    start, end = occurrence_bounds(event, occurrence)
    facts = [
        start.isoformat(),
        end.isoformat(),
        str(event.all_day),
        event.timezone,
        location(event),
        event.online_url or "",
        event.title,
    ]
    return hashlib.sha256("\x1f".join(facts).encode()).hexdigest()


# --- bytes --------------------------------------------------------------------------------


def to_bytes(component) -> bytes:
    """``component.to_ical()``, byte for byte, with a faster line folder: icalendar folds
    character by character, which is half the time of serializing a large feed."""
    return b"\r\n".join(fold(str(line)) for line in component.content_lines() if line) + b"\r\n"


def fold(line: str) -> bytes:
    """Fold a content line at 75 octets as icalendar does: never inside a UTF-8 character,
    and never between a backslash (or ^) and the character it escapes."""
    data = line.encode()
    if len(data) <= LINE_OCTETS:
        return data
    pieces = []
    pos, size = 0, len(data)
    while size - pos > LINE_OCTETS:
        end = pos + LINE_OCTETS
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte
            end -= 1
        if data[end - 1] in b"\\^" and end - 1 > pos:
            end -= 1
        pieces.append(data[pos:end])
        pos = end
    pieces.append(data[pos:])
    return b"\r\n ".join(pieces)
