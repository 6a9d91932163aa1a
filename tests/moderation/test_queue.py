"""The queue: what waits, oldest first, with counts and filters."""

from datetime import timedelta

from htpm_events.extensions import db
from htpm_events.timeutil import now_utc


def test_the_queue_lists_pending_and_held_changes_oldest_first(mod_client, make_event, hold_change):
    make_event(status="pending", title="Newer Submission")
    older = make_event(status="pending", title="Older Submission")
    older.created = now_utc() - timedelta(days=2)
    published = make_event(status="approved", title="Published Event")
    hold_change(published, title="Published Event, New Time")
    make_event(status="approved", title="Nothing To Review")
    make_event(status="rejected", title="Already Rejected")
    db.session.commit()

    page = " ".join(mod_client.get("/moderate").get_data(as_text=True).split())

    assert "<strong>3</strong> waiting" in page
    assert "2 new submissions, 1 change to published events" in page
    assert page.index("Older Submission") < page.index("Newer Submission")
    assert page.index("Newer Submission") < page.index("Published Event")
    assert "Nothing To Review" not in page and "Already Rejected" not in page


def test_filters_narrow_the_queue(mod_client, make_event, hold_change):
    make_event(status="pending", title="Kentucky State Event", level="state", state="KY")
    make_event(status="pending", title="Federal Webinar", level="federal", state="")
    make_event(status="pending", title="CSV Import Row", source="csv", level="local", state="OH")
    published = make_event(status="approved", title="Published Thing")
    hold_change(published, title="Published Thing v2")

    def titles(query):
        page = mod_client.get(f"/moderate?{query}").get_data(as_text=True)
        return {t for t in ("Kentucky State", "Federal Webinar", "CSV Import", "Published Thing")
                if t in page}  # fmt: skip

    assert titles("level=federal") == {"Federal Webinar"}
    assert titles("state=KY") == {"Kentucky State", "Published Thing"}
    assert titles("source=csv") == {"CSV Import"}
    assert titles("kind=change") == {"Published Thing"}
    assert titles("kind=new&level=state") == {"Kentucky State"}


def test_an_unknown_filter_value_is_a_400_naming_it(mod_client):
    response = mod_client.get("/moderate?level=galactic")
    assert response.status_code == 400
    assert "galactic" in response.get_data(as_text=True)


def test_the_empty_queue_says_so(mod_client):
    page = mod_client.get("/moderate").get_data(as_text=True)
    assert "Nothing is waiting for a decision." in page


def test_the_review_page_shows_the_event_as_the_public_will_and_the_organizations_history(
    mod_client, make_event
):
    make_event(status="approved", title="Last Year's Training")
    make_event(status="rejected", title="A Rejected One")
    event = make_event(
        status="pending",
        title="Markdown Check",
        description="Join us for **bold** talk. <script>alert(1)</script>",
    )

    page = mod_client.get(f"/moderate/events/{event.id}").get_data(as_text=True)

    assert "<strong>bold</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert "Last Year&#39;s Training" in page and "A Rejected One" in page
    assert "Kentucky Coalition Against Trafficking" in page
    assert 'name="decision" value="approve"' in page
    assert "dana@example.org" in page  # the contact, for the moderator only


def count_queries(app, action) -> int:
    import sqlalchemy as sa

    from htpm_events.extensions import db as database

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = database.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_queue_costs_the_same_queries_for_3_items_or_12(
    app, mod_client, make_event, hold_change
):
    def add(n):
        for i in range(n):
            make_event(status="pending", title=f"Item {i} {n}", organization=f"Org {i} {n}")
            published = make_event(status="approved", title=f"Published {i} {n}")
            hold_change(published, title=f"Published {i} {n} changed")

    add(2)
    few = count_queries(app, lambda: mod_client.get("/moderate"))
    add(6)
    many = count_queries(app, lambda: mod_client.get("/moderate"))
    assert 0 < few == many
