"""The core flow (submit, approve, list, feed, API, month grid) with the clock set to the
middle of January, when the product is used most, and to a date years ahead: nothing in the
app or in the test data may depend on the year the tests were written in.

``HTPM_TEST_NOW=2027-01-14T15:00`` (see conftest.py) runs the whole suite at such a moment."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from ..builders import day_text, default_day
from ..moderation.conftest import log_in
from ..submissions.helpers import events, form, manage_path

MOMENTS = [
    datetime(2027, 1, 14, 15, 0, tzinfo=UTC),  # the old fixed test date, mid-January
    datetime(2027, 1, 31, 23, 30, tzinfo=UTC),  # the month's last evening
    datetime(2043, 7, 2, 9, 0, tzinfo=UTC),  # years ahead
]


@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: m.date().isoformat())
def test_the_core_flow_works_whatever_the_date(app, make_user, moment):
    with time_machine.travel(moment, tick=True):
        day = default_day()
        assert day > moment.date()  # builders' events are always ahead
        submitter = app.test_client()
        assert submitter.post("/submit", data=form(title="Clock check")).status_code == 303
        manage = manage_path(submitter.get("/submit/thanks").get_data(as_text=True))
        [event] = events()

        moderator = app.test_client()
        make_user("clock@example.org")
        log_in(moderator, "clock@example.org")
        decided = moderator.post(
            f"/moderate/events/{event.id}/decision", data={"decision": "approve"}
        )
        assert decided.status_code == 302

        public = app.test_client()
        agenda = public.get("/events")
        assert agenda.status_code == 200 and "Clock check" in agenda.get_data(as_text=True)
        api = public.get("/api/v1/events").get_json()
        assert [item["title"] for item in api["events"]] == ["Clock check"]
        feed = public.get("/feeds/events.ics")
        assert feed.status_code == 200 and b"SUMMARY:Clock check" in feed.data
        now_month = public.get("/calendar")
        assert now_month.headers["Location"].endswith(f"/calendar/{moment.year}/{moment.month}")
        grid = public.get(f"/calendar/{day.year}/1")
        assert "Clock check" in grid.get_data(as_text=True)
        page = submitter.get(manage).get_data(as_text=True)
        assert "Status: published" in page and day_text(day) in page
