"""Polled sources against a loopback publisher: the first run brings the events in at the
right local times, a 304 is a cheap unchanged run, changes and cancellations show up after
the next run, and a run that would wipe the calendar is held for a moderator."""

from __future__ import annotations

from datetime import UTC, datetime, time

import sqlalchemy as sa

from htpm_events.events.models import Event, EventRevision
from htpm_events.extensions import db
from htpm_events.importers.models import ImportSource

from .conftest import calendar, vevent

YEAR = datetime.now(UTC).year + 1


def when(day: int, hour: int) -> str:
    return f"{YEAR}01{day:02d}T{hour:02d}0000"


def feed(*titles_days) -> str:
    return calendar(
        *(
            vevent(f"ev-{day}@state.example", title, when(day, 10), when(day, 11))
            for title, day in titles_days
        )
    )


FOUR = (("Webinar one", 12), ("Webinar two", 13), ("Webinar three", 14), ("Webinar four", 15))


def add(runner, url: str, *extra: str) -> int:
    result = runner.invoke(
        args=["imports", "add", url, "--organization", "Texas Task Force", *extra]
    )
    assert result.exit_code == 0, result.output
    return int(result.output.strip())


def run(runner, source_id: int, *extra: str):
    return runner.invoke(args=["imports", "run", "--source", str(source_id), *extra])


def events() -> dict[str, Event]:
    db.session.expire_all()
    return {e.title: e for e in db.session.scalars(sa.select(Event))}


def test_first_run_queues_events_at_their_local_times_and_a_304_changes_nothing(runner, publisher):
    url = publisher.serve("/cal.ics", feed(*FOUR))
    source_id = add(runner, url, "--level", "state", "--state", "TX")
    result = run(runner, source_id)
    assert result.exit_code == 0, result.output
    assert "4 created" in result.output
    found = events()
    assert set(found) == {t for t, _ in FOUR}
    one = found["Webinar one"]
    assert one.status == "pending"  # untrusted: the moderation queue
    assert (one.timezone, one.start_time, one.end_time) == ("America/Chicago", time(10), time(11))
    assert one.starts_at.astimezone(UTC).hour == 16
    assert (one.organization.name, one.level, one.state, one.source) == (
        "Texas Task Force", "state", "TX", "ics",
    )  # fmt: skip

    again = run(runner, source_id)
    assert again.exit_code == 0, again.output
    assert "not modified (304)" in again.output
    assert publisher.requests[-1].get("If-None-Match")
    source = db.session.get(ImportSource, source_id)
    db.session.refresh(source)
    assert source.last_status == 304 and source.last_error is None


def test_trusted_source_publishes_and_updates_in_place(runner, publisher):
    url = publisher.serve("/cal.ics", feed(*FOUR), etag=False)
    source_id = add(runner, url, "--trusted")
    assert run(runner, source_id).exit_code == 0
    one = events()["Webinar one"]
    assert one.status == "approved" and one.sequence == 0

    # A server that ignores conditional GET: the same content is not even parsed again.
    result = run(runner, source_id)
    assert "same content as the last run" in result.output
    assert events()["Webinar one"].sequence == 0
    # A moderator's confirmed run reads it all again: still nothing changes.
    result = run(runner, source_id, "--confirm")
    assert "0 created, 0 updated, 4 unchanged" in result.output, result.output
    assert events()["Webinar one"].sequence == 0

    publisher.serve("/cal.ics", feed(("Webinar one (new time)", 12), *FOUR[1:]), etag=False)
    result = run(runner, source_id)
    assert "1 updated" in result.output, result.output
    found = events()
    assert "Webinar one" not in found
    assert found["Webinar one (new time)"].sequence == 1


def test_untrusted_change_to_a_published_event_waits_in_the_queue(runner, publisher, app):
    url = publisher.serve("/cal.ics", feed(*FOUR))
    source_id = add(runner, url)
    assert run(runner, source_id).exit_code == 0
    one = events()["Webinar one"]
    one.status, one.published = "approved", datetime.now(UTC)
    db.session.commit()

    publisher.serve("/cal.ics", feed(("Webinar one, renamed", 12), *FOUR[1:]))
    result = run(runner, source_id)
    assert "1 updated" in result.output
    found = events()
    assert found["Webinar one"].status == "approved"  # the published version stays live
    revision = db.session.scalar(sa.select(EventRevision))
    assert revision.status == "pending" and revision.data["title"] == "Webinar one, renamed"


def test_hand_edit_is_never_overwritten(runner, publisher):
    url = publisher.serve("/cal.ics", feed(*FOUR))
    source_id = add(runner, url, "--trusted")
    assert run(runner, source_id).exit_code == 0
    one = events()["Webinar one"]
    one.title = "Webinar one (edited by a moderator)"
    db.session.commit()

    publisher.serve("/cal.ics", feed(("Webinar one, renamed at the source", 12), *FOUR[1:]))
    result = run(runner, source_id)
    assert "1 held" in result.output, result.output
    found = events()
    assert "Webinar one (edited by a moderator)" in found
    assert db.session.scalar(sa.select(EventRevision)).data["title"] == (
        "Webinar one, renamed at the source"
    )


def test_vanished_event_is_cancelled(runner, publisher):
    url = publisher.serve("/cal.ics", feed(*FOUR))
    source_id = add(runner, url, "--trusted")
    assert run(runner, source_id).exit_code == 0
    publisher.serve("/cal.ics", feed(*FOUR[1:]))
    result = run(runner, source_id)
    assert "1 cancelled" in result.output, result.output
    found = events()
    assert found["Webinar one"].status == "cancelled"
    assert found["Webinar two"].status == "approved"


def test_a_run_cancelling_more_than_half_is_held_until_confirmed(runner, publisher):
    url = publisher.serve("/cal.ics", feed(*FOUR))
    source_id = add(runner, url, "--trusted")
    assert run(runner, source_id).exit_code == 0
    publisher.serve("/cal.ics", feed(FOUR[0]))
    result = run(runner, source_id)
    assert result.exit_code == 1
    assert "held" in result.output and "3 of the source's 4" in result.output
    assert all(e.status == "approved" for e in events().values())
    source = db.session.get(ImportSource, source_id)
    db.session.refresh(source)
    assert source.held_reason

    confirmed = run(runner, source_id, "--confirm")
    assert confirmed.exit_code == 0, confirmed.output
    assert "3 cancelled" in confirmed.output
    assert sorted(e.status for e in events().values()) == ["approved"] + ["cancelled"] * 3


def test_an_empty_calendar_is_held(runner, publisher):
    url = publisher.serve("/cal.ics", feed(*FOUR))
    source_id = add(runner, url, "--trusted")
    assert run(runner, source_id).exit_code == 0
    publisher.serve("/cal.ics", calendar())
    result = run(runner, source_id)
    assert result.exit_code == 1 and "no event at all" in result.output
    assert all(e.status == "approved" for e in events().values())


def test_a_broken_feed_is_recorded_and_nothing_half_applied(runner, publisher):
    url = publisher.serve("/cal.ics", feed(*FOUR))
    source_id = add(runner, url, "--trusted")
    assert run(runner, source_id).exit_code == 0
    broken = feed(("Webinar one, renamed", 12), *FOUR[1:]).replace(when(15, 10), "20270231T100000")
    publisher.serve("/cal.ics", broken)
    result = run(runner, source_id)
    assert result.exit_code == 1
    assert "line" in result.output and "ev-15@state.example" in result.output
    assert "Webinar one" in events()  # the good change before the bad event was not applied
    source = db.session.get(ImportSource, source_id)
    db.session.refresh(source)
    assert "20270231T100000" in source.last_error and source.failures == 1
    assert source.next_poll is not None


def test_scheduled_job_polls_due_sources(runner, publisher, app):
    from htpm_events import background

    url = publisher.serve("/cal.ics", feed(*FOUR))
    add(runner, url)
    jobs = background.load_jobs()
    assert "imports.poll" in jobs
    outcome = background.run_scheduled(jobs["imports.poll"], force=True)
    assert "1 source(s) run" in (outcome or "")
    assert len(events()) == 4


def test_add_refuses_bad_urls(runner):
    for url, message in (
        ("ftp://example.org/cal.ics", "Only http"),
        ("https://user:secret@example.org/cal.ics", "user name or password"),
        ("not a url", "Only http"),
    ):
        result = runner.invoke(args=["imports", "add", url, "--organization", "X"])
        assert result.exit_code != 0 and message in result.output, result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportSource)) == 0


def test_a_source_being_run_is_not_run_twice(runner, publisher):
    from datetime import timedelta

    url = publisher.serve("/cal.ics", feed(*FOUR))
    source_id = add(runner, url)
    source = db.session.get(ImportSource, source_id)
    source.lease_token, source.lease_until = (
        "other-worker",
        datetime.now(UTC) + timedelta(minutes=5),
    )
    db.session.commit()
    result = run(runner, source_id)
    assert "another run of this source is in progress" in result.output
    assert publisher.requests == [] and events() == {}
    # A lease that ran out (a worker killed mid-run) no longer blocks the source.
    source.lease_until = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert "4 created" in run(runner, source_id).output


def test_an_event_listed_again_after_vanishing_comes_back(runner, publisher):
    url = publisher.serve("/cal.ics", feed(*FOUR), etag=False)
    source_id = add(runner, url, "--trusted")
    assert run(runner, source_id).exit_code == 0
    publisher.serve("/cal.ics", feed(*FOUR[1:]), etag=False)
    assert "1 cancelled" in run(runner, source_id).output
    publisher.serve("/cal.ics", feed(*FOUR), etag=False)
    result = run(runner, source_id)
    assert "1 updated" in result.output, result.output
    one = events()["Webinar one"]
    assert one.status == "approved" and one.sequence == 2


def test_run_refuses_file_and_proposed_sources(runner, tmp_path):
    path = tmp_path / "cal.ics"
    path.write_text(feed(*FOUR))
    runner.invoke(args=["imports", "file", str(path), "--organization", "O"])
    file_source = db.session.scalar(sa.select(ImportSource))
    result = run(runner, file_source.id)
    assert result.exit_code != 0 and "flask imports file" in result.output
    assert run(runner, 999).exit_code != 0
