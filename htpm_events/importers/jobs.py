"""The importers' scheduled job: poll every due source (the same code as ``imports run``)."""

from datetime import timedelta

from .. import background
from .sources import due_sources, run_source


@background.scheduled("imports.poll", every=timedelta(minutes=5), lease=timedelta(minutes=30))
def poll() -> str:
    """Every five minutes: run each due source once (each claims its own row)."""
    runs = [run_source(source_id) for source_id in due_sources()]
    failed = sum(1 for run in runs if not run.ok)
    return f"{len(runs)} source(s) run, {failed} failed or held"
