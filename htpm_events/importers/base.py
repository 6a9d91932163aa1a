"""What every importer reports: errors located by line (CSV) or component (.ics), and a
summary of what was applied. An import with any error applies nothing."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ImportError_:
    #: CSV line number (1 is the header) or VEVENT index.
    line: int
    #: The column / property, or None for the whole row.
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


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
        text = (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.cancelled} cancelled"
        )
        if self.held:
            text += f", {self.held} held (edited by a moderator)"
        if self.duplicates:
            text += f", {self.duplicates} possible duplicate(s) sent to the queue"
        return text

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "cancelled": self.cancelled, "held": self.held, "errors": len(self.errors),
        }  # fmt: skip


class ImportFailed(Exception):
    """Raised with the result when an import has errors; nothing was applied."""

    def __init__(self, result: ImportResult):
        super().__init__(f"{len(result.errors)} error(s)")
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
