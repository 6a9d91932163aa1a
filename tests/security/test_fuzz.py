"""Odd input never answers 500 (SPEC §4: "never a 500"; §11): a matrix of every public
GET endpoint and query parameter × nasty values, the moderation pages, and the forms."""

from __future__ import annotations

import pytest

from ..submissions.helpers import form
from .helpers import status

LONG = "A" * 3000
#: Values as they appear in a query string (already percent-encoded where needed).
NASTY = [
    LONG,
    "%00",  # NUL: PostgreSQL refuses it in text
    "%ff",  # not UTF-8
    "%C0%AF",  # overlong UTF-8
    "%1b%5B31m",  # a control character
    "-1",
    "0",
    "99999999999999999999",  # beyond any integer column
    "%C2%B2",  # "²": str.isdigit() is true, int() fails
    "%D9%A3",  # an Arabic-Indic digit
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "2031-02-30",
    "..%2F..%2Fetc%2Fpasswd",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%22%27%3E%3C",
    "%E2%80%AE%F0%9F%92%A9",  # a bidi override and an emoji
    "%20",
    "a%2C%2Cb",
]
FILTER_PARAMS = [
    "q", "level", "state", "format", "event_type", "topic", "audience", "access", "lang",
    "org", "free", "open", "from", "to", "page", "per_page", "cursor", "limit",
]  # fmt: skip
FILTER_ENDPOINTS = [
    "/events",
    "/calendar/2031/1",
    "/embed/events",
    "/feeds",
    "/feeds/events.ics",
    "/feeds/events.atom",
    "/api/v1/events",
]
OTHER_ENDPOINTS = [
    "/",
    "/calendar",
    "/events/{id}",
    "/events/{id}/some-slug",
    "/events/{id}.ics",
    "/events/{id}/register",
    "/events/{id}/flyer",
    "/api/v1/events/{id}",
    "/submit",
    "/submit/thanks",
    "/submit/how",
    "/login",
    "/healthz",
    "/manage/{token}",
    "/manage/{token}/edit",
]
OTHER_PARAMS = ["q", "page", "from", "next", "confirm", "id"]


def crashes(client, path: str, params: list[str]) -> list[str]:
    found = []
    for param in params:
        for value in NASTY:
            query = f"{param}={value}"
            if status(client, "GET", path, query_string=query) >= 500:
                found.append(f"{path}?{query[:60]}")
    return found


@pytest.mark.parametrize("path", FILTER_ENDPOINTS)
def test_filter_endpoints_never_answer_500(prod, published, path):
    assert crashes(prod.test_client(), path, FILTER_PARAMS) == []


@pytest.mark.parametrize("path", OTHER_ENDPOINTS)
def test_other_public_endpoints_never_answer_500(prod, published, path):
    event, token = published
    path = path.format(id=event.id, token=token)
    assert crashes(prod.test_client(), path, OTHER_PARAMS) == []


@pytest.mark.parametrize(
    "query",
    [
        "page=1&page=x&page=99999999999999999999",
        "from=2031-01-01&from=0001-01-01&to=2031-01-31&to=9999-12-31",
        "org=1&org=%00&org=%C2%B2",
        "level=state&level=federal&level=state&state=ky&state=KY",
        "q=a&q=%00&q=" + LONG,
        "cursor=abc&cursor=&page=2",
    ],
)
def test_repeated_parameters_never_answer_500(prod, published, query):
    client = prod.test_client()
    failed = [p for p in FILTER_ENDPOINTS if status(client, "GET", p, query_string=query) >= 500]
    assert failed == []


@pytest.mark.parametrize(
    "path", [*FILTER_ENDPOINTS, "/calendar", "/login", "/submit", "/manage/{token}"]
)
def test_a_query_string_that_is_not_utf8_is_a_400(prod, published, path):
    """Raw bytes a WSGI server passes on as they came (latin-1 in the environ): werkzeug's
    ``request.args`` decodes them strictly."""
    path = path.format(token=published[1])
    response = prod.test_client().get(path, environ_overrides={"QUERY_STRING": "q=\xff\xfe"})
    assert response.status_code == 400
    assert "UTF-8" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("from=0001-01-01", "from="),
        ("to=9999-12-31", "to="),
        ("from=1000-01-01&to=1000-01-02", "from="),
        ("org=a%00b", "org"),
    ],
)
def test_dates_out_of_range_and_nul_in_org_are_a_400_naming_the_parameter(
    prod, published, query, word
):
    client = prod.test_client()
    for path in FILTER_ENDPOINTS:
        response = client.get(path, query_string=query)
        assert response.status_code == 400, path
        assert word in response.get_data(as_text=True), path


# --- moderation pages (a logged-in admin) ---------------------------------------------------

MODERATION_PARAMS = [
    "q", "level", "state", "source", "kind", "action", "actor", "event", "from", "to",
    "page", "into",
]  # fmt: skip
MODERATION_PAGES = [
    "/moderate",
    "/moderate/log",
    "/moderate/log.csv",
    "/moderate/organizations",
    "/moderate/auto-published",
    "/moderate/events/{id}",
    "/moderate/events/{id}/merge",
    "/moderate/domains",
    "/moderate/accounts",
]


@pytest.mark.parametrize("path", MODERATION_PAGES)
def test_moderation_pages_never_answer_500(prod, published, admin_of, path):
    client = admin_of(prod)
    path = path.format(id=published[0].id)
    assert crashes(client, path, MODERATION_PARAMS) == []


FORM_VALUES = [
    "A" * 30000,
    "\x00",
    "a\x00b",
    "\x1b",
    "\ufffd",
    "-1",
    "0",
    "99999999999999999999",
    "²",
    "0001-01-01",
    "9999-12-31T23:59",
    "../../etc/passwd",
    "<script>",
]


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("/moderate/events/{id}/decision", {"decision": "reject", "reason": "x", "revision": ""}),
        ("/moderate/bulk", {"items": "{id}", "decision": "reject", "reason": "x"}),
        ("/moderate/events/{id}/merge", {"into": "{id}", "reason": ""}),
        ("/moderate/events/{id}/cancel", {"reason": "x"}),
        ("/moderate/events/{id}/feature", {"on": "y"}),
        ("/moderate/organizations/{org}/trust", {"on": "y", "next": "/moderate"}),
        ("/moderate/domains", {"domain": "x.example.org"}),
        ("/moderate/accounts", {"email": "n@example.org", "role": "admin", "password": "p" * 12}),
        ("/moderate/accounts/1", {"action": "role", "role": "moderator"}),
        ("/moderate/events/{id}/edit", form()),
    ],
)
def test_moderation_forms_never_answer_500(prod, make_event, admin_of, url, base):
    client = admin_of(prod)
    event = make_event(status="pending")
    ids = {"id": str(event.id), "org": str(event.organization_id)}
    url = url.format(**ids)
    base = {k: v.format(**ids) if isinstance(v, str) else v for k, v in base.items()}
    failed = []
    for name in base:
        for value in FORM_VALUES:
            if status(client, "POST", url, data={**base, name: value}) >= 500:
                failed.append(f"{name}={value[:20]!r}")
    assert failed == []


# --- public forms -------------------------------------------------------------------------


def test_login_never_answers_500(prod, make_user):
    make_user("victim@example.org")
    client = prod.test_client()
    failed = []
    for value in FORM_VALUES:
        for data in ({"email": value, "password": value}, {"email": "victim@example.org"}):
            data.setdefault("password", value)
            if status(client, "POST", "/login", data=data) >= 500:
                failed.append(repr(data)[:60])
        if status(client, "POST", "/login", data={"email": "a@b.c", "password": "x"},
                  query_string={"next": value}) >= 500:  # fmt: skip
            failed.append(f"next={value[:20]!r}")
    raw = "email=%ff%00&password=%ff"
    if status(client, "POST", "/login", data=raw,
              content_type="application/x-www-form-urlencoded") >= 500:  # fmt: skip
        failed.append(raw)
    assert failed == []


def test_a_nul_in_the_login_e_mail_is_refused_at_the_field(prod, make_user):
    make_user("victim@example.org")
    response = prod.test_client().post(
        "/login", data={"email": "victim@example.org\x00", "password": "x"}
    )
    assert response.status_code == 400
    assert "control characters" in response.get_data(as_text=True)


SUBMIT_VALUES = [
    "A" * 30000,
    "a\x00b",
    "\x1b",
    "-1",
    "99999999999999999999",
    "²",
    "0000-01-01",
    "9999-12-31",
    "../../etc/passwd",
    "posix/America/New_York",
]


def test_submission_and_edit_forms_never_answer_500(prod, published):
    client = prod.test_client()
    token = published[1]
    fields = [*form(), "all_day", "flyer_previewed", "website", "remove_flyer"]
    failed = []
    for name in dict.fromkeys(fields):
        for value in SUBMIT_VALUES:
            data = {**form(), name: value}
            for url, extra in (
                ("/submit", {}),
                ("/submit", {"preview": "1"}),
                (f"/manage/{token}/edit", {}),
            ):
                if status(client, "POST", url, data={**data, **extra}) >= 500:
                    failed.append(f"{url} {name}={value[:20]!r}")
    assert failed == []


@pytest.mark.parametrize("key", ["²", "é", "\ufffd", "A" * 5000, "%00"])
def test_an_odd_confirmation_key_in_the_manage_link_is_ignored(prod, published, key):
    """The e-mailed link's ``confirm=`` key is compared in constant time; a non-ASCII key
    made ``hmac.compare_digest`` raise TypeError (a 500)."""
    response = prod.test_client().get(f"/manage/{published[1]}", query_string={"confirm": key})
    assert response.status_code == 303
