"""The zero-copy path under a real server: gunicorn hands the cached file to sendfile
(``wsgi.file_wrapper``); the bytes, their length and the validators must be exactly the
ones the app builds, plain and gzip, with sync workers and with threads."""

from __future__ import annotations

import gzip
import os
import signal
from http.client import HTTPConnection

import pytest

from htpm_events.extensions import db

from ..processes import start_gunicorn


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


@pytest.mark.parametrize("threads", [1, 4])
def test_gunicorn_sends_the_cached_file_exactly(
    january_event, client, database_url, tmp_path, threads
):
    for n in range(30):
        january_event(title=f"Event {n}", day=1 + n % 28, description="Details. " * 150)
    expected = client.get("/feeds/events.ics")
    db.session.remove()
    process, port = start_gunicorn(
        database_url, tmp_path / "instance-gunicorn", "-w", "2", "--threads", str(threads)
    )
    try:
        for _ in range(3):  # built once, then sent from the file by either worker
            status, body, headers = get(port, "/feeds/events.ics")
            assert status == 200 and body == expected.data
            assert int(headers["Content-Length"]) == len(body)
            assert headers["ETag"] == expected.headers["ETag"]
            assert "Cookie" not in headers.get("Vary", "")
        status, packed, headers = get(port, "/feeds/events.ics", {"Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        assert int(headers["Content-Length"]) == len(packed)
        assert gzip.decompress(packed) == expected.data
        status, body, _ = get(
            port, "/feeds/events.ics", {"Accept-Encoding": "gzip", "If-None-Match": headers["ETag"]}
        )
        assert status == 304 and body == b""
        files = list((tmp_path / "instance-gunicorn" / "feed-cache").glob("htpm-*/*.body"))
        assert len(files) == 1 and files[0].read_bytes() == expected.data
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
