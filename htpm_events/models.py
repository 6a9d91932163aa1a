"""Every model, imported in one place so that Alembic and the app see the whole schema."""

from .accounts.models import User
from .background.models import JobRun
from .events.models import (
    DataVersion,
    Event,
    EventCohost,
    EventOccurrence,
    EventRevision,
    EventTag,
    Flyer,
    KeyDate,
    Organization,
)
from .events.occurrence_rows import store_occurrences  # noqa: F401  (keeps the rows)
from .events.search import index_events  # noqa: F401  (indexes new events on SQLite)
from .feeds.models import FeedCache, FeedPiece
from .importers.models import ImportSource
from .moderation.models import AuditEntry, TrustedDomain
from .outbox.models import OutboxMessage
from .registration.models import LinkCheck, RegisterClick, Registration, RegistrationTally
from .submissions.models import FormReplay

__all__ = [
    "AuditEntry",
    "DataVersion",
    "Event",
    "EventCohost",
    "EventOccurrence",
    "EventRevision",
    "EventTag",
    "FeedCache",
    "FeedPiece",
    "FormReplay",
    "JobRun",
    "Flyer",
    "ImportSource",
    "KeyDate",
    "LinkCheck",
    "Organization",
    "OutboxMessage",
    "RegisterClick",
    "Registration",
    "RegistrationTally",
    "TrustedDomain",
    "User",
]
