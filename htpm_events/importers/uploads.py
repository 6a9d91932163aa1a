"""Files sent through the browser (a moderator's upload, an organization's batch): checked
in a dry run, kept on the server under a random token until applied, applied all or
nothing. A CSV and an .ics file are told apart by their content."""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
from pathlib import Path

import flask
from flask import current_app
from flask_babel import format_number
from flask_babel import gettext as _

from ..extensions import db
from .base import ImportError_, ImportFailed, ImportResult
from .ics import looks_like_ics
from .models import ImportSource
from .services import import_csv, import_ics

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class TooLarge(ValueError):
    pass


#: The pages that take an import file: their requests may be as large as
#: HTPM_IMPORT_MAX_BYTES (plus the form around it) instead of MAX_CONTENT_LENGTH.
UPLOAD_PATHS = ("/moderate/imports", "/submit/batch")


class Request(flask.Request):
    """Flask's request with a larger body limit on the import upload pages (the limit must
    be known before the CSRF check reads the form, so a view cannot set it)."""

    @property
    def max_content_length(self) -> int | None:
        limit = flask.Request.max_content_length.fget(self)
        if self.path in UPLOAD_PATHS and limit is not None:
            configured = int(current_app.config.get("HTPM_IMPORT_MAX_BYTES") or 0)
            return max(limit, configured + 256 * 1024)
        return limit


def read_limited(stream, limit: int) -> bytes:
    """The upload's bytes, refused past ``limit`` (HTPM_IMPORT_MAX_BYTES) while reading."""
    chunks, size = [], 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise TooLarge(
                _(
                    "The file is larger than the %(limit)s bytes allowed.",
                    limit=format_number(limit),
                )
            )
        chunks.append(chunk)
    return b"".join(chunks)


def max_bytes() -> int:
    return int(current_app.config.get("HTPM_IMPORT_MAX_BYTES") or 10 * 1024 * 1024)


def folder() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(data: bytes) -> str:
    token = secrets.token_urlsafe(24)
    target = folder() / f"{token}.upload"
    with open(target, "wb") as stream:
        stream.write(data)
    return token


def load(token: str) -> bytes | None:
    if not token or not TOKEN.match(token):
        return None
    try:
        return (folder() / f"{token}.upload").read_bytes()
    except OSError:
        return None


def discard(token: str) -> None:
    if token and TOKEN.match(token):
        with contextlib.suppress(OSError):
            os.remove(folder() / f"{token}.upload")


def kind_of(data: bytes) -> str:
    return "ics" if looks_like_ics(data[:4096]) else "csv"


def import_bytes(
    data: bytes,
    source: ImportSource,
    *,
    organization: str | None = None,
    level: str | None = None,
    trusted: bool = False,
    actor: str,
    defaults: dict | None = None,
) -> ImportResult:
    """Import a file's bytes into ``source``; raises :class:`ImportFailed` (nothing applied)."""
    if kind_of(data) == "ics":
        return import_ics(
            data, source, organization=organization, level=level, trusted=trusted, actor=actor
        )
    if b"\0" in data[:4096]:
        raise ImportFailed(
            ImportResult(
                errors=[ImportError_(1, None, _("This is neither a CSV nor an .ics file."))]
            )
        )
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailed(
            ImportResult(
                errors=[
                    ImportError_(
                        line,
                        None,
                        _("The file is not UTF-8 text: save the spreadsheet as “CSV UTF-8”."),
                    )
                ]
            )
        ) from exc

    def open_stream():
        return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")

    return import_csv(
        open_stream,
        source,
        organization=organization,
        level=level,
        trusted=trusted,
        actor=actor,
        defaults=defaults,
    )


def dry_run(data: bytes, source_factory, **options) -> ImportResult:
    """What importing ``data`` would do, with nothing kept (the transaction is rolled back).
    The result carries the errors instead of raising."""
    try:
        result = import_bytes(data, source_factory(), **options)
    except ImportFailed as failed:
        result = failed.result
    finally:
        db.session.rollback()
    return result
