"""The moderators' sources page and upload (dry run, then apply), and the public
“Submit many events” page."""

from __future__ import annotations

import csv
import io
import re
from importlib.resources import files

import pytest
import sqlalchemy as sa
from markupsafe import escape

from htpm_events.events.models import Event
from htpm_events.extensions import db
from htpm_events.importers.models import ImportSource
from htpm_events.importers.sources import due_sources
from htpm_events.outbox.models import OutboxMessage

from ..moderation.conftest import log_in
from .test_sources import FOUR, feed


@pytest.fixture
def mod_client(app, make_user):
    user = make_user("mod@example.org")
    client = app.test_client()
    log_in(client, user.email)
    return client


def sample_rows(n: int = 2) -> str:
    """The first ``n`` rows of the real HTPM 2026 sample CSV."""
    text = (files("htpm_events") / "data" / "htpm-2026-sample.csv").read_text(encoding="utf-8")
    lines = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out).writerows(lines[: n + 1])
    return out.getvalue()


def count(model=Event) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def upload(client, data: bytes, name: str = "events.csv", **fields):
    return closed(
        client.post(
            "/moderate/imports",
            data={"file": (io.BytesIO(data), name), **fields},
            content_type="multipart/form-data",
        )
    )


def closed(response):
    """Werkzeug's test client spools a large request body to a temporary file that it never
    closes: close it here, not in the garbage collector during a later test."""
    stream = response.request.environ.get("wsgi.input")
    if stream is not None:
        stream.close()
    return response


def test_moderator_adds_a_source_runs_it_and_sees_what_happened(mod_client, publisher):
    url = publisher.serve("/cal.ics", feed(*FOUR))
    response = mod_client.post(
        "/moderate/sources",
        data={"url": url, "organization": "Texas Task Force", "level": "state",
              "state": "TX", "event_type": "webinar", "poll_minutes": "60", "active": "y"},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    source = db.session.scalar(sa.select(ImportSource))
    assert source.id in due_sources()
    mod_client.post(f"/moderate/sources/{source.id}/run")
    page = mod_client.get("/moderate/sources").get_data(as_text=True)
    assert "4 created, 0 updated, 0 cancelled, 0 unchanged" in page
    assert "HTTP 200" in page
    assert {e.event_type for e in db.session.scalars(sa.select(Event))} == {"webinar"}

    publisher.serve("/cal.ics", feed(FOUR[0]))
    mod_client.post(f"/moderate/sources/{source.id}/run")
    page = mod_client.get("/moderate/sources").get_data(as_text=True)
    assert "Held:" in page and "3 of the source" in page and "Confirm and apply" in page
    mod_client.post(f"/moderate/sources/{source.id}/run", data={"confirm": "1"})
    statuses = sorted(e.status for e in db.session.scalars(sa.select(Event)))
    assert statuses == ["cancelled"] * 3 + ["pending"]


def test_adding_a_bad_source_says_why_at_the_field(mod_client):
    response = mod_client.post(
        "/moderate/sources",
        data={"url": "file:///etc/passwd", "organization": "X", "poll_minutes": "60"},
    )
    assert response.status_code == 400
    assert "Only http:// and https://" in response.get_data(as_text=True)
    assert count(ImportSource) == 0


def test_upload_dry_run_then_apply(mod_client):
    response = upload(mod_client, sample_rows(2).encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "2 new, 0 changed, 0 cancelled, 0 unchanged, 0 errors" in page
    assert count() == 0 and count(ImportSource) == 0  # a dry run keeps nothing
    action = re.search(r'action="(/moderate/imports/[^"]+/apply)"', page).group(1)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    applied = mod_client.post(action, data={"token": token, "filename": "events.csv"})
    assert applied.status_code == 302
    assert count() == 2
    assert {e.status for e in db.session.scalars(sa.select(Event))} == {"pending"}

    again = upload(mod_client, sample_rows(2).encode())
    assert "0 new, 0 changed, 0 cancelled, 2 unchanged" in again.get_data(as_text=True)


def test_upload_of_an_ics_file_is_told_apart_by_content(mod_client):
    response = upload(mod_client, feed(*FOUR).encode(), name="calendar.txt", organization="O")
    page = response.get_data(as_text=True)
    assert "(iCalendar)" in page and "4 new" in page


@pytest.mark.parametrize(
    "data, message",
    [
        (sample_rows(2).replace("virtual", "sideways", 1).encode(), "line 2"),
        (b"title,colour\nx,blue\n", "Unknown column"),
        (sample_rows(1).replace("Information", "Informaci\u00f3n").encode("latin-1"),
         "not UTF-8"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\n", "truncated"),
    ],
)  # fmt: skip
def test_bad_upload_lists_its_errors_and_saves_nothing(mod_client, data, message):
    response = upload(mod_client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert "Apply: import these events" not in page
    if b"sideways" in data:
        assert "line 3" not in page  # one form checks every row: no error carried over
    assert count() == 0


def test_submit_links_to_the_batch_page_and_its_template(client):
    assert "/submit/batch" in client.get("/submit").get_data(as_text=True)
    page = client.get("/submit/batch").get_data(as_text=True)
    assert "Download the CSV template" in page and "<code>contact_email</code>" in page
    template = client.get("/submit/batch/template.csv")
    assert template.mimetype == "text/csv"
    header = template.get_data(as_text=True).splitlines()[0].split(",")
    assert header[:3] == ["title", "description", "organization"]


def test_a_batch_goes_to_the_queue_with_one_manage_link(client):
    rows = sample_rows(3).replace("cdss", "changed")
    response = client.post(
        "/submit/batch",
        data={"organization": "California DSS", "contact_name": "Ana",
              "contact_email": "ana@example.org",
              "file": (io.BytesIO(rows.encode()), "events.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "3 events received" in page
    link = re.search(r'class="manage-link"><a href="([^"]+)"', page).group(1)
    assert {e.status for e in db.session.scalars(sa.select(Event))} == {"pending"}
    mails = db.session.scalars(sa.select(OutboxMessage)).all()
    assert any("ana@example.org" in m.recipients for m in mails)

    listing = client.get(link.replace("http://localhost", ""))
    text = listing.get_data(as_text=True)
    assert listing.status_code == 200
    titles = [e.title for e in db.session.scalars(sa.select(Event))]
    assert all(str(escape(t)) in text for t in titles)
    event_link = re.search(r'href="(/manage/[^"/]+)"', text).group(1)
    assert client.get(event_link).status_code == 200
    assert client.get("/manage/batch/not-a-token").status_code == 404


def test_a_bad_batch_saves_nothing_and_names_the_lines(client):
    rows = sample_rows(2).replace("2026-01-13", "2026-13-45")
    response = client.post(
        "/submit/batch",
        data={"organization": "X", "contact_name": "Ana", "contact_email": "ana@example.org",
              "file": (io.BytesIO(rows.encode()), "events.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 400
    assert "line 2" in response.get_data(as_text=True)
    assert count() == 0 and count(ImportSource) == 0


def test_a_proposed_feed_becomes_a_pending_source(client, mod_client):
    response = client.post(
        "/submit/batch",
        data={"organization": "Ohio AG", "contact_name": "Bo", "contact_email": "bo@example.org",
              "feed_url": "https://ohio.example/events.ics"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "your calendar was proposed" in response.get_data(as_text=True)
    source = db.session.scalar(sa.select(ImportSource))
    assert source.pending and source.contact_email == "bo@example.org"
    assert due_sources() == []  # never polled before a moderator approves it
    page = mod_client.get("/moderate/sources").get_data(as_text=True)
    assert "proposed — not approved yet" in page
    approved = mod_client.post(
        f"/moderate/sources/{source.id}",
        data={"url": source.url, "organization": "Ohio AG", "poll_minutes": "60",
              "event_type": "other", "active": "y", "approve": "1"},
    )  # fmt: skip
    assert approved.status_code == 302, approved.get_data(as_text=True)
    db.session.expire_all()
    assert due_sources() == [source.id]


def test_moderator_pages_of_an_imported_series_answer(mod_client, runner, tmp_path):
    path = tmp_path / "series.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VEVENT\r\nUID:s\r\n"
        "SUMMARY:Monthly circle\r\nDTSTART;TZID=America/Chicago:20270105T180000\r\n"
        "RRULE:FREQ=MONTHLY;BYDAY=1TU\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert runner.invoke(args=["imports", "file", str(path), "--organization", "O"]).exit_code == 0
    event = db.session.scalar(sa.select(Event))
    assert mod_client.get(f"/moderate/events/{event.id}").status_code == 200
    assert mod_client.get(f"/moderate/events/{event.id}/edit").status_code == 200


def test_an_upload_may_be_as_large_as_the_import_limit(mod_client):
    # Larger than the 8 MB of a submission form, within HTPM_IMPORT_MAX_BYTES (10 MB).
    big = b"title,colour\n" + b"x,blue\n" * (9 * 1024 * 1024 // 7)
    response = upload(mod_client, big)
    assert response.status_code == 400
    assert "Unknown column" in response.get_data(as_text=True)


def test_an_upload_over_the_import_limit_is_refused_at_the_field(make_app, make_user):
    app = make_app(HTPM_IMPORT_MAX_BYTES=1024 * 1024)
    with app.app_context():
        user = make_user("m2@example.org")
        client = app.test_client()
        log_in(client, user.email)
        response = upload(client, b"title\n" + b"x\n" * (1024 * 1024))
        assert response.status_code == 400
        assert "larger than the 1,048,576 bytes allowed" in response.get_data(as_text=True)
        response = closed(
            client.post(
                "/submit/batch",
                data={"organization": "X", "contact_name": "A", "contact_email": "a@example.org",
                      "file": (io.BytesIO(b"title\n" + b"x\n" * (1024 * 1024)), "e.csv")},
                content_type="multipart/form-data",
            )
        )  # fmt: skip
        assert response.status_code == 400
        assert "larger than the 1,048,576 bytes allowed" in response.get_data(as_text=True)


def test_approving_an_imported_event_without_a_contact_sends_no_mail(mod_client, runner, tmp_path):
    path = tmp_path / "one.ics"
    path.write_bytes(feed(FOUR[0]).encode())
    runner.invoke(args=["imports", "file", str(path), "--organization", "O"])
    event = db.session.scalar(sa.select(Event))
    assert event.contact_email == ""
    response = mod_client.post(
        f"/moderate/events/{event.id}/decision", data={"decision": "approve"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == "approved"
    assert not any(
        m.recipients.strip() in ("", "[]") for m in db.session.scalars(sa.select(OutboxMessage))
    )


SERIES = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VEVENT\r\nUID:circle\r\n"
    "SUMMARY:Survivor circle\r\nDTSTART;TZID=America/Chicago:20270105T180000\r\n"
    "DTEND;TZID=America/Chicago:20270105T190000\r\n"
    "RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=6\r\nEXDATE;TZID=America/Chicago:20270112T180000\r\n"
    "CONFERENCE;VALUE=URI:https://meet.example.org/circle\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def imported_series(runner, tmp_path) -> Event:
    path = tmp_path / "series.ics"
    path.write_text(SERIES)
    result = runner.invoke(
        args=["imports", "file", str(path), "--organization", "O", "--level", "community"]
    )
    assert result.exit_code == 0, result.output
    return db.session.scalar(sa.select(Event))


def dates(event: Event) -> list[str]:
    from htpm_events.events.occurrences import occurrences

    return [o.start.strftime("%a %b %d %H:%M") for o in occurrences(event)]


def test_a_moderator_edits_an_imported_series_and_keeps_its_source_dates(
    mod_client, runner, tmp_path
):
    from ..moderation.test_edit import posted

    event = imported_series(runner, tmp_path)
    before = dates(event)
    assert len(before) == 5  # Tue and Thu, six times, less the excluded Jan 12
    page = mod_client.get(f"/moderate/events/{event.id}/edit").get_data(as_text=True)
    assert re.search(r'<option selected value="custom">As its source calendar says', page)

    saved = mod_client.post(
        f"/moderate/events/{event.id}/edit",
        data=posted(event, title="Survivor circle (Spanish)", state=""),
    )

    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.title == "Survivor circle (Spanish)"
    assert event.recurrence == "custom" and "BYDAY=TU,TH" in event.rrule
    assert dates(event) == before


def test_a_moderator_may_replace_an_imported_series_rule(mod_client, runner, tmp_path):
    from ..moderation.test_edit import posted

    event = imported_series(runner, tmp_path)
    data = posted(event, recurrence="weekly", recurrence_count="3", state="")

    assert mod_client.post(f"/moderate/events/{event.id}/edit", data=data).status_code == 302

    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.recurrence == "weekly" and event.exdates is None
    assert dates(event) == ["Tue Jan 05 18:00", "Tue Jan 12 18:00", "Tue Jan 19 18:00"]


def test_the_custom_choice_is_offered_only_for_an_imported_series(mod_client, make_event):
    from ..moderation.test_edit import posted

    event = make_event(status="pending")
    page = mod_client.get(f"/moderate/events/{event.id}/edit").get_data(as_text=True)
    assert "As its source calendar says" not in page
    data = posted(event, recurrence="custom")
    assert mod_client.post(f"/moderate/events/{event.id}/edit", data=data).status_code == 400
