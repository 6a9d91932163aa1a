"""One-time form keys: a double-clicked or replayed POST of the submission, edit or cancel
form leads to the first POST's result and never does the work twice.

Every form page carries a fresh random key. The POST that goes through claims it (a row in
``form_replays``, unique by key) in the same transaction as its work. The same key posted
again finds the row and is shown the first result; two POSTs sent at the same moment both try
to claim it, and the database lets only one succeed (the other waits for it to commit, then
fails on the unique key and is shown the first one's result). Functions flush, never commit.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..timeutil import now_utc
from .models import FormReplay

#: Keys are kept this long; a form posted again later is a new form.
KEEP = timedelta(days=7)
#: What a key looks like (``secrets.token_urlsafe(24)``, with some slack).
KEY_PATTERN = r"^[A-Za-z0-9_-]{20,64}$"
#: Form fields that say nothing about what was submitted.
IGNORED = {"csrf_token", "replay_key", "flyer_previewed", "website", "preview", "flyer"}


def new_key() -> str:
    return secrets.token_urlsafe(24)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def fingerprint(form, upload_data: bytes | None = None) -> str:
    """A digest of what the form carries, so that a key reused with other content (a form
    changed after the browser's Back button) is not taken for a replay."""
    values = {f.name: f.data for f in form if f.name not in IGNORED}
    if upload_data is not None:
        values["flyer"] = hashlib.sha256(upload_data).hexdigest()
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def find(key: str) -> FormReplay | None:
    return db.session.get(FormReplay, key_hash(key), populate_existing=True)


def claim(form: str, key: str, digest: str) -> bool:
    """Claim ``key`` for this POST. False when another POST holds it: the caller must then
    roll back (nothing else was done yet) and show :func:`find`'s result.

    Call it before doing the work, so that a POST sent at the same moment waits here for
    the first one's transaction instead of doing its work too."""
    db.session.execute(sa.delete(FormReplay).where(FormReplay.created < now_utc() - KEEP))
    db.session.add(FormReplay(key_hash=key_hash(key), form=form, fingerprint=digest))
    try:
        db.session.flush()
    except IntegrityError:
        return False
    return True


def record(key: str, event_id: int, outcome: str | None = None) -> None:
    """Note what the claimed POST did, for a replay to show."""
    row = db.session.get(FormReplay, key_hash(key))
    row.event_id = event_id
    row.outcome = outcome
    db.session.flush()


def is_replay(row: FormReplay, form: str, digest: str, event_id: int | None = None) -> bool:
    """Whether ``row`` is this very form posted again (same form, event and content)."""
    return (
        row.form == form
        and row.fingerprint == digest
        and row.event_id is not None
        and (event_id is None or row.event_id == event_id)
    )
