"""The ``flask`` commands of SPEC §8."""

import sys
from importlib.resources import files

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from . import vocab
from .accounts.models import User
from .background.cli import jobs_cli, mail_cli, worker
from .extensions import db
from .importers.base import ImportFailed
from .importers.services import file_source, import_csv, import_ics, is_ics, open_path
from .timeutil import next_htpm_year, now_utc

users_cli = AppGroup("users", help="Moderator and admin accounts.")
demo_cli = AppGroup("demo", help="Sample data.")
imports_cli = AppGroup("imports", help="Import events from files and sources.")
registrations_cli = AppGroup("registrations", help="Hub registrations (SPEC §7).")
links_cli = AppGroup("links", help="External registration links.")


@registrations_cli.command("purge")
def registrations_purge() -> None:
    """Delete attendee data HTPM_REGISTRATION_RETENTION_DAYS after each event's end."""
    from .registration.services import purge

    deleted = purge()
    db.session.commit()
    click.echo(f"{deleted} registration(s) purged; their counts are kept.")


@links_cli.command("check")
def links_check() -> None:
    """Check the external registration links of upcoming events (failing twice: flagged)."""
    from .registration.linkcheck import check_links

    found = check_links()
    click.echo(
        f"{found['checked']} link(s) checked: {found['ok']} answer, {found['failing']} failing, "
        f"{found['flagged']} flagged for the moderators."
    )


@registrations_cli.command("remind")
def registrations_remind() -> None:
    """Queue the reminders of registrations whose date starts within a day (each once)."""
    from .registration.jobs import send_reminders

    click.echo(f"{send_reminders()} reminder(s) queued.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(vocab.ROLES), default="moderator", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(email: str, role: str, password_stdin: bool) -> None:
    """Create an account (or reset its password and role if it exists)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise click.ClickException("The password must be at least 10 characters long.")
    email = email.strip().lower()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    created = user is None
    if created:
        user = User(email=email)
        db.session.add(user)
    user.role = role
    user.active = True
    user.set_password(password)
    db.session.commit()
    click.echo(f"{'Created' if created else 'Updated'} {role} {email}.")


def demo_csv_path() -> str:
    return str(files("htpm_events") / "data" / "htpm-2026-sample.csv")


@demo_cli.command("load")
@click.option(
    "--year",
    type=click.IntRange(1900, 2999),
    help="Place the events in this January (default: the next January that has not ended).",
)
def demo_load(year: int | None) -> None:
    """Load the real HTPM 2026 sample events, approved, in the January of YEAR (idempotent)."""
    from .events.keydates import ensure_key_dates

    year = year or next_htpm_year(now_utc().date())
    path = demo_csv_path()
    source = file_source(path, trusted=True, url="demo:htpm-2026-sample.csv")
    try:
        result = import_csv(open_path(path), source, trusted=True, year=year, actor="demo load")
    except ImportFailed as failed:
        db.session.rollback()
        for error in failed.result.errors:
            click.echo(f"{path}: {error}", err=True)
        raise click.ClickException("The demo data did not load.") from failed
    ensure_key_dates(year)
    db.session.commit()
    click.echo(f"Demo events for January {year}: {result.summary()}.")


@demo_cli.command("needed", hidden=True)
def demo_needed() -> None:
    """Exit 0 when the database has no events yet (used by `make run`)."""
    from .events.models import Event

    count = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
    sys.exit(0 if count == 0 else 1)


class Progress:
    """Progress of a long import: a bar on a terminal, a plain line every few thousand
    events otherwise (logs, CI)."""

    EVERY = 5000

    def __init__(self, label: str, total: int | None):
        self.counts: dict[str, int] = {}
        self.total = total
        self.tty = sys.stdout.isatty()
        self.bar = None
        if self.tty and total:
            self.bar = click.progressbar(length=total * 2, label=label)
            self.bar.__enter__()

    def __call__(self, phase: str, n: int) -> None:
        before = self.counts.get(phase, 0)
        self.counts[phase] = before + n
        if self.bar is not None:
            self.bar.update(n)
        elif (before + n) // self.EVERY > before // self.EVERY:
            click.echo(f"  {self.counts[phase]:,} events {phase}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def count_lines(path: str) -> int:
    with open(path, "rb") as stream:
        return max(
            0, sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b"")) - 1
        )


@imports_cli.command("file")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--organization", help="Organization for rows that leave it empty.")
@click.option(
    "--level", type=click.Choice(list(vocab.LEVELS)), help="Level for rows that leave it empty."
)
@click.option("--trusted", is_flag=True, help="Publish every event of this run without moderation.")
def imports_file(path: str, organization: str | None, level: str | None, trusted: bool) -> None:
    """Import one CSV or .ics file (SPEC §6), told apart by content: all events or none."""
    with open(path, "rb") as stream:
        head = stream.read(4096)
    source = file_source(path, organization, level, trusted)
    progress = None
    try:
        if is_ics(head):
            with open(path, "rb") as stream:
                data = stream.read()
            click.echo(f"{path}: reading an iCalendar file ({len(data):,} bytes)...")
            progress = Progress("Importing", data.count(b"BEGIN:VEVENT"))
            result = import_ics(
                data,
                source,
                organization=organization,
                level=level,
                trusted=trusted,
                actor=f"imports file {path}",
                progress=progress,
            )
        else:
            if b"\0" in head:
                raise click.ClickException(
                    f"{path} is neither a CSV nor an iCalendar file (it is binary)."
                )
            click.echo(f"{path}: reading a CSV file...")
            progress = Progress("Importing", count_lines(path))
            result = import_csv(
                open_path(path),
                source,
                organization=organization,
                level=level,
                trusted=trusted,
                actor=f"imports file {path}",
                progress=progress,
            )
    except ImportFailed as failed:
        db.session.rollback()
        for error in failed.result.errors:
            click.echo(f"{path}: {error}", err=True)
        raise click.ClickException(
            f"{len(failed.result.errors)} error(s); nothing was imported."
        ) from failed
    except UnicodeDecodeError as exc:
        db.session.rollback()
        raise click.ClickException(f"{path} is not UTF-8 text: {exc}") from exc
    finally:
        if progress is not None:
            progress.close()
    db.session.commit()
    click.echo(f"{path}: {result.summary()} (source #{source.id}).")


@imports_cli.command("add")
@click.argument("url")
@click.option("--organization", required=True, help="Organization of the source's events.")
@click.option("--level", type=click.Choice(list(vocab.LEVELS)), help="Level of its events.")
@click.option("--state", help="USPS state code of its events.")
@click.option("--trusted", is_flag=True, help="Publish its events without moderation.")
def imports_add(
    url: str, organization: str, level: str | None, state: str | None, trusted: bool
) -> None:
    """Add an .ics URL as a polled source and print its id."""
    from .importers.sources import SourceError, add_source

    if state and state.upper() not in vocab.STATES:
        raise click.ClickException(f"{state} is not a USPS state or territory code.")
    try:
        source = add_source(
            url,
            organization=organization.strip(),
            level=level,
            state=state.upper() if state else None,
            trusted=trusted,
        )
    except SourceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(source.id)


@imports_cli.command("run")
@click.option("--source", "source_id", type=int, help="Run this source now, due or not.")
@click.option("--confirm", is_flag=True, help="Apply a run held for cancelling too much.")
def imports_run(source_id: int | None, confirm: bool) -> None:
    """Poll every due source (or one): conditional GET, all of a feed or nothing."""
    from .importers.models import ImportSource
    from .importers.sources import due_sources, run_source

    if source_id is not None:
        found = db.session.get(ImportSource, source_id)
        if found is None:
            raise click.ClickException(f"There is no source #{source_id}.")
        if found.kind != "url":
            raise click.ClickException(
                f"Source #{source_id} is a {found.kind}, not a calendar address: "
                "import files with `flask imports file`."
            )
        if found.pending:
            raise click.ClickException(
                f"Source #{source_id} was proposed and is not approved yet (/moderate/sources)."
            )
        ids = [source_id]
    else:
        ids = due_sources()
    runs = []
    if sys.stdout.isatty() and len(ids) > 1:
        with click.progressbar(ids, label="Polling sources") as bar:
            for item in bar:
                runs.append(run_source(item, confirm=confirm, force=confirm))
    else:
        for item in ids:
            click.echo(f"source #{item}: fetching...")
            runs.append(run_source(item, confirm=confirm, force=confirm))
    for run in runs:
        click.echo(run.line(), err=not run.ok)
    failed = [r for r in runs if not r.ok]
    totals = {"created": 0, "updated": 0, "unchanged": 0, "cancelled": 0}
    for run in runs:
        for name in totals:
            totals[name] += getattr(run.result, name)
    click.echo(
        f"{len(runs)} source(s) run: "
        + ", ".join(f"{v} {k}" for k, v in totals.items())
        + (f"; {len(failed)} failed or held" if failed else "")
    )
    if failed:
        sys.exit(1)


def init_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(imports_cli)
    app.cli.add_command(registrations_cli)
    app.cli.add_command(links_cli)
    app.cli.add_command(worker)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(mail_cli)
