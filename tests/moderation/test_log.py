"""The audit log: the whole story, filterable, exportable, never editable."""

import csv
import io

from htpm_events.extensions import db
from htpm_events.moderation.models import AuditEntry


def story(mod_client, make_event):
    """Three decisions and an edit."""
    a = make_event(status="pending", title="Approved Event")
    b = make_event(status="pending", title='=HYPERLINK("x")')
    c = make_event(status="pending", title="Needs Work")
    mod_client.post(f"/moderate/events/{a.id}/decision", data={"decision": "approve"})
    mod_client.post(
        f"/moderate/events/{b.id}/decision", data={"decision": "reject", "reason": "Spam."}
    )
    mod_client.post(
        f"/moderate/events/{c.id}/decision",
        data={"decision": "request-changes", "reason": "Add a time."},
    )
    return a, b, c


def test_the_log_tells_who_did_what_and_why(mod_client, make_event):
    a, b, c = story(mod_client, make_event)

    page = mod_client.get("/moderate/log").get_data(as_text=True)

    assert "3 entries." in page
    for text in ("mod@example.org", "approve", "reject", "Spam.", "request-changes", "Add a time."):
        assert text in page


def test_the_log_filters_by_action_event_actor_and_date(mod_client, make_event):
    a, b, c = story(mod_client, make_event)

    by_action = mod_client.get("/moderate/log?action=reject").get_data(as_text=True)
    by_event = mod_client.get(f"/moderate/log?event={c.id}").get_data(as_text=True)
    by_actor = mod_client.get("/moderate/log?actor=someone@else.org").get_data(as_text=True)
    future = mod_client.get("/moderate/log?from=2999-01-01").get_data(as_text=True)

    assert "1 entry." in by_action and "Spam." in by_action
    assert "1 entry." in by_event and "Add a time." in by_event
    assert "0 entries." in by_actor
    assert "0 entries." in future


def test_bad_log_filters_answer_400_naming_the_value(mod_client):
    bad_date = mod_client.get("/moderate/log?from=2026-13-45")
    bad_event = mod_client.get("/moderate/log.csv?event=abc")
    assert bad_date.status_code == 400 and "2026-13-45" in bad_date.get_data(as_text=True)
    assert bad_event.status_code == 400


def test_csv_export_has_every_filtered_entry_and_is_spreadsheet_safe(mod_client, make_event):
    a, b, c = story(mod_client, make_event)

    response = mod_client.get("/moderate/log.csv?action=reject")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    assert rows[0]["action"] == "reject" and rows[0]["reason"] == "Spam."
    assert rows[0]["actor"] == "mod@example.org"
    assert rows[0]["event_id"] == str(b.id)
    assert rows[0]["event_title"].startswith("'=")  # not run as a formula

    everything = mod_client.get("/moderate/log.csv").get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(everything)))) == 3


def test_nothing_can_edit_or_delete_the_log(app, mod_client, make_event):
    story(mod_client, make_event)
    entry = db.session.query(AuditEntry).first()
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert mod_client.open("/moderate/log", method=method).status_code == 405
    assert mod_client.open(f"/moderate/log/{entry.id}", method="DELETE").status_code == 404
    writable = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/moderate/log")
        and rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    ]
    assert writable == []
