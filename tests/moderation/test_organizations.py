"""Organization names in every script stay apart (form, CSV import, API; SQLite and
PostgreSQL), the migration that recomputes the keys, and the moderators' "split" action."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from htpm_events.events.models import Event, Organization
from htpm_events.extensions import db
from htpm_events.moderation.models import AuditEntry
from htpm_events.text import name_key

from ..foundation.test_cli import HEADER, write_csv
from ..submissions.helpers import form

MIGRATIONS = str(Path(__file__).parents[2] / "migrations")

CHINESE = "人口贩卖预防月 研讨会 coalition"
ARABIC_HEBREW = "مؤتمر التوعية — כנס מודעות coalition"
SCRIPTS = [
    CHINESE,
    ARABIC_HEBREW,
    "한국 인신매매 방지 연합",
    "Коалиция против торговли людьми",
    "Συμμαχία κατά της εμπορίας",
    "मानव तस्करी विरोधी गठबंधन",
    "Coalition",
]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("The Kentucky Coalition, Inc.", "kentucky   coalition inc"),
        ("Coalición Nacional", "COALICION NACIONAL."),
        ("ＣＯＡＬＩＴＩＯＮ ＫＹ", "Coalition KY"),  # full-width letters (NFKC)
        ("Straße der Hoffnung", "STRASSE DER HOFFNUNG"),  # case folding
        ("КОАЛИЦИЯ «Свобода»", "коалиция свобода"),
        ("שָׁלוֹם coalition", "שלום Coalition"),  # Hebrew vowel points
    ],
)
def test_names_that_differ_in_case_accents_punctuation_or_spacing_match(one, other):
    assert name_key(one) == name_key(other) != ""


def test_names_in_different_scripts_have_different_keys():
    keys = [name_key(name) for name in SCRIPTS]
    assert len(set(keys)) == len(SCRIPTS)
    assert all(keys)


def organizations_by_title() -> dict[str, str]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(Event.title, Organization.name).join(Organization))
    return dict(rows.all())


def test_submitted_names_in_other_scripts_stay_separate_organizations(client):
    for number, name in enumerate(SCRIPTS):
        assert (
            client.post(
                "/submit", data=form(title=f"Event {number}", organization=name)
            ).status_code
            == 303
        )
    assert (
        client.post(
            "/submit", data=form(title="Again", organization=f"  {CHINESE.upper()}  ")
        ).status_code
        == 303
    )
    by_title = organizations_by_title()
    assert [by_title[f"Event {n}"] for n in range(len(SCRIPTS))] == SCRIPTS
    assert by_title["Again"] == CHINESE  # the same name again is the same organization
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == len(SCRIPTS)


def test_the_api_names_each_organization_as_written(client, make_event):
    for number, name in enumerate(SCRIPTS):
        make_event(title=f"Event {number}", organization=name)
    start = date.today().isoformat()
    response = client.get(f"/api/v1/events?from={start}&per_page=500")
    assert response.status_code == 200
    items = {item["title"]: item for item in response.get_json()["events"]}
    assert [items[f"Event {n}"]["organization"] for n in range(len(SCRIPTS))] == SCRIPTS
    assert len({item["organization_id"] for item in items.values()}) == len(SCRIPTS)
    assert len({item["organization_slug"] for item in items.values()}) == len(SCRIPTS)


def test_a_csv_import_keeps_names_in_other_scripts_apart(runner, tmp_path):
    columns = HEADER.split(",")
    rows = []
    for number, name in enumerate(SCRIPTS):
        data = form(title=f"Row {number}", organization=name)
        data["languages"] = "en"
        data["topics"], data["audiences"] = "awareness", "general-public"
        data["accessibility"] = "captions"
        rows.append(",".join(f'"{data.get(c, "")}"' for c in columns))
    result = runner.invoke(args=["imports", "file", write_csv(tmp_path, *rows)])
    assert result.exit_code == 0, result.output
    by_title = organizations_by_title()
    assert [by_title[f"Row {n}"] for n in range(len(SCRIPTS))] == SCRIPTS


def test_the_migration_recomputes_every_key(app):
    """Keys written by the old ASCII-only rule (every non-Latin name was "coalition" or "")
    are recomputed; a collision the new rule cannot resolve keeps both organizations."""
    db.session.add_all(
        [
            Organization(name=CHINESE, name_key="coalition", slug="a"),
            Organization(name="Κοινότητα", name_key="κοινοτητα-old", slug="b"),
            Organization(name="The Coalición, Inc.", name_key="coalicion inc", slug="c"),
        ]
    )
    db.session.commit()
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0005")
    db.session.remove()
    old = dict(db.session.execute(sa.select(Organization.name, Organization.name_key)).all())
    assert old[CHINESE] == "coalition" and old["Κοινότητα"] == "κοινότητα"
    db.session.remove()
    upgrade(directory=MIGRATIONS)
    db.session.remove()
    keys = dict(db.session.execute(sa.select(Organization.name, Organization.name_key)).all())
    assert keys == {
        CHINESE: name_key(CHINESE),
        "Κοινότητα": "κοινοτητα",
        "The Coalición, Inc.": "coalicion inc",
    }


# --- split -----------------------------------------------------------------------------------


@pytest.fixture
def merged(make_event):
    """One organization holding the events of two (as the old key filed them)."""
    ours = make_event(title="Chinese seminar", organization=CHINESE)
    theirs = make_event(title="Arabic conference", organization=CHINESE)
    pending = make_event(status="pending", title="Arabic workshop", organization=CHINESE)
    return ours, theirs, pending


def audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def test_a_moderator_splits_chosen_events_to_a_new_organization(mod_client, merged, client):
    ours, theirs, pending = merged
    org_id, sequence = ours.organization_id, theirs.sequence
    page = mod_client.get(f"/moderate/organizations/{org_id}/split")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Chinese seminar" in text and "Arabic workshop" in text
    assert f'href="/moderate/organizations/{org_id}/split"' in mod_client.get(
        "/moderate/organizations"
    ).get_data(as_text=True)

    response = mod_client.post(
        f"/moderate/organizations/{org_id}/split",
        data={"events": [theirs.id, pending.id], "name": ARABIC_HEBREW, "reason": "two orgs"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert ours.organization.name == CHINESE
    assert theirs.organization.name == pending.organization.name == ARABIC_HEBREW
    assert theirs.organization_id != org_id and not theirs.organization.trusted
    assert theirs.sequence == sequence + 1  # calendars pick up the new organization name
    assert pending.sequence == 0

    [whole, *moved] = audit("split")
    assert (whole.organization_id, whole.event_id, whole.reason) == (org_id, None, "two orgs")
    assert whole.details["events"] == [theirs.id, pending.id]
    assert [(e.event_id, e.details["from"]) for e in moved] == [
        (theirs.id, org_id),
        (pending.id, org_id),
    ]
    assert "split" in mod_client.get("/moderate/log").get_data(as_text=True)

    item = client.get(f"/api/v1/events/{theirs.id}").get_json()
    assert item["organization"] == ARABIC_HEBREW


def test_the_review_page_moves_one_event_and_comes_back(mod_client, merged):
    ours, theirs, _ = merged
    review = mod_client.get(f"/moderate/events/{theirs.id}").get_data(as_text=True)
    assert 'id="split-form"' in review
    response = mod_client.post(
        f"/moderate/organizations/{theirs.organization_id}/split",
        data={"events": theirs.id, "name": ARABIC_HEBREW, "next": f"/moderate/events/{theirs.id}"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/moderate/events/{theirs.id}")
    db.session.expire_all()
    assert theirs.organization.name == ARABIC_HEBREW and ours.organization.name == CHINESE


def test_a_split_to_an_existing_name_joins_that_organization(mod_client, merged, make_event):
    _, theirs, _ = merged
    existing = make_event(title="Other", organization=ARABIC_HEBREW).organization_id
    response = mod_client.post(
        f"/moderate/organizations/{theirs.organization_id}/split",
        data={"events": theirs.id, "name": ARABIC_HEBREW.upper()},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert theirs.organization_id == existing


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"events": "EVENT", "name": ""}, 400, "Enter the organization"),
        ({"name": ARABIC_HEBREW}, 400, "Choose at least one event"),
        ({"events": "abc", "name": ARABIC_HEBREW}, 400, "Events to move"),
        ({"events": "99999999999", "name": ARABIC_HEBREW}, 400, "Not an event number"),
        ({"events": "EVENT", "name": "x\x00y"}, 400, "control characters"),
        ({"events": "EVENT", "name": CHINESE.upper()}, 409, "own name"),
        ({"events": "OTHER", "name": ARABIC_HEBREW}, 409, "not an event of"),
    ],
)
def test_a_bad_split_is_a_field_message_and_moves_nothing(
    mod_client, merged, make_event, data, status, message
):
    _, theirs, _ = merged
    other = make_event(title="Elsewhere", organization="Somebody Else")
    swap = {"EVENT": str(theirs.id), "OTHER": str(other.id)}
    data = {key: swap.get(value, value) for key, value in data.items()}
    response = mod_client.post(f"/moderate/organizations/{theirs.organization_id}/split", data=data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert theirs.organization.name == CHINESE and audit("split") == []


def test_split_of_an_unknown_organization_is_404(mod_client):
    assert mod_client.get("/moderate/organizations/424242/split").status_code == 404
