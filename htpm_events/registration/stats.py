"""What moderators see of an event's registrations: link-out clicks and hub registrations per
day, as numbers and as a bar chart drawn here as SVG (no chart script from another host).
Counts only: nothing about the people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..extensions import db
from ..web import month_day
from .models import CONFIRMED, WAITLISTED, RegisterClick, Registration
from .services import counts

DAYS = 30


@dataclass
class Day:
    day: date
    clicks: int
    registrations: int


@dataclass
class Stats:
    days: list[Day]
    clicks: int
    confirmed: int
    waitlisted: int

    @property
    def empty(self) -> bool:
        return not (self.clicks or self.confirmed or self.waitlisted)


def event_stats(event_id: int, today: date) -> Stats:
    first = today - timedelta(days=DAYS - 1)
    clicks = dict(
        db.session.execute(
            sa.select(RegisterClick.day, RegisterClick.count).where(
                RegisterClick.event_id == event_id, RegisterClick.day >= first
            )
        ).all()
    )
    made = dict(
        db.session.execute(
            sa.select(sa.func.date(Registration.created), sa.func.count())
            .where(Registration.event_id == event_id)
            .group_by(sa.func.date(Registration.created))
        ).all()
    )
    made = {(d if isinstance(d, date) else date.fromisoformat(str(d))): n for d, n in made.items()}
    total_clicks = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(RegisterClick.count), 0)).where(
            RegisterClick.event_id == event_id
        )
    )
    found = counts(event_id)
    days = [
        Day(first + timedelta(days=n), clicks.get(first + timedelta(days=n), 0),
            made.get(first + timedelta(days=n), 0))
        for n in range(DAYS)
    ]  # fmt: skip
    return Stats(days, int(total_clicks or 0), found[CONFIRMED], found[WAITLISTED])


def svg_chart(stats: Stats, width: int = 600, height: int = 140) -> Markup:
    """Bars per day (clicks dark, registrations light, side by side), with a title and a
    description for screen readers; the numbers are also in the table beside it."""
    top = max([1] + [max(d.clicks, d.registrations) for d in stats.days])
    left, bottom = 30, 20
    plot_w, plot_h = width - left - 5, height - bottom - 10
    slot = plot_w / len(stats.days)
    bar = max(slot / 2 - 1, 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="stats-chart" role="img" aria-labelledby="chart-title chart-desc">',
        '<title id="chart-title">'
        + str(escape(_("Registrations and link-out clicks per day, last 30 days")))
        + "</title>",
        '<desc id="chart-desc">'
        + str(
            escape(
                _(
                    "%(clicks)s clicks in all, %(confirmed)s registered, %(waitlisted)s waiting; "
                    "the table below has every day.",
                    clicks=stats.clicks,
                    confirmed=stats.confirmed,
                    waitlisted=stats.waitlisted,
                )
            )
        )
        + "</desc>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 5}" y2="{height - bottom}" '
        'stroke="#555"/>',
        f'<text x="{left - 4}" y="14" text-anchor="end" font-size="10">{top}</text>',
        f'<text x="{left - 4}" y="{height - bottom}" text-anchor="end" font-size="10">0</text>',
    ]
    for n, day in enumerate(stats.days):
        x = left + n * slot
        for offset, value, colour in ((0, day.clicks, "#1d4f91"), (bar + 1, day.registrations,
                                                                  "#7fb3e6")):  # fmt: skip
            h = plot_h * value / top
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{height - bottom - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}"/>'
            )
        if n % 7 == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 6}" font-size="10">'
                f"{escape(month_day(day.day))}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
