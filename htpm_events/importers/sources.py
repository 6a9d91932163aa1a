"""Polled import sources (SPEC §6): adding one, finding the due ones, and one run of a source
— claimed so that two workers never run it at once, fetched safely, applied all or nothing,
its outcome recorded on the source. ``flask imports run`` and the scheduled job both call
:func:`run_source`."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..i18n import current_locale, in_english, stored_text
from ..timeutil import now_utc
from ..vocab import N_
from .base import ImportFailed, ImportResult
from .fetch import FetchError, check_url, fetch
from .models import ImportSource
from .services import Held, import_ics, upcoming_keys

#: How long a run may hold its source before another worker may take it over.
LEASE = timedelta(minutes=10)
#: Longest wait between tries of a source that keeps failing.
MAX_BACKOFF = timedelta(hours=24)


class SourceError(ValueError):
    """A source that cannot be added as given (the message says why)."""


def add_source(
    url: str,
    *,
    organization: str | None = None,
    level: str | None = None,
    state: str | None = None,
    trusted: bool = False,
    pending: bool = False,
    **defaults,
) -> ImportSource:
    """Create a polled source (the caller commits)."""
    url = (url or "").strip()
    problem = check_url(url)
    if problem:
        raise SourceError(problem)
    if len(url) > 2000:
        raise SourceError(_("The address is longer than 2,000 characters."))
    existing = db.session.scalar(sa.select(ImportSource).where(ImportSource.url == url))
    if existing is not None:
        raise SourceError(_("This address is already source #%(id)d.", id=existing.id))
    source = ImportSource(
        kind="url",
        url=url,
        name=defaults.pop("name", None) or urlsplit(url).hostname,
        organization=organization or None,
        level=level or None,
        state=state or None,
        trusted=trusted,
        pending=pending,
        **{"active": True, **{k: v for k, v in defaults.items() if v not in (None, "")}},
    )
    db.session.add(source)
    db.session.flush()
    return source


def due_sources() -> list[int]:
    """Ids of the enabled, approved sources whose interval has passed and that are not
    backing off after failures."""
    now = now_utc()
    sources = db.session.scalars(
        sa.select(ImportSource)
        .where(
            ImportSource.kind == "url",
            ImportSource.active.is_(True),
            ImportSource.pending.is_(False),
            ImportSource.held_reason.is_(None),
            sa.or_(ImportSource.next_poll.is_(None), ImportSource.next_poll <= now),
        )
        .order_by(ImportSource.id)
    ).all()
    return [
        s.id
        for s in sources
        if s.last_polled is None or s.last_polled + timedelta(minutes=s.poll_minutes) <= now
    ]


def claim(source_id: int) -> str | None:
    """Take the source for one run (commits); None when another run holds it."""
    now = now_utc()
    token = secrets.token_hex(16)
    free = (
        sa.select(ImportSource.id)
        .where(
            ImportSource.id == source_id,
            sa.or_(ImportSource.lease_until.is_(None), ImportSource.lease_until < now),
        )
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        free = free.with_for_update(skip_locked=True)
    claimed = db.session.execute(
        sa.update(ImportSource)
        .where(ImportSource.id.in_(free.scalar_subquery()))
        .values(lease_token=token, lease_until=now + LEASE)
        .returning(ImportSource.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    return token if claimed is not None else None


@dataclass
class Run:
    source_id: int
    outcome: str  # unchanged (304), applied, held, failed, busy
    result: ImportResult = field(default_factory=ImportResult)
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in ("unchanged", "applied", "busy")

    def line(self) -> str:
        """Written when called: in the request's language on a page, English on the command
        line."""
        if self.outcome == "applied":
            return _("source #%(id)d: %(what)s", id=self.source_id, what=self.result.summary())
        what = _(OUTCOMES.get(self.outcome, self.outcome))
        if self.message:
            what = _("%(outcome)s — %(message)s", outcome=what, message=self.message)
        return _("source #%(id)d: %(what)s", id=self.source_id, what=what)


#: How a run's outcome is named in its line.
OUTCOMES = {
    "unchanged": N_("unchanged"),
    "applied": N_("applied"),
    "held": N_("held"),
    "failed": N_("failed"),
    "busy": N_("busy"),
}


def run_source(source_id: int, *, confirm: bool = False, force: bool = False) -> Run:
    """One run of a source: commits its own transactions. ``confirm`` applies a run held
    for cancelling too much; ``force`` ignores the conditional-GET validators."""
    token = claim(source_id)
    if token is None:
        return Run(source_id, "busy", message=_l("another run of this source is in progress"))
    try:
        return _run(source_id, confirm=confirm, force=force)
    finally:
        db.session.rollback()
        db.session.execute(
            sa.update(ImportSource)
            .where(ImportSource.id == source_id, ImportSource.lease_token == token)
            .values(lease_token=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


def _run(source_id: int, *, confirm: bool, force: bool) -> Run:
    source = db.session.get(ImportSource, source_id)
    config = current_app.config
    try:
        fetched = fetch(
            source.url,
            etag=None if force else source.etag,
            last_modified=None if force else source.last_modified,
            max_bytes=int(config.get("HTPM_IMPORT_MAX_BYTES") or 10 * 1024 * 1024),
            timeout=float(config.get("HTPM_IMPORT_TIMEOUT", 20)),
            allow_private=str(config.get("HTPM_IMPORT_ALLOW_PRIVATE", "0")) == "1",
        )
    except FetchError as exc:
        return failed(source_id, exc.args[0], exc.status)
    if fetched.not_modified:
        source.last_polled = source.last_success = now_utc()
        source.last_status, source.last_error, source.failures = 304, None, 0
        source.next_poll = None
        source.last_counts = {"unchanged": len(upcoming_keys(source)), "not_modified": 1}
        db.session.commit()
        return Run(source_id, "unchanged", message=_l("not modified (304)"))
    body = fetched.body or b""
    digest = hashlib.sha256(body).hexdigest()
    if digest == source.content_hash and not force:
        source.last_polled = source.last_success = now_utc()
        source.last_status, source.last_error, source.failures = 200, None, 0
        source.etag, source.last_modified, source.next_poll = fetched.etag, None, None
        source.last_counts = {"unchanged": len(upcoming_keys(source)), "same_content": 1}
        db.session.commit()
        return Run(source_id, "unchanged", message=_l("same content as the last run"))
    from .ics import looks_like_ics

    if not looks_like_ics(body[:4096]):
        if b"<html" in body[:4096].lower():
            message = _l("The address answered with a web page, not an iCalendar file.")
        else:
            message = _l("The address answered with something that is not an iCalendar file.")
        return failed(source_id, message, 200)
    try:
        result = import_ics(
            body, source, sync=True, confirm=confirm, actor=f"imports run #{source_id}"
        )
    except ImportFailed as exc:
        errors = exc.result.errors
        if len(errors) == 1 and errors[0].code == "no-event" and upcoming_keys(source):
            return held(source_id, _l("The calendar now lists no event at all."), 200)
        return failed(source_id, LazyString(describe_errors, errors), 200)
    except Held as exc:
        return held(source_id, exc.args[0], 200)
    source.etag, source.last_modified = fetched.etag, fetched.last_modified
    source.content_hash = digest
    source.last_status, source.failures, source.next_poll = 200, 0, None
    source.last_counts = result.counts()
    db.session.commit()
    return Run(source_id, "applied", result)


#: The messages a run keeps on its source (in English, see :func:`failed`) that name a host,
#: an address or a count: :func:`shown` writes them again in the page's language. (A fixed
#: sentence is simply looked up; an import's own errors stay as they were kept.)
KEPT = (
    N_("The host %(host)s could not be found (%(error)s)."),
    N_("The host %(host)s could not be found."),
    N_("Refused: %(host)s resolves to %(address)s, a private or local address."),
    N_("Redirect loop at %(url)s."),
    N_("HTTP %(status)d without a Location."),
    N_("The server answered HTTP %(status)d %(reason)s."),
    N_("The calendar is %(size)s bytes, more than the %(limit)s allowed (HTPM_IMPORT_MAX_BYTES)."),
    N_("The calendar is more than the %(limit)s bytes allowed (HTPM_IMPORT_MAX_BYTES)."),
    N_("The server took longer than %(seconds)s s."),
    N_("The server did not answer within %(seconds)s s."),
    N_("The server could not be reached: %(error)s."),
    N_("More than %(num)d redirects."),
    N_("%(problem)s (%(url)s)"),
)
#: A run held for cancelling too much (services.import_ics), and its message.
HELD = re.compile(
    r"This run would cancel (?P<num>\d+) of the source's (?P<upcoming>\d+) upcoming events\."
)
HELD_MESSAGE = ("This run would cancel %(num)d of the source's %(upcoming)d upcoming events.",) * 2
PLACEHOLDER = re.compile(r"%\\\((\w+)\\\)([sd])")


@lru_cache(maxsize=1)
def kept_patterns() -> list[tuple[str, re.Pattern]]:
    def group(m: re.Match) -> str:
        return f"(?P<{m.group(1)}>\\d+)" if m.group(2) == "d" else f"(?P<{m.group(1)}>.+?)"

    return [(text, re.compile(PLACEHOLDER.sub(group, re.escape(text)))) for text in KEPT]


def shown(text: str | None) -> str | None:
    """A message kept on a source (its last error, why its run is held), in the page's
    language when it is one the hub writes; as it was kept otherwise."""
    if not text or current_locale() == "en":
        return text
    translated = stored_text(text)
    if translated != text:
        return translated
    held = HELD.fullmatch(text)
    if held:
        return ngettext(*HELD_MESSAGE, int(held["num"]), upcoming=int(held["upcoming"]))
    for template, pattern in kept_patterns():
        found = pattern.fullmatch(text)
        if not found:
            continue
        values = found.groupdict()
        if "problem" in values:
            problem = stored_text(values["problem"])
            if problem == values["problem"]:
                continue  # not a sentence of the hub's
            values["problem"] = problem
        for name, value in values.items():
            if value.isdigit():
                values[name] = int(value)
        return _(template, **values)
    return text


def describe_errors(errors) -> str:
    """A failed import's first errors, in the language of the moment it is shown."""
    shown = "; ".join(str(e) for e in errors[:5])
    if len(errors) > 5:
        shown = _("%(errors)s (and %(more)d more)", errors=shown, more=len(errors) - 5)
    return ngettext(
        "%(num)d error, nothing applied: %(errors)s",
        "%(num)d errors, nothing applied: %(errors)s",
        len(errors),
        errors=shown,
    )


def failed(source_id: int, message: str, status: int | None) -> Run:
    """Record a failed run on the source (nothing of it was applied) and back off."""
    db.session.rollback()
    source = db.session.get(ImportSource, source_id)
    source.last_polled = now_utc()
    source.last_status = status
    source.last_error = in_english(message)
    source.failures = (source.failures or 0) + 1
    wait = timedelta(minutes=source.poll_minutes) * (2 ** min(source.failures - 1, 10))
    source.next_poll = now_utc() + min(wait, MAX_BACKOFF)
    db.session.commit()
    return Run(source_id, "failed", message=message)


def held(source_id: int, reason: str, status: int | None) -> Run:
    """A run that needs a moderator's confirmation: nothing applied, the source waits."""
    db.session.rollback()
    source = db.session.get(ImportSource, source_id)
    source.last_polled = now_utc()
    source.last_status = status
    source.held_reason = in_english(reason)
    db.session.commit()
    return Run(source_id, "held", message=reason)
