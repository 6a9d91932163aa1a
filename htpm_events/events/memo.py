"""Counts that cost a scan of every matching event (the API's ``total``, the month grid's
per-day counts), remembered per worker under the ``data_version`` counter that every public
change advances: a change anywhere is seen by the next request, and a repeated question
costs one primary-key read. Bounded (a few hundred small entries), so memory stays flat."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from ..extensions import db
from .services import data_version

T = TypeVar("T")
#: Entries kept per worker.
SIZE = 512

_entries: OrderedDict = OrderedDict()
_lock = threading.Lock()


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave for ``key`` at the current data version."""
    full = (str(db.engine.url), data_version(), key)
    with _lock:
        if full in _entries:
            _entries.move_to_end(full)
            return _entries[full]
    value = compute()
    with _lock:
        _entries[full] = value
        while len(_entries) > SIZE:
            _entries.popitem(last=False)
    return value


def forget() -> None:
    with _lock:
        _entries.clear()
