"""Trust: organizations and import sources whose events skip the queue, and e-mail domains
whose confirmed contacts count as trusted. Flush, never commit."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _

from ..accounts.models import User
from ..events.models import Organization
from ..extensions import db
from ..importers.models import ImportSource
from .audit import record
from .models import TrustedDomain

DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

#: Domains anyone can get an address at: trusting one would trust everybody.
PUBLIC_MAIL_DOMAINS = {
    "gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "hotmail.com", "live.com",
    "msn.com", "aol.com", "icloud.com", "me.com", "mail.com", "proton.me", "protonmail.com",
    "gmx.com", "zoho.com", "yandex.com",
}  # fmt: skip


class TrustError(Exception):
    pass


def set_organization_trust(org: Organization, user: User, trusted: bool) -> str:
    if org.trusted != trusted:
        org.trusted = trusted
        record(user, "trust" if trusted else "untrust", organization=org)
        db.session.flush()
    if trusted:
        return _("%(name)s is trusted: its next submissions publish at once.", name=org.name)
    return _("%(name)s is no longer trusted: its submissions go to the queue.", name=org.name)


def set_source_trust(source: ImportSource, user: User, trusted: bool) -> str:
    if source.trusted != trusted:
        source.trusted = trusted
        record(
            user,
            "trust-source" if trusted else "untrust-source",
            details={"source_id": source.id, "url": source.url},
        )
        db.session.flush()
    if trusted:
        return _("Source #%(id)s is now trusted.", id=source.id)
    return _("Source #%(id)s is no longer trusted.", id=source.id)


def clean_domain(value: str) -> str:
    """``@Agency.State.gov`` → ``agency.state.gov``; raises :class:`TrustError` if not a domain."""
    domain = (value or "").strip().lower().lstrip("@").rstrip(".")
    if "@" in domain:
        domain = domain.rsplit("@", 1)[1]
    if not DOMAIN.match(domain):
        raise TrustError(_("Enter a domain such as agency.state.gov (no spaces, no https://)."))
    if domain in PUBLIC_MAIL_DOMAINS:
        raise TrustError(
            _("%(domain)s is a public mail service: anyone can have an address there.",
              domain=domain)
        )  # fmt: skip
    return domain


def add_domain(value: str, user: User) -> TrustedDomain:
    domain = clean_domain(value)
    if db.session.scalar(sa.select(TrustedDomain.id).where(TrustedDomain.domain == domain)):
        raise TrustError(_("%(domain)s is already trusted.", domain=domain))
    row = TrustedDomain(domain=domain, created_by_id=user.id)
    db.session.add(row)
    record(user, "trust-domain", details={"domain": domain})
    db.session.flush()
    return row


def remove_domain(row: TrustedDomain, user: User) -> str:
    record(user, "untrust-domain", details={"domain": row.domain})
    db.session.delete(row)
    db.session.flush()
    return _("%(domain)s is no longer trusted.", domain=row.domain)
