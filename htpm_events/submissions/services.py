"""Submitting and managing an event without an account. Functions flush, never commit:
the view commits once, and e-mail goes out only after the commit."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User
from ..events.forms import EVENT_FIELDS
from ..events.models import Event, EventRevision, Flyer, Organization
from ..events.services import (
    apply_data,
    cancel,
    issue_manage_token,
    manage_token,
    publish,
    revision_payload,
)
from ..events.services import form_data as event_form_data
from ..extensions import db
from ..i18n import current_locale
from ..links import absolute
from ..moderation.models import AuditEntry, TrustedDomain
from ..moderation.trust import PUBLIC_MAIL_DOMAINS
from ..registration.models import Registration
from ..text import name_key
from ..timeutil import now_utc
from .forms import Upload

EDITABLE_STATUSES = ("pending", "changes-requested", "approved")


def org_key(name: str) -> str:
    """The key :func:`find_or_create_organization` files an organization name under."""
    return name_key(name) or name.strip().lower()


def event_fields(data: dict) -> dict:
    return {name: data[name] for name in EVENT_FIELDS if name in data}


def audit(event: Event, action: str, **details) -> None:
    db.session.add(
        AuditEntry(
            actor="submitter" if action != "auto-publish" else "system",
            action=action,
            event=event,
            organization_id=event.organization_id,
            details=details or None,
        )
    )


def submit_event(data: dict, upload: Upload | None) -> tuple[Event, str]:
    """Save a submission as pending; returns the event and its manage token."""
    event = Event(status="pending", source="form", locale=current_locale())
    apply_data(event, event_fields(data))
    token = issue_manage_token(event)
    db.session.add(event)
    if upload is not None:
        store_flyer(event, upload)
    db.session.flush()
    audit(event, "submit")
    db.session.flush()
    return event, token


def preview_event(data: dict) -> Event:
    """A transient event built from form data, for the preview: nothing joins the session."""
    event = Event(status="pending", source="form", sequence=0)
    fields = event_fields(data)
    name = fields.pop("organization", "") or ""
    apply_data(event, fields)
    event.organization = Organization(name=name, name_key="", slug="")
    return event


def store_flyer(event: Event, upload: Upload) -> None:
    """Attach or replace the event's flyer (one row per event, updated in place)."""
    flyer = event.flyer
    if flyer is None:
        flyer = Flyer()
        event.flyer = flyer
    flyer.filename = upload.filename
    flyer.content_type = upload.content_type
    flyer.size = upload.size
    flyer.data = upload.data
    flyer.uploaded = now_utc()


# --- trust -------------------------------------------------------------------------------


def email_domain(address: str) -> str:
    return (address or "").rpartition("@")[2].strip().lower()


def is_trusted(event: Event) -> bool:
    """Whether this submission may skip the moderation queue.

    Anyone can type any organization's name or any e-mail address into the public form, so
    trust needs the contact address to be confirmed (``contact_confirmed_at``, set when the
    link e-mailed to it is opened). A confirmed address is trusted when its domain is a
    :class:`TrustedDomain`, or when the organization is trusted and a moderator has already
    seen this contact for it: one of its published events has the same address or, outside
    public mail services, the same domain."""
    if event.contact_confirmed_at is None or not event.contact_email:
        return False
    address = event.contact_email.strip().lower()
    domain = email_domain(address)
    if domain and db.session.scalar(
        sa.select(TrustedDomain.id).where(sa.func.lower(TrustedDomain.domain) == domain)
    ):
        return True
    organization = event.organization
    if organization is None or not organization.trusted:
        return False
    contact = sa.func.lower(Event.contact_email)
    same = (
        contact == address
        if domain in PUBLIC_MAIL_DOMAINS or not domain
        else contact.like("%@" + domain.replace("_", "\\_").replace("%", "\\%"), escape="\\")
    )
    known = db.session.scalar(
        sa.select(Event.id)
        .where(
            Event.organization_id == organization.id,
            Event.id != event.id,
            Event.published.is_not(None),
            same,
        )
        .limit(1)
    )
    return known is not None


def confirm_key(event: Event) -> str:
    """A second secret, only in the e-mailed link: opening it proves the address works."""
    secret = current_app.config["SECRET_KEY"].encode()
    message = f"confirm:{event.uid}:{(event.contact_email or '').lower()}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def confirm_contact(event: Event, key: str | None) -> bool:
    """Record that the contact opened the e-mailed link; a pending event that is then
    trusted is published. Returns whether the event was published now."""
    # Compared as bytes: compare_digest raises TypeError on a non-ASCII str (a 500).
    if not key or not hmac.compare_digest(key.encode(), confirm_key(event).encode()):
        return False
    if event.contact_confirmed_at is None:
        event.contact_confirmed_at = now_utc()
    if event.status == "pending" and is_trusted(event):
        publish(event)
        audit(event, "auto-publish", reason="trusted contact confirmed")
        db.session.flush()
        return True
    db.session.flush()
    return False


# --- editing and cancelling ----------------------------------------------------------------


def pending_revision(event: Event) -> EventRevision | None:
    return next((r for r in reversed(event.revisions) if r.status == "pending"), None)


def held_payload(data: dict, upload: Upload | None, remove_flyer: bool) -> dict:
    """The revision's JSON: the form values, plus a replaced flyer (base64) or its removal.
    Moderation applies the flyer part with :func:`apply_held_flyer`."""
    payload = revision_payload(event_fields(data))
    if upload is not None:
        payload["flyer_upload"] = {
            "filename": upload.filename,
            "content_type": upload.content_type,
            "data": base64.b64encode(upload.data).decode("ascii"),
        }
    elif remove_flyer:
        payload["flyer_remove"] = "y"
    return payload


def apply_held_flyer(event: Event, payload: dict) -> None:
    """Apply the flyer part of a held revision (for the moderator who approves it)."""
    held = payload.get("flyer_upload")
    if isinstance(held, dict):
        data = base64.b64decode(held["data"])
        store_flyer(event, Upload(held["filename"], held["content_type"], data))
    elif payload.get("flyer_remove"):
        event.flyer = None


def edit_event(event: Event, data: dict, upload: Upload | None, remove_flyer: bool) -> str:
    """Apply the submitter's edit. Returns what happened: ``updated`` (a pending event
    changed in place), ``resubmitted`` (changes-requested back to pending), ``held`` (an
    approved event's change waits for a moderator; the published version stays live) or
    ``published`` (a trusted submitter's change to an approved event, live at once)."""
    if event.status not in EDITABLE_STATUSES:
        raise ValueError(f"a {event.status} event cannot be edited")
    fields = event_fields(data)
    same_identity = (fields.get("contact_email") or "").lower() == (
        event.contact_email or ""
    ).lower() and org_key(fields.get("organization") or "") == event.organization.name_key
    if event.status == "approved" and not (same_identity and is_trusted(event)):
        revision = pending_revision(event)
        payload = held_payload(fields, upload, remove_flyer)
        if revision is not None and upload is None and not remove_flyer:
            for key in ("flyer_upload", "flyer_remove"):  # the waiting flyer change stays
                if key in revision.data:
                    payload[key] = revision.data[key]
        if revision is None:
            revision = EventRevision(event=event, data=payload, status="pending", source="form")
            db.session.add(revision)
        else:
            revision.data = payload  # the newest edit replaces the one still waiting
            revision.created = now_utc()
        audit(event, "edit", held=True)
        db.session.flush()
        return "held"

    was = event.status
    old_contact = (event.contact_email or "").lower()
    apply_data(event, fields)
    event.locale = current_locale()  # the contact's e-mails follow the language they now use
    if (event.contact_email or "").lower() != old_contact:
        event.contact_confirmed_at = None  # the new address has not been confirmed yet
    if upload is not None:
        store_flyer(event, upload)
    elif remove_flyer:
        event.flyer = None
    event.updated = now_utc()
    outcome = "updated"
    if was == "approved":
        publish(event, bump_sequence=True)
        audit(event, "edit", trusted=True)
        audit(event, "auto-publish", reason="change by a trusted, confirmed contact")
        outcome = "published"
    else:
        if was == "changes-requested":
            event.status = "pending"
            outcome = "resubmitted"
        audit(event, "edit")
    db.session.flush()
    return outcome


def edit_form_data(event: Event) -> dict:
    """What the edit form starts with: the change still waiting for review, if any, so the
    submitter edits their latest version; otherwise the event itself."""
    from ..events.services import revision_data

    revision = pending_revision(event)
    if revision is not None:
        try:
            return revision_data(event_fields(revision.data))
        except ValueError:
            pass
    return event_form_data(event)


def cancel_event(event: Event) -> None:
    """Cancel the event (a published one stays in feeds as cancelled); a change still
    waiting for review is withdrawn with it."""
    cancel(event)
    for revision in event.revisions:
        if revision.status == "pending":
            revision.status = "rejected"
            revision.decided = now_utc()
    audit(event, "cancel")
    db.session.flush()


def registration_counts(event: Event) -> dict[str, int]:
    """Registrations by status (cancelled ones left out); empty when there are none."""
    rows = db.session.execute(
        sa.select(Registration.status, sa.func.count())
        .where(Registration.event_id == event.id, Registration.status != "cancelled")
        .group_by(Registration.status)
    )
    return {status: count for status, count in rows}


# --- links and e-mail recipients -------------------------------------------------------------


def manage_url(event: Event, *, confirm: bool = False) -> str:
    """The private manage link; the e-mailed copy also carries the confirmation key."""
    query = "?" + urlencode({"confirm": confirm_key(event)}) if confirm else ""
    # Built without url_for: workers send these links outside any request.
    return absolute(f"/manage/{manage_token(event)}{query}")


def moderation_url(event: Event) -> str:
    return absolute(f"/moderate/events/{event.id}")


def moderator_addresses() -> list[str]:
    """Active moderator and admin accounts, plus MODERATOR_EMAILS (comma-separated)."""
    return [a for addresses in moderators_by_locale().values() for a in addresses]


def moderators_by_locale() -> dict[str, list[str]]:
    """The same addresses grouped by the language stored with each account, so that each
    moderator reads the hub's mail in their own language (MODERATOR_EMAILS: English)."""
    users = db.session.execute(
        sa.select(User.email, User.locale).where(
            User.active.is_(True), User.role.in_(("moderator", "admin"))
        )
    ).all()
    configured = str(current_app.config.get("MODERATOR_EMAILS") or "").split(",")
    found = [*users, *((a.strip(), None) for a in configured)]
    groups: dict[str, list[str]] = {}
    seen: set[str] = set()
    for address, locale in found:
        address = (address or "").lower()
        if "@" in address and address not in seen:
            seen.add(address)
            groups.setdefault(locale or "en", []).append(address)
    return groups
