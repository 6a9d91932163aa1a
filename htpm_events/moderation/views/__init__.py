"""The moderation blueprint: every URL under /moderate needs a logged-in moderator.

URL rules, by module:

- ``queue``: ``/moderate`` (the queue), ``/moderate/bulk``, ``/moderate/auto-published``
- ``review``: ``/moderate/events/<id>`` and its ``decision``, ``edit``, ``merge``,
  ``feature``, ``cancel``, ``unpublish``
- ``trust``: ``/moderate/organizations``, a source's trust, ``/moderate/domains`` (admin)
- ``imports``: ``/moderate/sources`` (add, edit, run, confirm a held run), ``/moderate/imports``
  (upload a file: dry run, then apply)
- ``log``: ``/moderate/log``, ``/moderate/log.csv``
- ``accounts``: ``/moderate/accounts`` (admin)
- ``status``: ``/moderate/status``, ``/moderate/outbox`` and its retry buttons (admin)
"""

from flask import Blueprint

from ...accounts.decorators import require_moderator

bp = Blueprint("moderation", __name__, url_prefix="/moderate")
bp.before_request(require_moderator)

from . import (  # noqa: E402, F401  (URL rules)
    accounts,
    actions,
    imports,
    log,
    queue,
    review,
    status,
    trust,
)
