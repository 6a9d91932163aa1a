"""Operations on events and organizations. They flush, never commit: the caller commits."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from babel.dates import format_date, format_time, get_timezone_name
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..extensions import db
from ..i18n import current_locale
from ..text import name_key, slugify
from ..timeutil import localize, now_utc, to_zone
from . import signals
from .models import DataVersion, Event, EventCohost, EventTag, Flyer, KeyDate, Organization
from .occurrences import build_rrule, local_bounds, series_end

#: Form fields copied onto the event as they are (after validation).
PLAIN_FIELDS = (
    "title", "description", "level", "state", "format", "event_type", "timezone",
    "start_date", "start_time", "end_date", "end_time", "all_day", "recurrence",
    "recurrence_until", "recurrence_count", "venue_name", "address", "city", "postal_code",
    "online_url", "registration_mode", "registration_url", "capacity", "cost", "ce_credits",
    "contact_name", "contact_email",
)  # fmt: skip

TAG_FIELDS = {
    "topics": "topic",
    "audiences": "audience",
    "accessibility": "access",
    "languages": "lang",
}


def find_or_create_organization(
    name: str, level: str | None = None, state: str | None = None
) -> Organization:
    """The organization whose name matches ``name`` however it is cased or punctuated."""
    key = name_key(name) or name.strip().lower()
    org = db.session.scalar(sa.select(Organization).where(Organization.name_key == key))
    if org is None:
        org = Organization(
            name=name.strip(), name_key=key, slug=unique_org_slug(name), level=level, state=state
        )
        db.session.add(org)
        db.session.flush()
    return org


def unique_org_slug(name: str) -> str:
    base = slugify(name, 200)
    slug, n = base, 1
    while (
        db.session.scalar(sa.select(Organization.id).where(Organization.slug == slug)) is not None
    ):
        n += 1
        slug = f"{base}-{n}"
    return slug


def apply_data(event: Event, data: dict) -> None:
    """Set an event's fields from validated form data (SPEC §2 names) and derive the rest."""
    for name in PLAIN_FIELDS:
        if name in data:
            value = data[name]
            setattr(event, name, value if value != "" else None)
    event.all_day = bool(data.get("all_day"))
    event.recurrence = data.get("recurrence") or "none"
    event.registration_mode = data.get("registration_mode") or "none"
    event.description = data.get("description") or ""
    # An imported event may have no contact (SPEC §6): stored as empty, never NULL.
    event.contact_name = event.contact_name or ""
    event.contact_email = event.contact_email or ""
    if event.format == "on-demand":
        event.start_time = event.end_time = None
        event.all_day = False
        event.recurrence, event.recurrence_until, event.recurrence_count = "none", None, None
    elif event.all_day:
        event.start_time = event.end_time = None
    if event.end_date is None and event.format != "on-demand":
        event.end_date = event.start_date
    if event.recurrence == "none":
        event.recurrence_until = event.recurrence_count = None
    if event.recurrence == "custom":
        # An imported series, kept as its source states it (SPEC §6).
        event.recurrence_until = event.recurrence_count = None
        if "rrule" in data:
            event.rrule = data.get("rrule") or None
            event.rdates = data.get("rdates") or None
            event.exdates = data.get("exdates") or None
    else:
        event.rdates = event.exdates = None
    if event.registration_mode != "hub":
        event.capacity = None
    if event.registration_mode == "none":
        event.registration_url = None
    deadline = data.get("registration_deadline")
    event.registration_deadline = (
        localize(deadline.date(), deadline.time(), event.timezone).astimezone(UTC)
        if deadline
        else None
    )
    if data.get("organization"):
        event.organization = find_or_create_organization(
            data["organization"], data.get("level"), data.get("state")
        )
    for field, kind in TAG_FIELDS.items():
        if field in data:
            event.set_tags(kind, data[field] or ([] if kind != "lang" else ["en"]))
    compute_instants(event)


def compute_instants(event: Event) -> None:
    """Derive the UTC columns and the RRULE from the local fields."""
    if event.recurrence != "custom":
        event.rrule = build_rrule(
            event.recurrence,
            event.recurrence_until,
            event.recurrence_count,
            event.timezone,
            event.start_time,
            event.all_day or event.start_time is None,
        )
    start, end = local_bounds(event)
    event.starts_at = start.astimezone(UTC)
    event.ends_at = end.astimezone(UTC)
    event.series_ends_at = series_end(event)


def form_data(event: Event) -> dict:
    """The event as form data (SPEC §2 names): for edit forms and held revisions."""
    data = {name: getattr(event, name) for name in PLAIN_FIELDS}
    data["organization"] = event.organization.name if event.organization else ""
    for field, kind in TAG_FIELDS.items():
        data[field] = event.tag_values(kind)
    data["registration_deadline"] = local_deadline(event)
    return data


def local_deadline(event: Event) -> datetime | None:
    """The registration deadline as a naive local date-time in the event's zone."""
    if event.registration_deadline is None:
        return None
    from ..timeutil import to_zone

    return to_zone(event.registration_deadline, event.timezone).replace(tzinfo=None)


def manage_token(event: Event) -> str:
    """The submitter's private manage token for ``event``.

    Derived from the app's secret and the event's UID (HMAC-SHA256) so that e-mails sent
    later (a moderator's decision) can carry the link again; the database keeps only its
    SHA-256 (``manage_token_hash``), so a copy of the database reveals no manage link.
    Rotating SECRET_KEY invalidates every manage link."""
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, f"manage:{event.uid}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue_manage_token(event: Event) -> str:
    """Give the event its manage token (the event needs its ``uid``); returns the token."""
    if not event.uid:
        event.uid = f"{uuid.uuid4()}@htpm-events"
    token = manage_token(event)
    event.manage_token_hash = hash_token(token)
    return token


def event_for_token(token: str) -> Event | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(sa.select(Event).where(Event.manage_token_hash == hash_token(token)))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def revision_payload(data: dict) -> dict:
    """Validated form data as JSON for :class:`EventRevision`: values as the form posts them."""
    out = {}
    for key, value in data.items():
        if key in ("csrf_token", "flyer", "website", "submit"):
            continue
        if isinstance(value, datetime):
            value = value.strftime("%Y-%m-%dT%H:%M")
        elif hasattr(value, "isoformat"):
            value = (
                value.isoformat(timespec="minutes") if hasattr(value, "hour") else value.isoformat()
            )
        elif isinstance(value, bool):
            value = "y" if value else ""
        elif value is None:
            value = ""
        out[key] = value
    return out


def revision_data(payload: dict) -> dict:
    """A held revision's payload back to validated form data (raises ValueError if it no
    longer validates, e.g. after a vocabulary change)."""
    from werkzeug.datastructures import MultiDict

    from .forms import EventForm

    if payload.get("_import"):
        return imported_revision_data(payload)
    formdata = MultiDict()
    for key, value in payload.items():
        for item in value if isinstance(value, list) else [value]:
            if item not in ("", None):
                formdata.add(key, str(item))
    form = EventForm(formdata=formdata, meta={"csrf": False})
    if not form.validate():
        raise ValueError(f"the held change no longer validates: {form.errors}")
    return form.data


def imported_revision_data(payload: dict) -> dict:
    """A held change from an .ics source back to field values. Imported events are mapped,
    not typed into the form (a series keeps its own RRULE), so the form does not check them."""
    from datetime import date, time

    data: dict = {}
    for key, value in payload.items():
        if key == "_import":
            continue
        if value == "":
            value = None
        if value is not None and key in ("start_date", "end_date", "recurrence_until"):
            value = date.fromisoformat(value)
        elif value is not None and key in ("start_time", "end_time"):
            value = time.fromisoformat(value)
        elif key == "all_day":
            value = bool(value)
        elif key == "registration_deadline" and value is not None:
            value = datetime.strptime(value, "%Y-%m-%dT%H:%M")
        data[key] = value
    return data


def publish(event: Event, *, bump_sequence: bool = False) -> None:
    """Make an event public (approved) and tell every feed cache."""
    now = now_utc()
    if event.published is None:
        event.published = now
    elif bump_sequence:
        event.sequence += 1
    event.status = "approved"
    event.cancelled_at = None
    event.updated = now
    bump_data_version()
    signals.published.send(event)


def cancel(event: Event) -> None:
    """Cancel an event; a published one stays in feeds as STATUS:CANCELLED."""
    was_public = event.status == "approved"
    event.status = "cancelled"
    event.cancelled_at = event.updated = now_utc()
    if was_public:
        event.sequence += 1
        bump_data_version()
    signals.cancelled.send(event)


def bump_data_version() -> None:
    """Advance the counter that feed caches are keyed by (one row, updated atomically)."""
    _advance(db.session.connection())


def _advance(connection) -> None:
    now = now_utc()
    updated = connection.execute(
        sa.update(DataVersion)
        .where(DataVersion.id == 1)
        .values(version=DataVersion.version + 1, changed=now)
    )
    if updated.rowcount == 0:  # a schema made without the migrations' first row
        connection.execute(sa.insert(DataVersion).values(id=1, version=1, changed=now))


#: What public pages, feeds and the API show besides events themselves.
SHOWN_WITH_EVENTS = (EventTag, EventCohost, Flyer)


def _public(event: Event | None) -> bool:
    """Listed now, or was before this change (a published event made pending again)."""
    if event is None:
        return False
    if event.published is not None or event.status == "approved":
        return True
    history = sa.inspect(event).attrs.status.history
    return "approved" in (history.deleted or ())


def _shows_publicly(session: Session, obj) -> bool:
    if isinstance(obj, (Organization, KeyDate)):
        return True
    if isinstance(obj, Event):
        return _public(obj)
    if isinstance(obj, SHOWN_WITH_EVENTS):
        event = obj.event if "event" in obj.__dict__ else session.get(Event, obj.event_id)
        return _public(event)
    return False


@sa.event.listens_for(Session, "after_flush")
def _advance_on_public_change(session: Session, flush_context) -> None:
    """Any ORM change to something the public sees advances ``data_version`` in the same
    transaction, so that no code path (a moderator's tool, a shell, a test) can leave the
    feeds, the cached pages or the API's counts showing the old state. The services still
    call :func:`bump_data_version` where they change things with bulk statements."""
    dirty = [obj for obj in session.dirty if session.is_modified(obj, include_collections=False)]
    for obj in (*session.new, *dirty, *session.deleted):
        if _shows_publicly(session, obj):
            _advance(session.connection())
            return


def data_version() -> int:
    return db.session.scalar(sa.select(DataVersion.version).where(DataVersion.id == 1)) or 0


def local_start(event: Event) -> datetime:
    return local_bounds(event)[0]


def event_time_label(
    event: Event, start: datetime | None = None, end: datetime | None = None
) -> str:
    """ "Tue Jan 13 2026, 1:00–2:00 PM PT"-style text for one occurrence (default: the first);
    in Spanish "martes, 13 de enero de 2026, 13:00–14:00 (hora del Pacífico)"."""
    if start is None or end is None:
        start, end = local_bounds(event)
    if event.format == "on-demand":
        if event.end_date:
            return _("Available %(first)s – %(last)s", first=day_label(start.date()),
                     last=day_label(event.end_date))  # fmt: skip
        return _("Available from %(first)s", first=day_label(start.date()))
    if event.all_day or event.start_time is None:
        last = (end - timedelta(days=1)).date()
        if last <= start.date():
            return _("%(day)s, all day", day=day_label(start.date()))
        return _("%(first)s – %(last)s, all day", first=day_label(start.date()),
                 last=day_label(last))  # fmt: skip
    abbr = short_zone(event.timezone, start)
    if start.date() == end.date():
        return f"{day_label(start.date())}, {clock(start, end)} {abbr}"
    return (
        f"{day_label(start.date())}, {clock(start)} – {day_label(end.date())}, {clock(end)} {abbr}"
    )


def english() -> bool:
    return current_locale() == "en"


def day_label(day) -> str:
    if not english():
        return format_date(day, "full", locale=current_locale())
    return f"{day:%a %b} {day.day} {day.year}"


def clock(start: datetime, end: datetime | None = None) -> str:
    """1:00–2:00 PM, 11:30 AM–1:00 PM, 9:00 AM (in Spanish 13:00–14:00, 9:00)."""
    if not english():
        text = format_time(start, "H:mm", locale=current_locale())
        if end is None:
            return text
        return f"{text}–{format_time(end, 'H:mm', locale=current_locale())}"

    def fmt(t: datetime, with_ampm: bool = True) -> str:
        text = f"{t.hour % 12 or 12}:{t.minute:02d}"
        return f"{text} {'AM' if t.hour < 12 else 'PM'}" if with_ampm else text

    if end is None:
        return fmt(start)
    same_half = (start.hour < 12) == (end.hour < 12)
    return f"{fmt(start, not same_half)}–{fmt(end)}"


#: The US zones' everyday names, as people read them in listings.
SHORT_ZONES = {
    "America/New_York": "ET", "America/Detroit": "ET", "America/Indiana/Indianapolis": "ET",
    "America/Kentucky/Louisville": "ET", "America/Chicago": "CT", "America/Denver": "MT",
    "America/Boise": "MT", "America/Phoenix": "MST", "America/Los_Angeles": "PT",
    "America/Anchorage": "AKT", "Pacific/Honolulu": "HT",
}  # fmt: skip


def short_zone(tzname: str, when: datetime) -> str:
    """ "PT" in English; "(hora del Pacífico)" in Spanish (CLDR's generic zone names)."""
    if not english():
        name = get_timezone_name(when, "long", locale=current_locale(), zone_variant="generic")
        return f"({name})"
    return SHORT_ZONES.get(tzname) or when.strftime("%Z")


def deadline_label(event: Event) -> str | None:
    """The registration deadline as people read it: the event's local time and zone
    ("Sun Jan 10 2027, 5:00 PM ET"), on every page that shows it."""
    if event.registration_deadline is None:
        return None
    local = to_zone(event.registration_deadline, event.timezone)
    return f"{day_label(local.date())}, {clock(local)} {short_zone(event.timezone, local)}"
