"""SECRET_KEY from the environment or instance/ (private, never committed); cookies
HttpOnly, SameSite=Lax, Secure behind https (SPEC §9, §11); manage tokens hashed, not
logged."""

from __future__ import annotations

import logging
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from htpm_events.events.models import Event
from htpm_events.extensions import db

from ..moderation.conftest import PASSWORD, log_in
from ..submissions.helpers import submit

ROOT = Path(__file__).resolve().parents[2]


def test_a_generated_secret_key_is_private_from_the_start(make_app, tmp_path, monkeypatch):
    """Created with mode 0600, not chmod-ed afterwards (a window where others could read
    it): with chmod disabled, the file is still private."""
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)
    app = make_app(SECRET_KEY=None)
    path = Path(app.instance_path) / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) == 64 and app.config["SECRET_KEY"] == path.read_text()
    assert make_app(SECRET_KEY=None).config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".secret_key")] == []


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_instance_files_are_never_committed():
    for name in ("instance/secret_key", "instance/htpm.sqlite3", "instance/mail/x.eml"):
        ignored = subprocess.run(
            ["git", "check-ignore", "-q", name], cwd=ROOT, check=False, capture_output=True
        )
        assert ignored.returncode == 0, name
    tracked = subprocess.run(
        ["git", "ls-files", "instance"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    assert tracked in ([], ["instance/.gitkeep"])


@pytest.mark.parametrize("base", ["http://localhost", "https://events.example.org"])
def test_the_session_cookie_is_httponly_lax_and_secure_behind_https(make_app, make_user, base):
    app = make_app(HTPM_BASE_URL=base)
    make_user("mod@example.org", PASSWORD)
    client = app.test_client()
    response = log_in(client, "mod@example.org")
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in cookie.lower()
    assert ("secure" in attributes) == base.startswith("https://")


def test_manage_tokens_are_stored_hashed_and_never_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    path = submit(client, title="Token check")
    token = path.rsplit("/", 1)[1]
    client.get(path)
    client.get(path + "/edit")
    event = db.session.scalar(sa.select(Event).where(Event.title == "Token check"))
    row = db.session.execute(sa.select(Event.__table__).where(Event.id == event.id)).one()
    assert token not in " ".join(str(value) for value in row)
    assert token not in caplog.text
