"""Reading the audit log: filters, the page query and the CSV export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import selectinload

from ..db import MAX_ID
from ..extensions import db
from ..text import has_control_chars, spreadsheet_safe
from ..vocab import N_
from .models import AuditEntry
from .queue import BadFilter

#: What moderation pages call each action of the log. The log itself, its filter's values
#: and the CSV export keep the codes (``request-changes``), which stay English.
ACTION_LABELS = {
    "account-create": N_("account created"),
    "account-deactivate": N_("account deactivated"),
    "account-reactivate": N_("account reactivated"),
    "account-role": N_("role changed"),
    "add-source": N_("source added"),
    "approve": N_("approved"),
    "approve-source": N_("source approved"),
    "auto-publish": N_("published automatically"),
    "cancel": N_("cancelled"),
    "dismiss-held-run": N_("held run dropped"),
    "edit": N_("edited"),
    "edit-source": N_("source edited"),
    "feature": N_("featured"),
    "import": N_("imported"),
    "merge": N_("merged"),
    "message-registrants": N_("message to registrants"),
    "reject": N_("rejected"),
    "remove-registrant": N_("registrant removed"),
    "request-changes": N_("changes requested"),
    "split": N_("organization split"),
    "submit": N_("submitted"),
    "trust": N_("organization trusted"),
    "trust-domain": N_("domain trusted"),
    "trust-source": N_("source trusted"),
    "unfeature": N_("no longer featured"),
    "unpublish": N_("unpublished"),
    "untrust": N_("organization no longer trusted"),
    "untrust-domain": N_("domain no longer trusted"),
    "untrust-source": N_("source no longer trusted"),
}


def action_label(action: str) -> str:
    """An action's name in the page's language (an unknown code as it is)."""
    return gettext(ACTION_LABELS[action]) if action in ACTION_LABELS else action


@dataclass
class LogFilters:
    action: str | None = None
    actor: str | None = None
    event: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def args(self) -> dict:
        names = {"date_from": "from", "date_to": "to"}
        return {
            names.get(k, k): (v.isoformat() if isinstance(v, date) else v)
            for k, v in vars(self).items()
            if v not in (None, "")
        }


def parse_date(name: str, value: str) -> date | None:
    if not value:
        return None
    try:
        found = date.fromisoformat(value)
    except ValueError:
        raise BadFilter(
            gettext(
                "“%(value)s” is not a date for %(name)s: use YYYY-MM-DD.",
                value=value[:40],
                name=name,
            )
        ) from None
    if not 1900 <= found.year <= 2999:  # 9999-12-31 + 1 day overflows (a 500)
        raise BadFilter(
            gettext(
                "“%(value)s” is out of range for %(name)s: use a year from 1900 to 2999.",
                value=value,
                name=name,
            )
        )
    return found


def text_filter(args, name: str, limit: int) -> str | None:
    value = (args.get(name) or "").strip()[:limit]
    if has_control_chars(value):  # PostgreSQL refuses a NUL in a query (a 500)
        raise BadFilter(gettext("The %(name)s filter has control characters.", name=name))
    return value or None


def parse_filters(args) -> LogFilters:
    event = (args.get("event") or "").strip().lstrip("#")
    if event and (
        len(event) > 12 or not (event.isascii() and event.isdigit()) or int(event) > MAX_ID
    ):
        raise BadFilter(gettext("“%(value)s” is not an event number.", value=event[:40]))
    filters = LogFilters(
        action=text_filter(args, "action", 40),
        actor=text_filter(args, "actor", 254),
        event=int(event) if event else None,
        date_from=parse_date("from", (args.get("from") or "").strip()),
        date_to=parse_date("to", (args.get("to") or "").strip()),
    )
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        raise BadFilter(gettext("The “to” date is before the “from” date."))
    return filters


def log_query(filters: LogFilters):
    """Newest first; dates are UTC days."""
    query = (
        sa.select(AuditEntry)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .options(selectinload(AuditEntry.event), selectinload(AuditEntry.organization))
    )
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.actor:
        query = query.where(AuditEntry.actor == filters.actor)
    if filters.event is not None:
        query = query.where(AuditEntry.event_id == filters.event)
    if filters.date_from:
        query = query.where(AuditEntry.at >= datetime.combine(filters.date_from, time(), UTC))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), UTC)
        query = query.where(AuditEntry.at < end)
    return query


def choices() -> tuple[list[str], list[str]]:
    """The actions and actors the log holds, for the filter menus."""
    actions = db.session.scalars(sa.select(AuditEntry.action).distinct().order_by("action"))
    actors = db.session.scalars(sa.select(AuditEntry.actor).distinct().order_by("actor"))
    return list(actions), list(actors)


CSV_COLUMNS = (
    "id", "at_utc", "actor", "action", "event_id", "event_title", "organization", "reason",
    "details",
)  # fmt: skip


def csv_rows(filters: LogFilters) -> Iterator[str]:
    """The filtered log as CSV text, a chunk at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    query = log_query(filters).execution_options(yield_per=500)
    for entry in db.session.scalars(query):
        writer.writerow(
            [
                entry.id,
                entry.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                spreadsheet_safe(entry.actor),
                entry.action,
                entry.event_id or "",
                spreadsheet_safe(entry.event.title if entry.event else ""),
                spreadsheet_safe(entry.organization.name if entry.organization else ""),
                spreadsheet_safe(entry.reason),
                json.dumps(entry.details, sort_keys=True) if entry.details else "",
            ]
        )
        if buffer.tell() > 32_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
