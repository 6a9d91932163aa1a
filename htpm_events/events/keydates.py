"""The month's key dates and focus weeks, kept as rows per year.

A year gets its rows from ``data/key_dates.csv`` (the federal toolkit's weekly themes) the
first time it is needed; after that the rows are that year's data and may differ."""

import csv
from datetime import date
from importlib.resources import files

import sqlalchemy as sa

from ..extensions import db
from ..vocab import N_
from .models import KeyDate

#: The texts of ``data/key_dates.csv``, marked for translation: pages show a key date's title
#: and description translated when they are these texts (a year's edited rows show as written).
CSV_TEXTS = (
    N_("National Human Trafficking Awareness Day / #WearBlueDay"),
    N_("Wear blue, take a photo and share it with #WearBlueDay (DHS Blue Campaign)."),
    N_("Introduction to Human Trafficking Prevention Month"),
    N_("Foundational information about trafficking."),
    N_("Human Trafficking and Labor Exploitation"),
    N_("Strengthening communities through strong workplace policies and practices."),
    N_("Human Trafficking and Emergency and Other Transitional Experiences"),
    N_("Strengthening communities by enhancing access to services."),
    N_("Human Trafficking and Online Harassment and Abuse"),
    N_("Strengthening communities through family and social connectedness."),
    N_("Human Trafficking and Interpersonal Violence"),
    N_("Strengthening communities through economic mobility."),
)


def template_rows() -> list[dict]:
    with (files("htpm_events") / "data" / "key_dates.csv").open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def ensure_key_dates(year: int) -> None:
    """Create the year's key dates from the template if it has none (flushes)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    exists = db.session.scalar(
        sa.select(KeyDate.id).where(KeyDate.start_date.between(start, end)).limit(1)
    )
    if exists:
        return
    for row in template_rows():
        sm, sd = map(int, row["month_day_start"].split("-"))
        em, ed = map(int, row["month_day_end"].split("-"))
        db.session.add(
            KeyDate(
                kind=row["kind"],
                title=row["title"],
                topic=row["topic"] or None,
                description=row["description"] or None,
                start_date=date(year, sm, sd),
                end_date=date(year, em, ed),
            )
        )
    db.session.flush()


def key_dates_between(first: date, last: date) -> list[KeyDate]:
    return list(
        db.session.scalars(
            sa.select(KeyDate)
            .where(KeyDate.start_date <= last, KeyDate.end_date >= first)
            .order_by(KeyDate.start_date, KeyDate.kind)
        )
    )
