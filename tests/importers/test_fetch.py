"""Safe fetching: conditional GET, redirects (at most five, each hop checked), a deadline,
HTPM_IMPORT_MAX_BYTES while streaming, and server-side request forgery refused."""

from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa

from htpm_events.events.models import Event
from htpm_events.extensions import db
from htpm_events.importers import fetch as fetching
from htpm_events.importers.fetch import FetchError, fetch, is_public
from htpm_events.importers.models import ImportSource

from .conftest import calendar, vevent

ICS = calendar(vevent("a@x", "Awareness walk", "20270111T090000", "20270111T100000"))


@pytest.mark.parametrize(
    "address, public",
    [
        ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False),
        ("192.168.1.1", False), ("169.254.169.254", False), ("100.64.0.1", False),
        ("0.0.0.0", False), ("224.0.0.1", False), ("::1", False), ("fe80::1", False),
        ("fc00::1", False), ("ff02::1", False), ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False), ("2002:7f00:1::", False), ("8.8.8.8", True),
        ("2001:4860:4860::8888", True), ("::ffff:8.8.8.8", True),
    ],
)  # fmt: skip
def test_private_loopback_link_local_and_multicast_addresses_are_not_public(address, public):
    assert is_public(address) is public


def test_loopback_source_is_refused_without_allow_private(publisher):
    url = publisher.serve("/cal.ics", ICS)
    with pytest.raises(FetchError, match="private or local address"):
        fetch(url, allow_private=False)
    assert publisher.requests == []  # refused before connecting


def test_every_redirect_hop_is_checked(publisher, monkeypatch):
    # 127.0.0.1 plays a public host; the redirect leads to 127.0.0.2, a "private" one.
    monkeypatch.setattr(fetching, "is_public", lambda address: address == "127.0.0.1")
    port = publisher.base.rsplit(":", 1)[1]
    url = publisher.serve("/hop", location=f"http://127.0.0.2:{port}/cal.ics")
    publisher.serve("/cal.ics", ICS)
    with pytest.raises(FetchError, match="127.0.0.2"):
        fetch(url, allow_private=False)
    assert [r["path"] for r in publisher.requests] == ["/hop"]


def test_the_checked_address_is_the_one_connected_to(publisher, monkeypatch):
    """The name is resolved once per hop; the connection goes to that address with the
    name in the Host header (a second DNS answer is never asked for)."""
    port = int(publisher.base.rsplit(":", 1)[1])
    answers = iter(["127.0.0.1", "10.9.9.9"])
    calls = []

    def fake_getaddrinfo(host, port_, *args, **kwargs):
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port_))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    publisher.serve("/cal.ics", ICS)
    fetched = fetch(f"http://calendar.test:{port}/cal.ics", allow_private=True)
    assert fetched.status == 200 and fetched.body.startswith(b"BEGIN:VCALENDAR")
    assert calls == ["calendar.test"]
    assert publisher.requests[0]["Host"] == f"calendar.test:{port}"


def test_conditional_get(publisher):
    url = publisher.serve("/cal.ics", ICS)
    first = fetch(url, allow_private=True)
    assert first.status == 200 and first.etag
    second = fetch(url, etag=first.etag, allow_private=True)
    assert second.not_modified and second.body is None


def test_redirects_are_followed_up_to_five(publisher):
    publisher.serve("/cal.ics", ICS)
    previous = "/cal.ics"
    for n in range(5):
        previous = publisher.serve(f"/r{n}", location=previous).replace(publisher.base, "")
    assert fetch(publisher.url("/r4"), allow_private=True).status == 200
    publisher.serve("/r5", location="/r4")
    with pytest.raises(FetchError, match="More than 5 redirects"):
        fetch(publisher.url("/r5"), allow_private=True)


def test_redirect_loop(publisher):
    publisher.serve("/a", location="/b")
    publisher.serve("/b", location="/a")
    with pytest.raises(FetchError, match="Redirect loop"):
        fetch(publisher.url("/a"), allow_private=True)


def test_huge_answer_is_cut_off_while_streaming(publisher):
    url = publisher.serve("/huge.ics", huge=50 * 1024 * 1024)
    with pytest.raises(FetchError, match="HTPM_IMPORT_MAX_BYTES"):
        fetch(url, max_bytes=1024 * 1024, allow_private=True)


def test_slow_server_hits_the_deadline(publisher):
    url = publisher.serve("/slow.ics", ICS, slow=0.2)
    with pytest.raises(FetchError, match="longer than|did not answer"):
        fetch(url, timeout=1.0, allow_private=True)


def test_a_server_that_never_answers(monkeypatch):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        port = listener.getsockname()[1]
        with pytest.raises(FetchError, match="did not answer"):
            fetch(f"http://127.0.0.1:{port}/cal.ics", timeout=0.5, allow_private=True)
    finally:
        listener.close()


@pytest.mark.parametrize(
    "route, message",
    [
        ({"body": "<!doctype html><html><body>Events</body></html>", "content_type": "text/html"},
         "web page"),
        ({"huge": 5 * 1024 * 1024}, "HTPM_IMPORT_MAX_BYTES"),
        ({"body": "Not found", "status": 404}, "HTTP 404"),
        ({"body": "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\n"}, "truncated"),
    ],
)  # fmt: skip
def test_bad_answers_are_recorded_on_the_source(make_app, publisher, route, message):
    app = make_app(HTPM_IMPORT_ALLOW_PRIVATE="1", HTPM_IMPORT_MAX_BYTES=1024 * 1024)
    with app.app_context():
        runner = app.test_cli_runner()
        url = publisher.serve("/cal.ics", **route)
        added = runner.invoke(args=["imports", "add", url, "--organization", "X"])
        source_id = int(added.output)
        result = runner.invoke(args=["imports", "run", "--source", str(source_id)])
        assert result.exit_code == 1 and message in result.output, result.output
        assert "Traceback" not in result.output
        source = db.session.get(ImportSource, source_id)
        assert message in source.last_error
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0
