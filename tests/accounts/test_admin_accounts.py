"""Admins add accounts, deactivate and reactivate them and change their roles."""

import sqlalchemy as sa

from htpm_events.accounts.models import User
from htpm_events.extensions import db
from htpm_events.moderation.models import AuditEntry

PASSWORD = "correct horse battery"


def log_in(client, email):
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def user(email) -> User:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_an_admin_adds_a_moderator_who_can_then_log_in(app, client, make_user):
    make_user("admin@example.org", role="admin")
    log_in(client, "admin@example.org")

    response = client.post(
        "/moderate/accounts",
        data={"email": "New.Mod@Example.org", "role": "moderator", "password": "long enough pw"},
    )

    assert response.status_code == 302
    added = user("new.mod@example.org")
    assert added.role == "moderator" and added.password_hash != "long enough pw"
    other = app.test_client()
    assert (
        other.post(
            "/login", data={"email": "new.mod@example.org", "password": "long enough pw"}
        ).status_code
        == 302
    )
    entry = db.session.scalar(sa.select(AuditEntry))
    assert entry.action == "account-create"
    assert entry.details == {"email": "new.mod@example.org", "role": "moderator"}


def test_adding_checks_the_password_length_and_duplicates(client, make_user):
    make_user("admin@example.org", role="admin")
    log_in(client, "admin@example.org")

    short = client.post(
        "/moderate/accounts",
        data={"email": "a@example.org", "role": "moderator", "password": "short"},
    )
    taken = client.post(
        "/moderate/accounts",
        data={"email": "ADMIN@example.org", "role": "admin", "password": "long enough pw"},
    )
    bad_role = client.post(
        "/moderate/accounts",
        data={"email": "b@example.org", "role": "root", "password": "long enough pw"},
    )

    assert short.status_code == 400
    assert "at least 10 characters" in short.get_data(as_text=True)
    assert taken.status_code == 400
    assert "already an account" in taken.get_data(as_text=True)
    assert bad_role.status_code == 400
    assert user("a@example.org") is None and user("b@example.org") is None


def test_deactivate_reactivate_and_change_role(app, client, make_user):
    make_user("admin@example.org", role="admin")
    target = make_user("mod@example.org")
    session = app.test_client()
    log_in(session, "mod@example.org")
    log_in(client, "admin@example.org")

    client.post(f"/moderate/accounts/{target.id}", data={"action": "deactivate"})
    assert user("mod@example.org").active is False
    assert session.get("/moderate").status_code == 302  # the open session stops working

    client.post(f"/moderate/accounts/{target.id}", data={"action": "reactivate"})
    client.post(f"/moderate/accounts/{target.id}", data={"action": "role", "role": "admin"})
    assert user("mod@example.org").active is True
    assert user("mod@example.org").role == "admin"

    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["account-deactivate", "account-reactivate", "account-role"]


def test_an_admin_cannot_deactivate_or_demote_themselves(client, make_user):
    admin = make_user("admin@example.org", role="admin")
    log_in(client, "admin@example.org")

    off = client.post(f"/moderate/accounts/{admin.id}", data={"action": "deactivate"})
    demote = client.post(
        f"/moderate/accounts/{admin.id}", data={"action": "role", "role": "moderator"}
    )

    assert off.status_code == 400
    assert "You cannot deactivate your own account." in off.get_data(as_text=True)
    assert demote.status_code == 400
    assert user("admin@example.org").active is True
    assert user("admin@example.org").role == "admin"
