"""Public pages and API answers kept per worker for anonymous visitors.

The agenda, the month grid, the widget, the home page and the JSON list are the same for
every visitor who has no session (no login, no flashed message: no session cookie) and asks
in the same language. Such an answer is kept in the worker's memory, keyed by the host, the
path and query, the language, the ``data_version`` counter that every public change
advances (one primary-key read, as the feeds do) and the current minute: a change made by
anyone is seen by the next request on every worker, and what depends on the clock ("today",
an event that has just ended) is at most ``HTPM_PAGE_CACHE_SECONDS`` old. Bounded by bytes
(``BUDGET``), least recently used first out, so a worker's memory stays flat however many
filter combinations are asked for. ``HTPM_PAGE_CACHE_SECONDS=0`` turns it off.

A visitor with a session cookie or a remember-me cookie (a moderator, someone who has just
submitted) always gets a freshly built page; so does every request that is not a GET."""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Flask, Response, current_app, g, request, session

from .events.services import data_version
from .extensions import db
from .i18n import COOKIE as LANGUAGE_COOKIE
from .i18n import current_locale
from .timeutil import now_utc

#: Endpoints whose GET answer depends only on the data, the language and the clock.
ENDPOINTS = frozenset(
    {"calendar.home", "calendar.events", "calendar.month", "calendar.embed", "api.events"}
)
#: Bytes of answers kept per worker (an agenda page is about 100 KB).
BUDGET = 16 * 1024 * 1024
#: An answer larger than this is never kept (it would push out many others).
LARGEST = 2 * 1024 * 1024

_entries: OrderedDict[tuple, tuple[bytes, int, list[tuple[str, str]]]] = OrderedDict()
_size = 0
_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """After the language is chosen for the request (``i18n.init_app``'s before_request),
    and with :func:`keep` first among the ``after_request`` hooks: Flask runs them in
    reverse order, so it runs last and keeps the answer with every header they add."""
    app.before_request(serve_kept)
    app.after_request_funcs.setdefault(None, []).insert(0, keep)


def anonymous() -> bool:
    """No cookie but the language choice: no session, no login, no flashed message."""
    return all(name == LANGUAGE_COOKIE for name in request.cookies)


def key() -> tuple | None:
    seconds = int(current_app.config["HTPM_PAGE_CACHE_SECONDS"] or 0)
    if (
        seconds <= 0
        or request.method != "GET"
        or request.endpoint not in ENDPOINTS
        or not anonymous()
    ):
        return None
    minute = int(now_utc().timestamp()) // seconds
    return (
        str(db.engine.url),
        request.host_url,
        request.path,
        request.query_string,
        current_locale(),
        data_version(),
        minute,
    )


def serve_kept() -> Response | None:
    found_key = key()
    if found_key is None:
        return None
    with _lock:
        found = _entries.get(found_key)
        if found is not None:
            _entries.move_to_end(found_key)
    if found is None:
        g.page_key = found_key
        return None
    body, status, headers = found
    return Response(body, status=status, headers=headers)


def keep(response: Response) -> Response:
    global _size
    found_key = g.pop("page_key", None)
    if (
        found_key is None
        or response.status_code != 200
        or response.direct_passthrough
        or response.is_streamed
        or "Set-Cookie" in response.headers
        or session.modified
    ):
        return response
    body = response.get_data()
    if len(body) > LARGEST:
        return response
    headers = [(name, value) for name, value in response.headers if name != "Content-Length"]
    with _lock:
        if found_key not in _entries:
            _entries[found_key] = (body, 200, headers)
            _size += len(body)
            while _size > BUDGET and _entries:
                _, (old, _status, _headers) = _entries.popitem(last=False)
                _size -= len(old)
    return response


def forget() -> None:
    global _size
    with _lock:
        _entries.clear()
        _size = 0
