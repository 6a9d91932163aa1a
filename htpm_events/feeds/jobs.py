"""The feeds' scheduled job: drop cached feeds nobody asked for lately."""

from datetime import timedelta

import sqlalchemy as sa

from .. import background
from ..extensions import db
from ..timeutil import now_utc
from .cache import KEEP, clean_files
from .models import FeedCache


@background.scheduled("feeds.clean", every=timedelta(hours=1))
def clean() -> str:
    """Hourly: delete cached feeds not rebuilt for 2 days (filters nobody polls any more):
    their validators in the database and the files in this host's cache folder (a web host
    without a worker also drops a feed's older files whenever it builds a newer one)."""
    deleted = db.session.execute(
        sa.delete(FeedCache)
        .where(FeedCache.built < now_utc() - KEEP)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    files = clean_files()
    return f"{deleted} deleted, {files} files"
