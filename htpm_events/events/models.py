"""Organizations and events: the heart of the data model (SPEC §2)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..text import markdown_to_text


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Display name as the organization writes it.
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Lower-cased, punctuation-free name: one organization, one row, however it is typed.
    name_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: URL slug, used by the ``org`` filter.
    slug: Mapped[str] = mapped_column(sa.String(220), unique=True)
    #: Default level (SPEC §2 vocabulary) for its events.
    level: Mapped[str | None] = mapped_column(sa.String(20))
    #: Default USPS state code.
    state: Mapped[str | None] = mapped_column(sa.String(2))
    #: Trusted organizations' submissions publish without moderation.
    trusted: Mapped[bool] = mapped_column(default=False)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    events: Mapped[list[Event]] = relationship(back_populates="organization")

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name!r}>"


class Event(db.Model):
    """One event. Local wall-clock fields plus the IANA zone are the truth; the UTC
    columns ``starts_at``/``ends_at``/``series_ends_at`` are derived from them (see
    :func:`htpm_events.events.services.compute_instants`) so that queries can use indexes."""

    __tablename__ = "events"
    __table_args__ = (
        sa.Index("ix_events_status_starts_at", "status", "starts_at"),
        #: The agenda's order: local first day, then instant.
        sa.Index("ix_events_status_start_date", "status", "start_date", "starts_at", "id"),
        sa.Index("ix_events_status_series_ends_at", "status", "series_ends_at"),
        #: The "On demand" section's order.
        sa.Index("ix_events_format_status_starts_at", "format", "status", "starts_at", "id"),
        sa.Index("ix_events_level", "level"),
        sa.Index("ix_events_state", "state"),
        sa.Index("ix_events_format", "format"),
        sa.Index("ix_events_organization_id", "organization_id"),
        sa.Index("ix_events_published", "published"),
        sa.Index("ix_events_updated", "updated"),
        #: Possible duplicates by registration link (an import asks for a batch's links).
        sa.Index("ix_events_registration_url_lower", sa.text("lower(registration_url)")),
        sa.UniqueConstraint(
            "import_source_id", "external_uid", name="uq_events_source_external_uid"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: iCal UID, stable forever.
    uid: Mapped[str] = mapped_column(
        sa.String(255), unique=True, default=lambda: f"{uuid.uuid4()}@htpm-events"
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    #: Markdown as submitted; sanitized only when rendered.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: The description as plain text (what feeds, calendar links and JSON-LD show), kept
    #: with it whenever it is set (see :func:`keep_description_text`).
    description_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    #: federal, state, tribal, territorial, local or community.
    level: Mapped[str] = mapped_column(sa.String(20))
    #: USPS code; None for national or online-only events.
    state: Mapped[str | None] = mapped_column(sa.String(2))
    #: in-person, virtual, hybrid or on-demand.
    format: Mapped[str] = mapped_column(sa.String(20))
    event_type: Mapped[str] = mapped_column(sa.String(30))

    #: IANA zone the local fields are in.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="America/New_York")
    #: Local first day (on-demand: the availability window opens).
    start_date: Mapped[date] = mapped_column(sa.Date)
    #: Local start time; None for all-day and on-demand.
    start_time: Mapped[time | None] = mapped_column(sa.Time)
    #: Local last day, inclusive (None: same as start_date; on-demand: open-ended).
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    #: Local end time; None for all-day and on-demand.
    end_time: Mapped[time | None] = mapped_column(sa.Time)
    all_day: Mapped[bool] = mapped_column(default=False)
    #: First occurrence's start, UTC (derived).
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: First occurrence's end, UTC, exclusive (derived).
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: End of the last occurrence, UTC (derived); None for an open-ended on-demand item.
    series_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    #: none, daily, weekly or monthly; custom for an imported series whose RRULE, RDATE and
    #: EXDATE are kept exactly as the source states them.
    recurrence: Mapped[str] = mapped_column(sa.String(10), default="none")
    recurrence_until: Mapped[date | None] = mapped_column(sa.Date)
    recurrence_count: Mapped[int | None]
    #: RFC 5545 RRULE value (without "RRULE:"), derived from the three fields above.
    rrule: Mapped[str | None] = mapped_column(sa.String(255))
    #: Imported series: extra starts (RDATE), space-separated local "YYYYMMDDTHHMMSS" or
    #: "YYYYMMDD" in ``timezone``.
    rdates: Mapped[str | None] = mapped_column(sa.Text)
    #: Imported series: excluded starts (EXDATE, and overridden occurrences), same format.
    exdates: Mapped[str | None] = mapped_column(sa.Text)

    venue_name: Mapped[str | None] = mapped_column(sa.String(200))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    postal_code: Mapped[str | None] = mapped_column(sa.String(10))
    #: Join link (http/https).
    online_url: Mapped[str | None] = mapped_column(sa.String(2000))

    #: external, hub or none.
    registration_mode: Mapped[str] = mapped_column(sa.String(10), default="none")
    registration_url: Mapped[str | None] = mapped_column(sa.String(2000))
    #: Deadline instant, UTC (entered as local time in ``timezone``).
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Seats for hub registration.
    capacity: Mapped[int | None]
    #: Free text; empty means free.
    cost: Mapped[str | None] = mapped_column(sa.String(200))
    ce_credits: Mapped[str | None] = mapped_column(sa.String(200))

    #: Never public, never in feeds.
    contact_name: Mapped[str] = mapped_column(sa.String(200))
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    #: The interface language the contact used (``en``, ``es``): their e-mails are in it.
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    #: When the contact opened the manage link from the e-mail (confirms the address; counts
    #: for trusted e-mail domains).
    contact_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    #: pending, approved, rejected, changes-requested or cancelled.
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    #: iCal SEQUENCE: +1 on every published change.
    sequence: Mapped[int] = mapped_column(default=0)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Last change of any kind.
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: First publication.
    published: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The moderator's last reason (rejection or requested changes), shown to the submitter.
    moderation_reason: Mapped[str | None] = mapped_column(sa.Text)
    featured: Mapped[bool] = mapped_column(default=False)

    #: form, csv, ics or api.
    source: Mapped[str] = mapped_column(sa.String(10), default="form")
    import_source_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_sources.id"))
    #: The UID the event has in its import source ("UID#RECURRENCE-ID" for an overridden
    #: occurrence).
    external_uid: Mapped[str | None] = mapped_column(sa.String(500))
    #: SHA-256 of the fields as last imported: tells an unchanged source event from a changed
    #: one, and a moderator's hand edit (the event no longer matches it) from neither.
    import_hash: Mapped[str | None] = mapped_column(sa.String(64))
    #: SHA-256 of the event as that import left it: when the event no longer matches, a
    #: moderator edited it by hand and a later change at the source is held, not applied.
    import_state_hash: Mapped[str | None] = mapped_column(sa.String(64))
    #: SHA-256 of the submitter's private manage token; the token itself is never stored.
    manage_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: Set when a moderator merged this duplicate into another event.
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id"))

    organization: Mapped[Organization] = relationship(back_populates="events")
    tags: Mapped[list[EventTag]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventTag.position"
    )
    #: Only the ``lang`` tags, for lists that show "In Spanish" (read-only; see languages).
    language_tags: Mapped[list[EventTag]] = relationship(
        primaryjoin="and_(Event.id == EventTag.event_id, EventTag.kind == 'lang')",
        order_by="EventTag.position",
        viewonly=True,
    )
    cohosts: Mapped[list[EventCohost]] = relationship(
        back_populates="event", cascade="all, delete-orphan", foreign_keys="EventCohost.event_id"
    )
    flyer: Mapped[Flyer | None] = relationship(
        back_populates="event", cascade="all, delete-orphan", uselist=False
    )
    revisions: Mapped[list[EventRevision]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventRevision.id"
    )

    def tag_values(self, kind: str) -> list[str]:
        return [t.value for t in self.tags if t.kind == kind]

    def set_tags(self, kind: str, values) -> None:
        keep = [t for t in self.tags if t.kind != kind]
        new = [
            EventTag(kind=kind, value=v, position=i) for i, v in enumerate(dict.fromkeys(values))
        ]
        self.tags = keep + new

    @property
    def topics(self) -> list[str]:
        return self.tag_values("topic")

    @property
    def audiences(self) -> list[str]:
        return self.tag_values("audience")

    @property
    def accessibility(self) -> list[str]:
        return self.tag_values("access")

    @property
    def languages(self) -> list[str]:
        if "tags" not in self.__dict__ and "language_tags" in self.__dict__:
            return [t.value for t in self.language_tags]  # loaded alone by a list's query
        return self.tag_values("lang")

    @property
    def is_on_demand(self) -> bool:
        return self.format == "on-demand"

    @property
    def is_public(self) -> bool:
        return self.status == "approved" or (
            self.status == "cancelled" and self.published is not None
        )

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r} {self.status}>"


@sa.event.listens_for(Event.description, "set")
def keep_description_text(event: Event, value, previous, _initiator) -> None:
    """Store the plain text with the Markdown, every time it is set (forms, moderators'
    edits, imports, merges): converting it is most of a cold feed's time otherwise."""
    if value != previous:
        event.description_text = markdown_to_text(value or "")


class EventOccurrence(db.Model):
    """One local day that one occurrence of a public, dated event covers: the lists and the
    month grid page through these rows on an index instead of expanding series per request.

    A one-day occurrence has one row (``day == start_date``); an exhibit from Jan 7 to
    Jan 31 has 25. Kept by :func:`htpm_events.events.occurrence_rows.store_occurrences`
    for approved events and published cancelled ones; pending, rejected and on-demand
    events have none."""

    __tablename__ = "event_occurrences"
    __table_args__ = (
        #: The lists' order (day listed under, instant, event), and the grid's per-day count
        #: without reading the events table.
        sa.Index(
            "ix_event_occurrences_day",
            "day",
            "starts_at",
            "event_id",
            "first_day",
            "listed_until",
            "ends_at",
            "start_date",
        ),
    )

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    #: The occurrence's start, UTC.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    #: A local day (in the event's zone) the occurrence covers.
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    #: The occurrence's exclusive end, UTC.
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The local day the occurrence starts on.
    start_date: Mapped[date] = mapped_column(sa.Date)
    #: ``day == start_date``: the row the lists show the occurrence under (unless it began
    #: before the window). A column, not the comparison, so that PostgreSQL estimates it.
    first_day: Mapped[bool] = mapped_column(default=True)
    #: A cancelled event is listed until its series has ended (its ``series_ends_at``);
    #: None for an approved one.
    listed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventTag(db.Model):
    """One value of a multi-valued field: kind is topic, audience, access or lang."""

    __tablename__ = "event_tags"
    __table_args__ = (sa.Index("ix_event_tags_kind_value", "kind", "value", "event_id"),)

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    #: Order the submitter gave.
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="tags")


class EventCohost(db.Model):
    """A co-hosting organization credited on a merged listing, with its own registration link."""

    __tablename__ = "event_cohosts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    registration_url: Mapped[str | None] = mapped_column(sa.String(2000))
    #: The duplicate listing this credit came from.
    merged_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id"))

    event: Mapped[Event] = relationship(back_populates="cohosts", foreign_keys=[event_id])
    organization: Mapped[Organization] = relationship()


class Flyer(db.Model):
    """The uploaded flyer, kept in the database so that every host serves it."""

    __tablename__ = "flyers"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), unique=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255))
    #: application/pdf, image/png or image/jpeg, as detected from the content.
    content_type: Mapped[str] = mapped_column(sa.String(50))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    uploaded: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="flyer")


class EventRevision(db.Model):
    """A change to a published event, held for moderation while the published version stays live."""

    __tablename__ = "event_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    #: The submitted field values (SPEC §2 names), as the form would post them.
    data: Mapped[dict] = mapped_column(sa.JSON)
    #: pending, applied or rejected.
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    #: form, csv, ics or api.
    source: Mapped[str] = mapped_column(sa.String(10), default="form")
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="revisions")


class KeyDate(db.Model):
    """A day or week of the month's campaign (Jan 11, the focus weeks), kept as data per year."""

    __tablename__ = "key_dates"
    __table_args__ = (sa.Index("ix_key_dates_start_date", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: day (a single date, such as Jan 11) or focus-week.
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date] = mapped_column(sa.Date)
    #: SPEC §2 topic this week is about, if any.
    topic: Mapped[str | None] = mapped_column(sa.String(40))
    description: Mapped[str | None] = mapped_column(sa.Text)


class DataVersion(db.Model):
    """A single row whose counter advances on every change the public can see.

    Feed caches are keyed by it, so every worker and host sees a change at once."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    changed: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
