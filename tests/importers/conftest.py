"""A loopback HTTP server that plays a calendar publisher: ETag and 304, redirects, slow and
huge answers, web pages instead of calendars."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/calendar; charset=utf-8"
    #: Answer 304 to a matching If-None-Match (False: a server that ignores conditional GET).
    etag: bool = True
    location: str | None = None
    #: Seconds to wait between chunks of the body.
    slow: float = 0.0
    #: Stream this many bytes of filler, without Content-Length.
    huge: int = 0


@dataclass
class Publisher:
    """What the loopback server serves (``routes``) and what it was asked (``requests``)."""

    base: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def serve(self, path: str, body: bytes | str = b"", **options) -> str:
        if isinstance(body, str):
            body = body.encode()
        self.routes[path] = Route(body=body, **options)
        return self.url(path)


def make_handler(publisher: Publisher):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802 (http.server's name)
            publisher.requests.append({"path": self.path, **dict(self.headers.items())})
            route = publisher.routes.get(self.path)
            if route is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if route.location is not None:
                self.send_response(route.status if route.status != 200 else 302)
                self.send_header("Location", route.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            tag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            if route.etag and self.headers.get("If-None-Match") == tag:
                self.send_response(304)
                self.send_header("ETag", tag)
                self.end_headers()
                return
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            if route.etag:
                self.send_header("ETag", tag)
            if route.huge:
                self.end_headers()
                chunk = b"X" * 65536
                sent = 0
                try:
                    while sent < route.huge:
                        self.wfile.write(chunk)
                        sent += len(chunk)
                except OSError:
                    pass
                return
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            if route.slow:
                try:
                    for i in range(0, len(route.body), 16):
                        self.wfile.write(route.body[i : i + 16])
                        self.wfile.flush()
                        time.sleep(route.slow)
                except OSError:
                    pass
                return
            self.wfile.write(route.body)

    return Handler


@pytest.fixture
def publisher():
    pub = Publisher()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(pub))
    server.daemon_threads = True
    pub.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield pub
    server.shutdown()
    server.server_close()


@pytest.fixture
def app(make_app):
    """Sources on the loopback publisher are allowed here (HTPM_IMPORT_ALLOW_PRIVATE=1)."""
    from htpm_events.extensions import db

    app = make_app(HTPM_IMPORT_ALLOW_PRIVATE="1", HTPM_IMPORT_TIMEOUT=2)
    with app.app_context():
        yield app
        db.session.rollback()


def vevent(uid: str, summary: str, start: str, end: str, extra: str = "") -> str:
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:{summary}\r\n"
        f"DTSTART;TZID=America/Chicago:{start}\r\nDTEND;TZID=America/Chicago:{end}\r\n"
        f"{extra}END:VEVENT\r\n"
    )


def calendar(*events: str, name: str = "State Task Force") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n"
        f"X-WR-CALNAME:{name}\r\n" + "".join(events) + "END:VCALENDAR\r\n"
    )
