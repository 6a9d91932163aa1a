"""``flask worker``, ``flask jobs list|run`` and ``flask mail deliver``: the background work
from the command line (a worker for production, or cron for people who prefer it)."""

from __future__ import annotations

import logging
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from . import enqueue, huey_of, load_jobs, run_job, run_scheduled
from .runs import all_runs

jobs_cli = AppGroup("jobs", help="Background jobs: list them, or run one now (for cron).")
mail_cli = AppGroup("mail", help="The mail outbox.")


def describe_queue() -> str:
    if str(current_app.config.get("HTPM_QUEUE") or "").lower() == "immediate":
        return "immediate (in process)"
    if current_app.config.get("REDIS_URL"):
        return f"Redis ({huey_of().name})"
    return f"SQLite file {huey_of().storage.filename}"


@click.command("worker")
@click.option("--threads", default=2, show_default=True, help="Jobs run at the same time.")
@click.option(
    "--no-schedule", is_flag=True, help="Run queued jobs only; leave scheduled ones to others."
)
def worker(threads: int, no_schedule: bool) -> None:
    """Run queued jobs and the scheduled ones until stopped (Ctrl-C or SIGTERM)."""
    if str(current_app.config.get("HTPM_QUEUE") or "").lower() == "immediate":
        raise click.ClickException("HTPM_QUEUE=immediate runs jobs in place: no worker needed.")
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    huey = huey_of()
    consumer = huey.create_consumer(
        workers=threads,
        worker_type="thread",
        periodic=not no_schedule,
        initial_delay=0.1,
        backoff=1.15,
        max_delay=1.0,  # an idle worker looks for work at least once a second
        check_worker_health=True,
    )
    click.echo(f"Worker: {threads} thread(s) on the queue {describe_queue()}.", err=True)
    enqueue("mail.deliver")  # mail queued while no worker ran goes out now
    consumer.run()


@jobs_cli.command("list")
def jobs_list() -> None:
    """Every job, how often it runs, and how its last run went."""
    runs = all_runs()
    for item in sorted(load_jobs().values(), key=lambda j: j.name):
        every = item.when
        run = runs.get(item.name)
        last = "never run"
        if run is not None and run.last_finished is not None:
            state = "ok" if run.last_ok else "FAILED"
            last = f"last {run.last_finished:%Y-%m-%d %H:%M:%S} UTC {state}: {run.last_result}"
        click.echo(f"{item.name:<14} {every:<22} {item.doc}\n{'':<14} {last}")


@jobs_cli.command("run")
@click.argument("name")
def jobs_run(name: str) -> None:
    """Run one job now, in this process, and print its result."""
    jobs = load_jobs()
    if name not in jobs:
        raise click.ClickException(f"No job {name!r}; `flask jobs list` names them.")
    item = jobs[name]
    if item.every is not None:
        result = run_scheduled(item, force=True)
        if result is None:
            click.echo(f"{name} failed or runs on another worker now: `flask jobs list`.")
            sys.exit(1)
    else:
        result = run_job(item)
    click.echo(f"{name}: {result}")


@mail_cli.command("deliver")
def mail_deliver() -> None:
    """Send the messages that are due now, then stop (for cron)."""
    from ..outbox.services import deliver_due

    result = deliver_due(budget=600)
    click.echo(result.summary())
