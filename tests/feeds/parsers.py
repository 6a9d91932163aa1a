"""The independent parsers a feed must satisfy, called directly (not through a dev tool):
icalendar, ical (strict RFC 5545, as Home Assistant uses it), vobject (validating),
recurring-ical-events, and Mozilla's ical.js (Thunderbird's parser) run by node."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

from ..jstools import node_for_icaljs

JS = Path(__file__).resolve().parent.parent / "js"


def lines(body: bytes) -> list[bytes]:
    """Physical lines, without their CRLF (the body must end with one)."""
    assert body.endswith(b"\r\n")
    return body[:-2].split(b"\r\n")


def unfolded(body: bytes) -> list[str]:
    """Logical content lines."""
    return body.decode().replace("\r\n ", "").split("\r\n")[:-1]


def icalendar_parse(body: bytes):
    import icalendar

    return icalendar.Calendar.from_ical(body)


def ical_strict(body: bytes):
    from ical.calendar_stream import IcsCalendarStream

    return IcsCalendarStream.calendar_from_ics(body.decode())


def vobject_parse(body: bytes):
    """vobject, validating; every date decoded and every rule expanded, as a client would."""
    import vobject

    cal = vobject.readOne(body.decode(), validate=True)
    events = list(getattr(cal, "vevent_list", []))
    for event in events:
        _ = event.dtstart.value
        if hasattr(event, "rrule"):
            list(event.getrruleset(addRDate=True))
    return cal, events


def recurring(body: bytes, start: date, end: date) -> list:
    import recurring_ical_events

    return list(recurring_ical_events.of(icalendar_parse(body)).between(start, end))


def icaljs(body: bytes, start: date | None = None, end: date | None = None) -> dict:
    args = [node_for_icaljs(), str(JS / "ics_parse.mjs")]
    if start and end:
        args += [start.isoformat(), end.isoformat()]
    done = subprocess.run(args, input=body, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout)
    assert result["errors"] == [], result["errors"]
    return result


def all_parsers(body: bytes, start: date, end: date) -> dict[str, set]:
    """Parse with all five parsers (each raises, or fails the test, on a feed it rejects) and
    expand every event: per parser, the set of (UID, local start) of the occurrences that
    start on a local day in [start, end). A start is "YYYY-MM-DDTHH:MM:SS" wall time in the
    event's own zone, or "YYYY-MM-DD" for an all-day event."""
    found: dict[str, set] = {}
    icalendar_parse(body)

    found["recurring-ical-events"] = {
        (str(o["UID"]), iso(o["DTSTART"].dt)) for o in recurring(body, start, end)
    }

    strict = ical_strict(body)
    found["ical"] = {(e.uid, iso(e.dtstart)) for e in strict.timeline.overlapping(start, end)}

    _, events = vobject_parse(body)
    found["vobject"] = set()
    for event in events:
        if hasattr(event, "rrule"):
            starts = list(event.getrruleset(addRDate=True))
            if not hasattr(event.dtstart.value, "hour"):  # dateutil expands dates as midnights
                starts = [value.date() for value in starts]
        else:
            starts = [event.dtstart.value]
        found["vobject"] |= {(event.uid.value, iso(value)) for value in starts}

    js = icaljs(body, start, end)
    found["ical.js"] = {(o["uid"], o["start"]) for o in js["occurrences"]}
    first, last = start.isoformat(), end.isoformat()
    return {
        name: {(uid, at) for uid, at in found_set if first <= at[:10] < last}
        for name, found_set in found.items()
    }


def iso(value) -> str:
    """A date as YYYY-MM-DD, a date-time as its naive local YYYY-MM-DDTHH:MM:SS."""
    if hasattr(value, "hour"):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    return value.isoformat()


def property_texts(body: bytes) -> list[str]:
    """Every property value and parameter of every component of ``body``, parsed (so
    unfolded: 75-octet folding cannot hide a word from a check on these) and unescaped."""
    texts = []
    for component in icalendar_parse(body).walk():
        for name, value in component.property_items(recursive=False, sorted=False):
            if name in ("BEGIN", "END"):
                continue
            for item in value if isinstance(value, list) else [value]:
                text = item if isinstance(item, str) else item.to_ical()
                texts.append(text.decode() if isinstance(text, bytes) else str(text))
                texts += [f"{key}={param}" for key, param in getattr(item, "params", {}).items()]
    return texts
