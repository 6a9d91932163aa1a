"""`flask links check` against a loopback web server: HEAD then GET, redirects followed, a link
failing twice in a row flagged on the queue and its organizer told once; loopback addresses
are never fetched unless HTPM_IMPORT_ALLOW_PRIVATE=1."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from htpm_events.extensions import db
from htpm_events.registration.linkcheck import check_links
from htpm_events.registration.models import LinkCheck

from .conftest import admin_client_for, soon


class Site(BaseHTTPRequestHandler):
    hits: list[tuple[str, str]] = []

    def answer(self, with_body: bool):
        Site.hits.append((self.command, self.path))
        if self.path == "/ok":
            code = 200
        elif self.path == "/no-head":
            code = 405 if self.command == "HEAD" else 200
        elif self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        else:
            code = 404
        body = b"<html>page</html>"
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_HEAD(self):  # noqa: N802
        self.answer(False)

    def do_GET(self):  # noqa: N802
        self.answer(True)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    Site.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def linked(make_event, url: str, title: str):
    return make_event(title=title, registration_url=url, start_date=soon(), end_date=soon())


def test_a_link_failing_twice_is_flagged_and_its_organizer_told_once(
    mail_app, make_event, make_user, site, mailbox
):
    mail_app.config["HTPM_IMPORT_ALLOW_PRIVATE"] = "1"
    good = linked(make_event, f"{site}/ok", "Good link")
    no_head = linked(make_event, f"{site}/no-head", "No HEAD")
    moved = linked(make_event, f"{site}/moved", "Moved")
    gone = linked(make_event, f"{site}/gone", "Gone link")

    first = check_links()
    assert first == {"checked": 4, "ok": 3, "failing": 1, "flagged": 0}
    assert ("GET", "/no-head") in Site.hits  # HEAD refused: asked again with GET
    assert ("HEAD", "/moved") in Site.hits and ("HEAD", "/ok") in Site.hits  # followed
    assert ("GET", "/ok") not in Site.hits  # HEAD was enough
    assert mailbox.to("dana@example.org") == []  # once may be a hiccup

    second = check_links()
    assert second["flagged"] == 1
    [told] = mailbox.to("dana@example.org")
    assert told["Subject"] == "Your registration link does not work: Gone link"
    text = told.get_body(("plain",)).get_content()
    assert f"{site}/gone" in text and "HTTP 404" in text and "/manage/" in text

    check_links()
    assert len(mailbox.to("dana@example.org")) == 1  # told once

    admin = admin_client_for(mail_app, make_user)
    page = admin.get("/moderate").get_data(as_text=True)
    section = page.split('class="broken-links"')[1].split("</section>")[0]
    assert "Gone link" in section and "HTTP 404" in section
    for event in (good, no_head, moved):
        assert event.title not in section

    # Fixed at the source: the flag goes.
    gone.registration_url = f"{site}/ok"
    db.session.commit()
    check_links()
    assert "broken-links" not in admin.get("/moderate").get_data(as_text=True)


def test_loopback_and_private_addresses_are_never_fetched_by_default(app, make_event, site):
    event = linked(make_event, f"{site}/ok", "Internal")
    found = check_links()
    assert found["failing"] == 1
    assert Site.hits == []
    record = db.session.get(LinkCheck, event.id)
    assert "private or local address" in record.error


def test_the_command_reports_what_it_checked(app, runner, make_event, site):
    app.config["HTPM_IMPORT_ALLOW_PRIVATE"] = "1"
    linked(make_event, f"{site}/ok", "Good link")
    result = runner.invoke(args=["links", "check"])
    assert result.exit_code == 0, result.output
    assert "1 link(s) checked: 1 answer, 0 failing, 0 flagged" in result.output
