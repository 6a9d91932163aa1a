"""An import's per-event work in worker processes: checking rows, mapping VEVENTs, the
description's plain text and the fingerprint (issue #11), while the importing process
writes what is ready.

That work depends on nothing but the event itself, and in one process it is most of an
import's time (checking a row by the event form and converting its Markdown to text are
pure Python). :func:`prepared` runs a module-level function over chunks of items and yields
its results in order: in this process for the first :data:`SERIAL_ITEMS` items (a small
file never pays for starting workers), then in ``HTPM_IMPORT_WORKERS`` worker processes
(default: one per core; ``0`` or ``1`` keeps everything in this process). The function is
the same either way, so the results are the same.

The workers are forked from this process when it runs no other thread (the command line:
they start in milliseconds with the app already loaded); a process with threads (a web
server, ``flask worker``) starts them through a fork server instead, since forking a
process whose other threads may hold locks is unsafe. A worker never touches the
database: it forgets the inherited connections first (``engine.dispose(close=False)``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context, has_request_context
from flask_babel import force_locale, get_locale

T = TypeVar("T")
R = TypeVar("R")

#: Items prepared in this process before workers are started.
SERIAL_ITEMS = 250
#: Items per chunk handed to a worker (a chunk's items and results are pickled).
CHUNK = 250


def chunked(items: Iterable[T], size: int | None = None) -> Iterator[list[T]]:
    size = size or CHUNK
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def worker_count(app: Flask) -> int:
    configured = app.config.get("HTPM_IMPORT_WORKERS")
    if configured in (None, ""):
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return int(configured)


def prepared(
    func: Callable[[list[T], Any], list[R]],
    chunks: Iterable[list[T]],
    context: Any = None,
) -> Iterator[list[R]]:
    """``func(chunk, context)`` for every chunk, in order: in this process until
    :data:`SERIAL_ITEMS` items are done, then in worker processes when there are more and
    ``HTPM_IMPORT_WORKERS`` allows. ``func`` must be a module-level function and its
    arguments and results picklable; it runs in an app context with this one's language.
    Without an app (a library call), everything runs in this process."""
    app = current_app._get_current_object() if has_app_context() else None
    locale = str(get_locale()) if has_request_context() else None
    chunks = iter(chunks)
    done = 0
    for chunk in chunks:
        yield _run(func, chunk, context, locale)
        done += len(chunk)
        if done >= SERIAL_ITEMS:
            break
    else:
        return
    workers = worker_count(app) if app is not None else 1
    if workers < 2:
        for chunk in chunks:
            yield _run(func, chunk, context, locale)
        return
    first = next(chunks, None)
    if first is None:
        return
    with _pool(app, workers) as pool:
        pending = deque([pool.submit(_run, func, first, context, locale)])
        for chunk in chunks:
            pending.append(pool.submit(_run, func, chunk, context, locale))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _run(func, chunk, context, locale):
    if locale is None:
        return func(chunk, context)
    with force_locale(locale):
        return func(chunk, context)


def _pool(app: Flask, workers: int) -> ProcessPoolExecutor:
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_forked,
            initargs=(app,),
        )
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["htpm_events", "htpm_events.importers.services"])
    settings = {
        key: app.config[key]
        for key in ("INSTANCE_PATH", "SECRET_KEY", "DATABASE_URL")
        if app.config.get(key) is not None
    }
    return ProcessPoolExecutor(
        workers, mp_context=context, initializer=_started, initargs=(settings,)
    )


def _yield_to_the_importer() -> None:
    """Workers run at a lower priority: the importing process, which writes what they
    check, then has a core whenever it has work (three processes share two cores)."""
    with contextlib.suppress(OSError):
        os.nice(10)


def _forked(app: Flask) -> None:
    """In a forked worker: the parent's app, without its database connections."""
    _yield_to_the_importer()
    with app.app_context():
        from ..extensions import db

        db.engine.dispose(close=False)
    app.app_context().push()


def _started(settings: dict) -> None:
    """In a worker started by the fork server: an app of its own with the same settings
    (its database is never used)."""
    from .. import create_app

    _yield_to_the_importer()
    create_app(settings).app_context().push()
