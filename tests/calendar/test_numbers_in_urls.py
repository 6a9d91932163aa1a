"""Numbers typed into URLs: an id beyond what a database column holds is an unknown id
(404), and a "number" that is not plain ASCII digits (²) is a bad value (400) — never a
500 from an overflow or from int()."""

from __future__ import annotations

import base64

import pytest

HUGE = "99999999999999999999"  # more than 2**63 - 1 (SQLite INTEGER)
OVER_INT4 = "2147483648"  # 2**31: more than a PostgreSQL integer id column holds
LONG = "9" * 5000  # more digits than int() converts by default


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "path",
    [
        f"/events/{HUGE}",
        f"/events/{HUGE}/some-slug",
        f"/events/{HUGE}.ics",
        f"/events/{HUGE}/register",
        f"/events/{HUGE}/flyer",
        f"/api/v1/events/{HUGE}",
        "/events/9223372036854775808",
        f"/events/{OVER_INT4}",
        f"/api/v1/events/{OVER_INT4}",
    ],
)
def test_an_id_too_large_for_the_database_is_a_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"/events?org={HUGE}",
        f"/api/v1/events?org={HUGE}",
        f"/feeds/events.ics?org={HUGE}",
        f"/events?org={OVER_INT4}",
        "/events?org=%C2%B2",
        "/events?page=%C2%B2",
        "/api/v1/events?page=%C2%B2",
        "/api/v1/events?per_page=%C2%B2",
        f"/events?page={LONG}",
        f"/events?org={LONG}",
        f"/api/v1/events?per_page={LONG}",
        "/api/v1/events?cursor=" + cursor(f"2031-01-06T15:00:00+00:00|{HUGE}"),
        "/api/v1/events?cursor=" + cursor("2031-01-06T15:00:00+00:00|²"),
    ],
)
def test_a_number_that_is_not_plain_digits_or_too_large_is_a_400(client, path):
    assert client.get(path).status_code == 400
