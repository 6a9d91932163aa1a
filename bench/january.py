"""Benchmark data shaped like a real January (issue #12's table), shared by the benchmarks.

N events as SPEC §6 CSV rows or as one .ics file: descriptions of 1–2 KB with links and
Markdown, 5 % weekly series (2–6 sittings), 5 % multi-day, 10 % all-day, 6 % on-demand, 70 %
in January 2027 and the rest over 2027, all levels and states, several registration modes.

    from january import write_csv, write_ics   # (bench/ is on sys.path for bench scripts)
    write_csv(Path("events.csv"), 10_000)
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from htpm_events import vocab  # noqa: E402

COLUMNS = [
    "title", "description", "organization", "level", "state", "format", "event_type", "topics",
    "audiences", "timezone", "start_date", "start_time", "end_date", "end_time", "all_day",
    "recurrence", "recurrence_count", "venue_name", "address", "city", "postal_code",
    "online_url", "registration_mode", "registration_url", "registration_deadline",
    "capacity", "cost", "languages", "accessibility", "ce_credits", "contact_name",
    "contact_email",
]  # fmt: skip

_WORDS = """awareness prevention labor exploitation outreach survivors housing youth screening
supply chains online safety trauma informed care community partners law enforcement health
clinics schools caregivers recovery services emergency response indicators referral
coalition advocates interpreters farmworkers domestic workers hotline shelters judges
prosecutors nurses teachers parents faith leaders students volunteers employers"""
WORDS = _WORDS.split()


def paragraph(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choices(WORDS, k=words))
    return text[0].upper() + text[1:] + "."


def description(rng: random.Random, i: int) -> str:
    """1–2 KB of Markdown: paragraphs, a list and two links, as organizers write them."""
    size = rng.randint(1024, 2048)
    parts = [
        f"Join us for a **session** on {' '.join(rng.sample(WORDS, 3))}. "
        f"Details at [our page](https://example.org/events/{i}).",
        "- Who should attend: " + ", ".join(rng.sample(WORDS, 4)),
        "- Materials: https://example.org/materials/" + str(i),
    ]
    while sum(len(p) + 2 for p in parts) < size:
        parts.append(paragraph(rng, rng.randint(15, 40)))
    return "\n\n".join(parts)[:size].rstrip()


def rows(n: int, seed: int = 2027):
    """N SPEC §6 rows (dicts keyed by COLUMNS)."""
    rng = random.Random(seed)
    states = list(vocab.STATES)
    organizations = [f"Synthetic Organization {i:05d}" for i in range(max(10, n // 40))]
    for i in range(n):
        level = rng.choice(list(vocab.LEVELS))
        state = "" if level == "federal" and rng.random() < 0.7 else rng.choice(states)
        timezone = vocab.STATE_TIMEZONES.get(state, "America/New_York")
        kind = rng.random()
        if kind < 0.06:
            fmt = "on-demand"
        else:
            fmt = rng.choices(["virtual", "in-person", "hybrid"], [48, 37, 15])[0]
        if fmt in ("in-person", "hybrid") and not state:
            state = rng.choice(states)
            timezone = vocab.STATE_TIMEZONES.get(state, "America/New_York")
        if rng.random() < 0.7:
            start = date(2027, 1, 1) + timedelta(days=rng.randrange(31))
        else:
            start = date(2027, 2, 1) + timedelta(days=rng.randrange(330))
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            title=f"{vocab.EVENT_TYPES[rng.choice(list(vocab.EVENT_TYPES))]} on "
            f"{' '.join(rng.sample(WORDS, 3))} #{i}",
            description=description(rng, i),
            organization=rng.choice(organizations),
            level=level,
            state=state,
            format=fmt,
            event_type=rng.choice(list(vocab.EVENT_TYPES)),
            topics="|".join(rng.sample(list(vocab.TOPICS), rng.randint(1, 2))),
            audiences="|".join(rng.sample(list(vocab.AUDIENCES), rng.randint(1, 3))),
            timezone=timezone,
            start_date=start.isoformat(),
            recurrence="none",
            languages="en|es" if rng.random() < 0.15 else "en",
            accessibility="|".join(rng.sample(list(vocab.ACCESSIBILITY), rng.randint(0, 2))),
            contact_name="Bench Contact",
            contact_email=f"contact{i}@example.org",
            cost="$10" if rng.random() < 0.2 else "",
        )
        if fmt == "on-demand":
            if rng.random() < 0.5:
                row["end_date"] = (start + timedelta(days=rng.randint(30, 200))).isoformat()
        elif kind < 0.16:  # all day (10 %)
            row["all_day"] = "1"
            row["end_date"] = start.isoformat()
        elif kind < 0.21:  # several days (5 %)
            row["all_day"] = "1"
            row["end_date"] = (start + timedelta(days=rng.choice([1, 2, 3, 9]))).isoformat()
        else:
            hour, minute = rng.randint(8, 18), rng.choice([0, 30])
            end_minutes = min(hour * 60 + minute + rng.choice([60, 90, 120, 180]), 23 * 60 + 30)
            row["start_time"] = f"{hour:02d}:{minute:02d}"
            row["end_time"] = f"{end_minutes // 60:02d}:{end_minutes % 60:02d}"
            if kind < 0.26:  # a weekly series (5 %)
                row["recurrence"] = "weekly"
                row["recurrence_count"] = str(rng.randint(2, 6))
        if fmt in ("in-person", "hybrid"):
            row.update(
                venue_name=f"Hall {i % 97}",
                address=f"{rng.randint(1, 9999)} Main Street",
                city=f"City {i % 389}",
                postal_code=f"{rng.randint(10000, 99999)}",
            )
        if fmt in ("virtual", "hybrid", "on-demand"):
            row["online_url"] = f"https://example.org/join/{i}"
        mode = rng.choices(["external", "hub", "none"], [60, 10, 30])[0]
        row["registration_mode"] = mode
        if mode == "external":
            row["registration_url"] = f"https://example.org/register/{i}"
        elif mode == "hub":
            row["capacity"] = str(rng.choice([25, 50, 100, 300]))
        if mode != "none" and fmt != "on-demand" and rng.random() < 0.3:
            row["registration_deadline"] = f"{(start - timedelta(days=2)).isoformat()}T17:00"
        yield row


def write_csv(path: Path, n: int, seed: int = 2027) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows(n, seed))


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, start = [], 0
    while start < len(data):
        end = min(start + (75 if not parts else 74), len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # never split a character
            end -= 1
        parts.append(data[start:end].decode())
        start = end
    return "\r\n ".join(parts)


def write_ics(path: Path, n: int, seed: int = 2027) -> None:
    """The same events as one calendar, as a publisher's feed holds them (on-demand rows,
    which have no date in a calendar, become all-day events)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//HTPM bench//EN\r\n")
        out.write("X-WR-CALNAME:Benchmark calendar\r\n")
        for i, r in enumerate(rows(n, seed)):
            day = date.fromisoformat(r["start_date"])
            lines = ["BEGIN:VEVENT", f"UID:bench-{i}@example.org", "DTSTAMP:20261201T000000Z"]
            lines.append(f"SUMMARY:{_text(r['title'])}")
            if r["start_time"]:
                tz = r["timezone"]
                lines.append(f"DTSTART;TZID={tz}:{day:%Y%m%d}T{r['start_time'].replace(':', '')}00")
                lines.append(f"DTEND;TZID={tz}:{day:%Y%m%d}T{r['end_time'].replace(':', '')}00")
                if r["recurrence"] == "weekly":
                    lines.append(f"RRULE:FREQ=WEEKLY;COUNT={r['recurrence_count']}")
            else:
                last = date.fromisoformat(r["end_date"]) if r["end_date"] else day
                if r["format"] == "on-demand":
                    last = day
                lines.append(f"DTSTART;VALUE=DATE:{day:%Y%m%d}")
                lines.append(f"DTEND;VALUE=DATE:{last + timedelta(days=1):%Y%m%d}")
            lines.append(f"DESCRIPTION:{_text(r['description'])}")
            if r["registration_url"]:
                lines.append(f"URL:{r['registration_url']}")
            if r["venue_name"]:
                place = f"{r['venue_name']}, {r['address']}, {r['city']}, {r['state']}"
                lines.append(f"LOCATION:{_text(place)}")
            if r["online_url"]:
                lines.append(f"CONFERENCE;VALUE=URI:{r['online_url']}")
            lines.append("END:VEVENT")
            out.write("".join(_fold(line) + "\r\n" for line in lines))
        out.write("END:VCALENDAR\r\n")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("count", type=int, nargs="?", default=10_000)
    args = parser.parse_args()
    (write_ics if args.path.suffix == ".ics" else write_csv)(args.path, args.count)
