"""What every importer reports: errors located by line (CSV) or component (.ics), and a
summary of what was applied. An import with any error applies nothing."""

from dataclasses import dataclass, field


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
    errors: list[ImportError_] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.cancelled} cancelled"
        )


class ImportFailed(Exception):
    """Raised with the result when an import has errors; nothing was applied."""

    def __init__(self, result: ImportResult):
        super().__init__(f"{len(result.errors)} error(s)")
        self.result = result
