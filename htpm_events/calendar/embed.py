"""GET /embed/events: a compact list for partner sites' iframes (the same §4 filters).

The only pages that may be framed (``web.security_headers`` sends ``frame-ancestors *`` for
``/embed/``). Links open in a new tab so that a visitor never browses the hub inside
someone else's page."""

from __future__ import annotations

from flask import render_template

from ..events.queries import Window, agenda, on_demand
from ..timeutil import now_utc
from . import links
from .common import int_arg, parse_filter

ON_DEMAND_LIMIT = 5


def events():
    event_filter = parse_filter()
    limit = int_arg("limit", 10, 1, 50)
    window = Window.of(event_filter, now_utc())
    result = agenda(event_filter, window, 1, limit)
    on_demand_items, _ = on_demand(event_filter, window, 1, ON_DEMAND_LIMIT)
    query = event_filter.query_string()
    return render_template(
        "embed/events.html",
        days=result.days,
        on_demand=on_demand_items,
        has_more=result.has_next,
        list_url=links.absolute("/events" + ("?" + query if query else "")),
        subscribe=links.subscribe_links(event_filter),
        event_url=links.event_url,
    )
