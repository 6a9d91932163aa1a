import pytest
from flask import g


@pytest.fixture(autouse=True)
def fresh_login_per_request(request):
    """In a test, requests run inside the test's app context and so share ``g``, where
    Flask-Login keeps the logged-in user: forget it at the start of each request, as a
    production request (with its own app context) does."""
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        app.before_request(lambda: g.pop("_login_user", None) and None)
