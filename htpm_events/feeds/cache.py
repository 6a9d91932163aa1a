"""Serialized feeds kept in the database, valid while the data version is unchanged.

Both the data version (advanced by every public change, see
:func:`htpm_events.events.services.bump_data_version`) and the bytes live in the database,
so every gunicorn worker and every host sees a change at once and serves the same ETag.
A worker also keeps the bodies it served last in memory, but only ever serves them after
checking the database's version, so that copy is never the truth, just a shortcut past
reading a large body again.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from ..events.models import DataVersion
from ..extensions import db
from ..timeutil import now_utc
from .models import FeedCache

log = logging.getLogger(__name__)

#: Rows not rebuilt for this long are deleted by the ``feeds.clean`` job.
KEEP = timedelta(days=2)
#: Bodies a worker keeps in memory (each checked against the database's version).
MEMORY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Version:
    number: int
    changed: datetime | None


@dataclass(frozen=True)
class Entry:
    etag: str
    last_modified: datetime
    #: None when only the validators were read (enough for a 304).
    body: bytes | None = None


VERSION_QUERY = sa.select(DataVersion.version, DataVersion.changed).where(DataVersion.id == 1)


def current_version() -> Version:
    """The data version, read on every feed request (a Core query: a warm request does
    little else)."""
    row = db.session.connection().execute(VERSION_QUERY).first()
    return Version(row.version, row.changed) if row else Version(0, None)


def etag_for(body: bytes) -> str:
    """A strong ETag: the same bytes give the same tag on every worker and host."""
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def validators(key: str, version: Version) -> Entry | None:
    """ETag and Last-Modified of a body cached at ``version``, without reading the body."""
    remembered = _memory.get((str(db.engine.url), key), version)
    if remembered is not None:
        return remembered
    row = db.session.execute(
        sa.select(FeedCache.etag, FeedCache.last_modified).where(
            FeedCache.key == key, FeedCache.data_version == version.number
        )
    ).first()
    return Entry(row.etag, row.last_modified) if row else None


def get_or_build(key: str, version: Version, build: Callable[[], tuple[bytes, datetime]]) -> Entry:
    """The body cached for ``key`` at ``version``; built and stored when missing or stale.

    ``build`` returns the body and its Last-Modified. Read the version *before* building:
    a body labelled with an older version than its data is only rebuilt once more, while
    the other way round would keep stale bytes."""
    memory_key = (str(db.engine.url), key)
    remembered = _memory.get(memory_key, version)
    if remembered is not None:
        return remembered
    row = db.session.execute(
        sa.select(FeedCache.etag, FeedCache.last_modified, FeedCache.body).where(
            FeedCache.key == key, FeedCache.data_version == version.number
        )
    ).first()
    if row is not None:
        entry = Entry(row.etag, row.last_modified, bytes(row.body))
    else:
        body, last_modified = build()
        entry = store(key, version, body, last_modified)
    _memory.put(memory_key, version, entry)
    return entry


def store(key: str, version: Version, body: bytes, last_modified: datetime) -> Entry:
    """Upsert a built body. Safe when workers race: an older version never overwrites a
    newer one, and a lost insert race just serves what was built."""
    entry = Entry(etag_for(body), last_modified.replace(microsecond=0), body)
    values = {
        "data_version": version.number,
        "body": body,
        "etag": entry.etag,
        "last_modified": entry.last_modified,
        "built": now_utc(),
    }
    try:
        updated = db.session.execute(
            sa.update(FeedCache)
            .where(FeedCache.key == key, FeedCache.data_version <= version.number)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        exists = updated or db.session.scalar(
            sa.select(FeedCache.key).where(FeedCache.key == key)
        )  # (not Session.get: that would read the old body)
        if not exists:
            db.session.execute(sa.insert(FeedCache).values(key=key, **values))
        db.session.commit()
    except SQLAlchemyError as exc:  # another worker stored it first, or the database is busy
        db.session.rollback()
        log.info("feed cache not stored (%s); serving the body built", type(exc).__name__)
    return entry


class _Memory:
    """A small per-worker LRU of bodies, keyed by (database, cache key) and valid for one
    data version (its number and the time it was set, so that two databases never mix)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self.items: OrderedDict[tuple, tuple[Version, Entry]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, version: Version) -> Entry | None:
        with self.lock:
            found = self.items.get(key)
            if found is None or found[0] != version:
                return None
            self.items.move_to_end(key)
            return found[1]

    def put(self, key: tuple, version: Version, entry: Entry) -> None:
        size = len(entry.body or b"")
        if size > self.limit // 4:
            return
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.size -= len(old[1].body or b"")
            self.items[key] = (version, entry)
            self.size += size
            while self.size > self.limit and self.items:
                _, (_, dropped) = self.items.popitem(last=False)
                self.size -= len(dropped.body or b"")

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.size = 0


_memory = _Memory(MEMORY_BYTES)


def forget_memory() -> None:
    """Drop this worker's in-memory copies (tests and benchmarks use it)."""
    _memory.clear()
