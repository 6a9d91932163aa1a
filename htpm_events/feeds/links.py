"""Feed subscription links for a filter (see :mod:`htpm_events.links`)."""

from __future__ import annotations

from ..events.filters import EventFilter
from ..links import FeedLinks
from ..links import feed_links as links_for_query


def feed_links(filt: EventFilter | str | None = None) -> FeedLinks:
    """The links for a filter (or an already normalized query string)."""
    query = filt.query_string() if isinstance(filt, EventFilter) else filt or ""
    return links_for_query(query)
