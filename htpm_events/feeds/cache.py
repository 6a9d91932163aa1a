"""Built feeds: the database says which version is current, each host keeps the bodies as
files and sends them with the server's zero-copy path.

The truth stays in the database: the data version (advanced by every public change, see
:func:`htpm_events.events.services.bump_data_version`) is read on every request with one
small query, and a body is only served if it was built at that version. The bodies are
files in a per-host folder (``HTPM_FEED_CACHE_DIR``, default ``instance/feed-cache/``, one
sub-folder per database, SPEC §9), written once per version through a temporary file and
``os.replace`` (a reader never sees half a file), so that a warm request opens a file and
hands it to ``wsgi.file_wrapper`` (gunicorn sends it with ``sendfile``). Next to each body
a small JSON file holds its validators.

A body is built deterministically from the data of its version, so two hosts build the same
bytes and the same strong ETag (a SHA-256 of the bytes); the database keeps only those
validators per feed (``feed_cache``), so that a host that never built a feed still answers a
304 without building it, and each event's serialized VEVENT (``feed_pieces``, see
:mod:`htpm_events.feeds.pieces`), so that a rebuild re-serializes the changed events only.
A deleted folder is rebuilt on the next request.

The gzip body is compressed from the plain file once per version, on the first request that
accepts it, with its own ETag (a SHA-256 of the compressed bytes).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import tempfile
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from ..events.models import DataVersion
from ..extensions import db
from ..timeutil import now_utc
from .models import FeedCache

log = logging.getLogger(__name__)

#: Rows and files not rebuilt for this long are deleted by the ``feeds.clean`` job.
KEEP = timedelta(days=2)
#: zlib's default: 17.8 MB of feed become about 2 MB in a quarter of a second.
GZIP_LEVEL = 6
CHUNK = 1024 * 1024
#: Validators a worker remembers (tiny: a few strings per feed).
MEMORY_ENTRIES = 4096


@dataclass(frozen=True)
class Version:
    number: int
    changed: datetime | None

    @property
    def label(self) -> str:
        """Number and time of the change, so that a database recreated from scratch (its
        counter starting again) never meets files of its predecessor."""
        stamp = int(self.changed.timestamp() * 1_000_000) if self.changed else 0
        return f"{self.number}-{stamp}"


@dataclass(frozen=True)
class Entry:
    etag: str
    last_modified: datetime
    #: The gzip body's ETag, once some host has compressed it.
    gzip_etag: str | None = None
    #: The plain body on this host; None when only the validators are known.
    path: Path | None = None


VERSION_QUERY = sa.select(DataVersion.version, DataVersion.changed).where(DataVersion.id == 1)


def current_version() -> Version:
    """The data version, read on every feed request (a Core query: a warm request does
    little else)."""
    row = db.session.connection().execute(VERSION_QUERY).first()
    return Version(row.version, row.changed) if row else Version(0, None)


def etag_for(body: bytes) -> str:
    """A strong ETag: the same bytes give the same tag on every worker and host."""
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def folder() -> Path:
    """This host's cache folder for this database."""
    config = current_app.config
    root = config.get("HTPM_FEED_CACHE_DIR") or Path(config["INSTANCE_PATH"]) / "feed-cache"
    digest = hashlib.sha256(config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:12]
    return Path(root) / f"htpm-{digest}"


def body_path(key: str, version: Version) -> Path:
    return folder() / f"{key}-{version.label}.body"


def gzip_path(entry_path: Path) -> Path:
    return entry_path.with_suffix(".gz")


def validators(key: str, version: Version) -> Entry | None:
    """ETag and Last-Modified of the body of ``key`` at ``version``, without reading or
    building the body: this worker's memory, else this host's file, else the database."""
    remembered = _memory.get((str(folder()), key), version)
    if remembered is not None:
        return remembered
    on_disk = _read_meta(body_path(key, version))
    if on_disk is not None:
        return on_disk
    row = db.session.execute(
        sa.select(FeedCache.etag, FeedCache.gzip_etag, FeedCache.last_modified).where(
            FeedCache.key == key, FeedCache.data_version == version.number
        )
    ).first()
    return Entry(row.etag, row.last_modified, row.gzip_etag) if row else None


def get_or_build(key: str, version: Version, build: Callable[[BinaryIO, str], datetime]) -> Entry:
    """The entry of ``key`` at ``version`` with its plain body on this host, built when
    missing. ``build(out, scratch)`` writes the body to ``out`` (``scratch``: a folder for
    temporary files) and returns its Last-Modified. Read the version *before* building: a
    body labelled with an older version than its data is only rebuilt once more, while the
    other way round would keep stale bytes."""
    memory_key = (str(folder()), key)
    remembered = _memory.get(memory_key, version)
    if remembered is not None and remembered.path is not None and remembered.path.exists():
        return remembered
    path = body_path(key, version)
    entry = _read_meta(path)
    if entry is None:
        with _locked(path):
            entry = _read_meta(path)  # another worker of this host built it meanwhile
            if entry is None:
                entry = _build(key, version, path, build)
    _memory.put(memory_key, version, entry)
    return entry


def with_gzip(key: str, version: Version, entry: Entry) -> tuple[Path, str]:
    """The gzip body of a built entry and its ETag, compressed now if this host has not."""
    assert entry.path is not None
    target = gzip_path(entry.path)
    meta = _read_json(target)
    if meta is None:
        with _locked(target):
            meta = _read_json(target)
            if meta is None:
                meta = {"etag": _compress(entry.path, target)}
                _record_gzip(key, version, meta["etag"])
    _memory.put((str(folder()), key), version, replace(entry, gzip_etag=meta["etag"]))
    return target, meta["etag"]


def _build(key: str, version: Version, path: Path, build) -> Entry:
    path.parent.mkdir(parents=True, exist_ok=True)
    with _atomic(path) as out:
        hashing = _Hashing(out)
        last_modified = build(hashing, str(path.parent)).replace(microsecond=0)
    etag = '"' + hashing.digest.hexdigest()[:40] + '"'
    entry = Entry(etag, last_modified, None, path)
    _write_json(path, {"etag": etag, "last_modified": last_modified.isoformat()})
    _drop_older(key, path)
    _record(key, version, entry)
    return entry


def _compress(source: Path, target: Path) -> str:
    """gzip ``source`` into ``target`` (no name, no time in the header: the same bytes on
    every host with the same zlib) and return the ETag of the compressed bytes."""
    digest = hashlib.sha256()
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    with source.open("rb") as plain, _atomic(target) as out:
        for chunk in iter(lambda: plain.read(CHUNK), b""):
            data = compressor.compress(chunk)
            digest.update(data)
            out.write(data)
        data = compressor.flush()
        digest.update(data)
        out.write(data)
    etag = '"' + digest.hexdigest()[:40] + '"'
    _write_json(target, {"etag": etag})
    return etag


def _record(key: str, version: Version, entry: Entry) -> None:
    """Upsert the validators. Safe when workers race: an older version never overwrites a
    newer one, and a lost insert race only means another worker recorded them first."""
    values = {
        "data_version": version.number,
        "etag": entry.etag,
        "gzip_etag": None,
        "last_modified": entry.last_modified,
        "built": now_utc(),
    }
    try:
        updated = db.session.execute(
            sa.update(FeedCache)
            .where(FeedCache.key == key, FeedCache.data_version < version.number)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        exists = updated or db.session.scalar(sa.select(FeedCache.key).where(FeedCache.key == key))
        if not exists:
            db.session.execute(sa.insert(FeedCache).values(key=key, **values))
        db.session.commit()
    except SQLAlchemyError as exc:  # another worker stored it first, or the database is busy
        db.session.rollback()
        log.info("feed validators not stored (%s); serving the body built", type(exc).__name__)


def _record_gzip(key: str, version: Version, etag: str) -> None:
    try:
        db.session.execute(
            sa.update(FeedCache)
            .where(FeedCache.key == key, FeedCache.data_version == version.number)
            .values(gzip_etag=etag)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.info("gzip validator not stored (%s)", type(exc).__name__)


def _drop_older(key: str, keep: Path) -> None:
    """Delete this feed's files of other versions (a request still sending one keeps its
    open file)."""
    for old in keep.parent.glob(f"{key}-*"):
        if not old.name.startswith(keep.stem + "."):
            old.unlink(missing_ok=True)


class _Hashing:
    """A writer that hashes what passes through it."""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.out.write(data)


@contextmanager
def _atomic(path: Path):
    """A temporary file in ``path``'s folder, moved over ``path`` once complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(path: Path):
    """One builder per file on this host (threads and worker processes alike)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{path.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_json(body: Path, meta: dict) -> None:
    with _atomic(body.with_name(body.name + ".json")) as out:
        out.write(json.dumps(meta).encode())


def _read_json(body: Path) -> dict | None:
    """The validators next to ``body``, if both files are there."""
    try:
        meta = json.loads(body.with_name(body.name + ".json").read_bytes())
    except (FileNotFoundError, ValueError):
        return None
    return meta if body.exists() else None


def _read_meta(path: Path) -> Entry | None:
    meta = _read_json(path)
    if meta is None:
        return None
    gzip = _read_json(gzip_path(path))
    return Entry(
        meta["etag"],
        datetime.fromisoformat(meta["last_modified"]),
        gzip["etag"] if gzip else None,
        path,
    )


def clean_files(older_than: timedelta = KEEP) -> int:
    """Delete this host's files (of every database) not written for ``older_than``."""
    root = folder().parent
    if not root.is_dir():
        return 0
    limit = (now_utc() - older_than).timestamp()
    deleted = 0
    for path in root.glob("htpm-*/*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                deleted += 1
        except FileNotFoundError:
            pass
    return deleted


class _Memory:
    """Validators and file paths this worker knows, keyed by (folder, cache key) and valid
    for one data version."""

    def __init__(self, limit: int):
        self.limit = limit
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
        with self.lock:
            self.items.pop(key, None)
            self.items[key] = (version, entry)
            while len(self.items) > self.limit:
                self.items.popitem(last=False)

    def forget(self, key: tuple) -> None:
        with self.lock:
            self.items.pop(key, None)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_memory = _Memory(MEMORY_ENTRIES)


def forget_memory() -> None:
    """Drop this worker's memory of built feeds (tests and benchmarks use it)."""
    _memory.clear()


def forget(key: str) -> None:
    _memory.forget((str(folder()), key))
