"""Without HTPM_BASE_URL, links in pages, feeds and e-mails point where ``flask run``
serves (``make run PORT=5055`` passes FLASK_RUN_HOST and FLASK_RUN_PORT), not always at
port 5000; HTPM_BASE_URL, when given, still wins."""

import pytest

from htpm_events.config import defaults, from_environment


@pytest.fixture
def no_base_url(monkeypatch):
    for name in ("HTPM_BASE_URL", "FLASK_RUN_HOST", "FLASK_RUN_PORT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_default_is_the_classic_development_address(no_base_url, tmp_path):
    assert defaults(str(tmp_path))["HTPM_BASE_URL"] == "http://127.0.0.1:5000"


def test_the_default_follows_the_port_and_host_flask_run_serves_on(no_base_url, tmp_path):
    no_base_url.setenv("FLASK_RUN_PORT", "5055")
    assert defaults(str(tmp_path))["HTPM_BASE_URL"] == "http://127.0.0.1:5055"
    no_base_url.setenv("FLASK_RUN_HOST", "localhost")
    assert defaults(str(tmp_path))["HTPM_BASE_URL"] == "http://localhost:5055"
    no_base_url.setenv("FLASK_RUN_HOST", "0.0.0.0")  # every interface: link to loopback
    assert defaults(str(tmp_path))["HTPM_BASE_URL"] == "http://127.0.0.1:5055"


def test_an_explicit_base_url_wins(no_base_url):
    no_base_url.setenv("FLASK_RUN_PORT", "5055")
    no_base_url.setenv("HTPM_BASE_URL", "https://events.example.org")
    assert from_environment()["HTPM_BASE_URL"] == "https://events.example.org"
