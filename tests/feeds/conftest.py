"""Feed test helpers: events placed in the coming January (so that they sit inside the
default 30-days-back window whatever day the suite runs), and feed fetching."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from htpm_events.feeds import cache
from htpm_events.timeutil import next_htpm_year, now_utc


@pytest.fixture(autouse=True)
def _fresh_worker_memory():
    """Each test starts like a new worker: nothing kept in this process's memory."""
    cache.forget_memory()
    yield
    cache.forget_memory()


@pytest.fixture
def year() -> int:
    """The coming (or current) January's year."""
    return next_htpm_year(now_utc().date())


@pytest.fixture
def jan(year):
    """``jan(14)`` is January 14 of the coming HTPM month."""
    return lambda day: date(year, 1, day)


@pytest.fixture
def days_from_today():
    return lambda n: now_utc().date() + timedelta(days=n)


@pytest.fixture
def january_event(make_event, jan):
    """``january_event(day=14, **fields)``: an approved event on that January day."""

    def build(day: int = 14, status: str = "approved", **fields):
        fields.setdefault("start_date", jan(day))
        fields.setdefault("end_date", fields["start_date"])
        return make_event(status=status, **fields)

    return build


@pytest.fixture
def feed(client):
    """``feed("level=federal")``: the body of /feeds/events.ics with that query (200 only)."""

    def get(query: str = "") -> bytes:
        response = client.get("/feeds/events.ics" + (f"?{query}" if query else ""))
        assert response.status_code == 200, response.data
        return response.data

    return get
