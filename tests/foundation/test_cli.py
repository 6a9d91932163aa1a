"""The `flask` commands of SPEC §8 that the foundation provides."""

from datetime import date, time

import pytest
import sqlalchemy as sa

from htpm_events.accounts.models import User
from htpm_events.events.models import Event, KeyDate, Organization
from htpm_events.extensions import db
from htpm_events.timeutil import next_htpm_year, now_utc

HEADER = (
    "title,description,organization,level,state,format,event_type,topics,audiences,timezone,"
    "start_date,start_time,end_date,end_time,all_day,recurrence,recurrence_until,venue_name,"
    "address,city,postal_code,online_url,registration_mode,registration_url,"
    "registration_deadline,capacity,cost,languages,accessibility,ce_credits,contact_name,"
    "contact_email"
)
GOOD_ROW = (
    "Know the Signs,A webinar,Kentucky Coalition,state,KY,virtual,webinar,"
    "awareness|labor-exploitation,"
    "general-public,America/New_York,2027-01-12,10:00,2027-01-12,11:00,,none,,,,,,,external,"
    "https://example.org/r,,,,en|es,captions,,Dana,dana@example.org"
)


def events() -> list[Event]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Event).order_by(Event.id)))


def write_csv(tmp_path, *rows, name="events.csv"):
    path = tmp_path / name
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return str(path)


# --- users ---------------------------------------------------------------------------------


def test_users_create_reads_the_password_from_stdin(runner):
    result = runner.invoke(
        args=["users", "create", "Mod@Example.org", "--role", "admin", "--password-stdin"],
        input="a long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User))
    assert user.email == "mod@example.org"
    assert user.role == "admin"
    assert user.check_password("a long enough secret")
    assert "a long enough secret" not in user.password_hash


def test_users_create_prompts_for_the_password_twice(runner):
    result = runner.invoke(
        args=["users", "create", "m@example.org"],
        input="another long secret\nanother long secret\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User)).role == "moderator"


def test_users_create_refuses_a_short_password_and_an_unknown_role(runner):
    short = runner.invoke(
        args=["users", "create", "m@example.org", "--password-stdin"], input="short\n"
    )
    assert short.exit_code != 0
    assert "at least 10" in short.output
    role = runner.invoke(
        args=["users", "create", "m@example.org", "--role", "owner", "--password-stdin"],
        input="long enough secret\n",
    )
    assert role.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


# --- demo ----------------------------------------------------------------------------------


def test_demo_load_places_the_six_events_in_the_next_january_and_is_idempotent(runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    year = next_htpm_year(now_utc().date())
    loaded = events()
    assert len(loaded) == 6
    assert {e.status for e in loaded} == {"approved"}
    assert {e.start_date.year for e in loaded} == {year}
    assert all(e.start_date.month == 1 for e in loaded)

    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert "6 unchanged" in again.output
    assert len(events()) == 6
    # Focus weeks and Jan 11 come with it, once.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(KeyDate)) == 6


def test_demo_load_year_2026_gives_the_real_dates(runner, client):
    result = runner.invoke(args=["demo", "load", "--year", "2026"])
    assert result.exit_code == 0, result.output
    tcvap = db.session.scalar(sa.select(Event).where(Event.title.like("%TCVAP%")))
    assert (tcvap.start_date, tcvap.start_time, tcvap.end_time) == (
        date(2026, 1, 13),
        time(13),
        time(14),
    )
    assert tcvap.timezone == "America/Los_Angeles"
    page = client.get(f"/events/{tcvap.id}").get_data(as_text=True)
    assert "Tue Jan 13 2026, 1:00–2:00 PM PT" in page
    gallery = db.session.scalar(sa.select(Event).where(Event.title.like("%Reclamation%")))
    assert gallery.all_day and gallery.end_date == date(2026, 1, 31)
    soar = db.session.scalar(sa.select(Event).where(Event.format == "on-demand"))
    assert soar.start_time is None and soar.series_ends_at is None


def test_demo_load_moves_the_events_when_the_year_changes(runner):
    runner.invoke(args=["demo", "load", "--year", "2026"])
    runner.invoke(args=["demo", "load", "--year", "2028"])
    assert {e.start_date.year for e in events()} == {2028}
    assert len(events()) == 6


# --- imports file --------------------------------------------------------------------------


def test_imports_file_loads_a_csv_as_pending_events(runner, tmp_path):
    path = write_csv(tmp_path, GOOD_ROW)
    result = runner.invoke(args=["imports", "file", path])
    assert result.exit_code == 0, result.output
    (event,) = events()
    assert event.status == "pending"
    assert event.source == "csv"
    assert event.topics == ["awareness", "labor-exploitation"]
    assert event.languages == ["en", "es"]
    assert event.organization.name == "Kentucky Coalition"


def test_imports_file_trusted_publishes(runner, tmp_path):
    result = runner.invoke(args=["imports", "file", write_csv(tmp_path, GOOD_ROW), "--trusted"])
    assert result.exit_code == 0, result.output
    (event,) = events()
    assert event.status == "approved"
    assert event.published is not None


def test_imports_file_reports_every_bad_row_by_line_and_column_and_saves_nothing(runner, tmp_path):
    bad_level = GOOD_ROW.replace(",state,KY,", ",galactic,KY,")
    end_before_start = GOOD_ROW.replace(
        "2027-01-12,10:00,2027-01-12,11:00", "2027-01-12,10:00,2027-01-11,11:00"
    )
    bad_url = GOOD_ROW.replace("https://example.org/r", "javascript:alert(1)")
    path = write_csv(tmp_path, GOOD_ROW, bad_level, end_before_start, bad_url)
    result = runner.invoke(args=["imports", "file", path, "--trusted"])
    assert result.exit_code != 0
    assert "line 3, column level" in result.output
    assert "line 4, column end_date" in result.output
    assert "line 5, column registration_url" in result.output
    assert "nothing was imported" in result.output
    assert events() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 0


def test_imports_file_fills_only_empty_cells_with_organization_and_level(runner, tmp_path):
    no_org = GOOD_ROW.replace("Kentucky Coalition,state,", ",,")
    path = write_csv(tmp_path, GOOD_ROW.replace("Know the Signs", "Other"), no_org)
    result = runner.invoke(
        args=["imports", "file", path, "--organization", "Fallback Org", "--level", "local"]
    )
    assert result.exit_code == 0, result.output
    by_title = {e.title: e for e in events()}
    assert by_title["Know the Signs"].organization.name == "Fallback Org"
    assert by_title["Know the Signs"].level == "local"
    assert by_title["Other"].organization.name == "Kentucky Coalition"
    assert by_title["Other"].level == "state"


def test_imports_file_twice_updates_instead_of_duplicating(runner, tmp_path):
    path = write_csv(tmp_path, GOOD_ROW)
    runner.invoke(args=["imports", "file", path])
    result = runner.invoke(args=["imports", "file", path])
    assert "1 unchanged" in result.output
    assert len(events()) == 1


def test_imports_file_refuses_unknown_columns_and_duplicate_rows(runner, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text(HEADER + ",colour\n" + GOOD_ROW + ",blue\n", encoding="utf-8")
    result = runner.invoke(args=["imports", "file", str(path)])
    assert result.exit_code != 0
    assert "line 1, column colour: Unknown column" in result.output
    dup = runner.invoke(
        args=["imports", "file", write_csv(tmp_path, GOOD_ROW, GOOD_ROW, name="d.csv")]
    )
    assert dup.exit_code != 0
    assert "line 3: The same event as line 2" in dup.output
    assert events() == []


@pytest.mark.parametrize(
    "cell,column",
    [
        ("America/Atlantis", "timezone"),
        ("2027-02-30", "start_date"),
    ],
)
def test_imports_file_row_errors_name_the_column(runner, tmp_path, cell, column):
    row = (
        GOOD_ROW.replace("America/New_York", cell)
        if column == "timezone"
        else GOOD_ROW.replace("2027-01-12,10:00,2027-01-12", f"{cell},10:00,2027-01-12")
    )
    result = runner.invoke(args=["imports", "file", write_csv(tmp_path, row)])
    assert result.exit_code != 0
    assert f"line 2, column {column}" in result.output
