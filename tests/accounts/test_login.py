"""Logging in: lockout after 10 failures in a row (SPEC §11), safe ``next``."""

from datetime import timedelta

import time_machine

from htpm_events.accounts.models import User
from htpm_events.extensions import db
from htpm_events.timeutil import now_utc

PASSWORD = "correct horse battery"


def attempt(client, password, email="mod@example.org", next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def test_a_moderator_logs_in_and_lands_where_they_were_going(client, make_user):
    make_user()
    assert client.get("/moderate").headers["Location"] == "/login?next=%2Fmoderate"

    response = attempt(client, PASSWORD, next_url="%2Fmoderate")

    assert response.status_code == 302 and response.headers["Location"] == "/moderate"
    assert client.get("/moderate").status_code == 200


def test_next_never_leads_off_the_hub(client, make_user):
    make_user()
    response = attempt(client, PASSWORD, next_url="https://evil.example/")
    assert response.headers["Location"] == "/"


def test_ten_failures_lock_the_account_for_15_minutes_and_the_form_says_so(client, make_user):
    make_user()
    clock = time_machine.travel(now_utc(), tick=False)
    traveller = clock.start()
    try:
        locked_out(client, traveller)
    finally:
        clock.stop()


def locked_out(client, traveller):
    for _ in range(9):
        response = attempt(client, "wrong password")
        assert response.status_code == 401
        assert "The e-mail or password is not right." in response.get_data(as_text=True)

    tenth = attempt(client, "wrong password")
    page = tenth.get_data(as_text=True)
    assert tenth.status_code == 401
    assert "locked for 15 minutes after 10 failed logins" in page
    assert 'id="password-error"' in page  # at the field

    right_password = attempt(client, PASSWORD)
    assert right_password.status_code == 401
    assert "This account is locked" in right_password.get_data(as_text=True)
    assert client.get("/moderate").status_code == 302

    traveller.shift(timedelta(minutes=14, seconds=50))
    almost = attempt(client, PASSWORD)
    assert almost.status_code == 401  # still locked a few seconds before the 15 minutes
    assert "This account is locked" in almost.get_data(as_text=True)
    traveller.shift(timedelta(seconds=11))
    assert attempt(client, PASSWORD).status_code == 302  # 15 minutes after the tenth failure


def test_a_success_resets_the_count(client, make_user):
    user = make_user()
    for _ in range(9):
        attempt(client, "wrong password")
    assert attempt(client, PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(9):
        attempt(client, "wrong password")
    assert attempt(client, PASSWORD).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until is None


def test_unknown_e_mail_gives_the_same_message(client):
    response = attempt(client, PASSWORD, email="nobody@example.org")
    assert response.status_code == 401
    assert "The e-mail or password is not right." in response.get_data(as_text=True)


def test_login_is_rate_limited(make_app, make_user):
    app = make_app(HTPM_RATELIMITS="on")
    with app.app_context():
        client = app.test_client()
        codes = [attempt(client, "wrong", email="x@example.org").status_code for _ in range(21)]
    assert codes[:20] == [401] * 20
    assert codes[20] == 429
