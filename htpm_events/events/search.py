"""Full-text search over title, description and organization name.

This first version matches every word of the query as a case-insensitive substring;
the public-calendar work replaces it with SQLite FTS5 / PostgreSQL full-text search
behind this same function."""

import sqlalchemy as sa

from .models import Event, Organization


def search_condition(q: str):
    clauses = []
    for word in q.split()[:10]:
        pattern = f"%{word.lower().replace('%', '').replace('_', '')}%"
        clauses.append(
            sa.or_(
                sa.func.lower(Event.title).like(pattern),
                sa.func.lower(Event.description).like(pattern),
                Event.organization_id.in_(
                    sa.select(Organization.id).where(sa.func.lower(Organization.name).like(pattern))
                ),
            )
        )
    return sa.and_(*clauses)
