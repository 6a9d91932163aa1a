"""What every importer reports: errors located by line (CSV) or component (.ics), and a
summary of what was applied. An import with any error applies nothing."""

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext


@dataclass
class ImportError_:
    #: CSV line number (1 is the header) or VEVENT index.
    line: int
    #: The column / property, or None for the whole row.
    column: str | None
    message: str
    #: What kind of error, for the code that reads it (the message is in a language).
    code: str = ""

    def __str__(self) -> str:
        """Written when shown: in the request's language on a page, English on the command
        line (no request) and in logs."""
        if self.column:
            return _(
                "line %(line)d, column %(column)s: %(message)s",
                line=self.line,
                column=self.column,
                message=self.message,
            )
        return _("line %(line)d: %(message)s", line=self.line, message=self.message)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    #: Changes not applied: a moderator edited the event by hand (a conflict to review).
    held: int = 0
    #: Cancelled at the source before the hub ever listed them.
    skipped: int = 0
    #: Created, but sent to the queue: another source already lists the same event.
    duplicates: int = 0
    errors: list[ImportError_] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """ "3 created, 1 updated, …": written when called, so in the request's language on a
        page and in English on the command line (no request)."""
        parts = [
            ngettext("%(num)d created", "%(num)d created", self.created),
            ngettext("%(num)d updated", "%(num)d updated", self.updated),
            ngettext("%(num)d unchanged", "%(num)d unchanged", self.unchanged),
            ngettext("%(num)d cancelled", "%(num)d cancelled", self.cancelled),
        ]
        if self.held:
            parts.append(
                ngettext(
                    "%(num)d held (edited by a moderator)",
                    "%(num)d held (edited by a moderator)",
                    self.held,
                )
            )
        if self.duplicates:
            parts.append(
                ngettext(
                    "%(num)d possible duplicate sent to the queue",
                    "%(num)d possible duplicates sent to the queue",
                    self.duplicates,
                )
            )
        return ", ".join(parts)

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "cancelled": self.cancelled, "held": self.held, "errors": len(self.errors),
        }  # fmt: skip


class ImportFailed(Exception):
    """Raised with the result when an import has errors; nothing was applied."""

    def __init__(self, result: ImportResult):
        super().__init__(f"{len(result.errors)} error(s)")  # for logs: English
        self.result = result


@dataclass
class ImportedEvent:
    """One event as a file or feed states it, checked and mapped to the §2 fields."""

    #: The event's key in its source: the UID (CSV: the uid column or a hash), and for an
    #: overridden occurrence "UID#RECURRENCE-ID".
    key: str
    #: Where it starts in the file (CSV line, or the VEVENT's BEGIN line).
    line: int
    #: The §2 fields, as :func:`htpm_events.events.services.apply_data` takes them.
    data: dict
    #: STATUS:CANCELLED at the source.
    cancelled: bool = False
    #: How messages name it ("event UID x 'Title'").
    label: str = ""
    uid: str = ""
    sequence: int = 0
    recurrence_id: Any = None
    place: Any = None
    #: Worked out with the check (maybe in a worker process): the fingerprint of ``data``
    #: and the description's plain text.
    digest: str | None = None
    text: str | None = None


def data_hash(data: dict) -> str:
    """A fingerprint of imported fields: equal fingerprints, nothing to do."""
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
