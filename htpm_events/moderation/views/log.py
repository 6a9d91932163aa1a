"""The audit log: read, filter, export. There are no routes that change it."""

from flask import Response, abort, render_template, request, stream_with_context

from ...extensions import db
from ...timeutil import now_utc
from ..log import choices, csv_rows, log_query, parse_filters
from ..queue import BadFilter
from . import bp

PER_PAGE = 100
MAX_PAGE = 100_000


def filters_or_400():
    try:
        return parse_filters(request.args)
    except BadFilter as bad:
        abort(400, description=str(bad))


@bp.route("/log")
def log():
    filters = filters_or_400()
    page = request.args.get("page", 1, type=int)
    page = min(max(page, 1), MAX_PAGE)  # a huge page overflows the OFFSET (a 500)
    entries = db.paginate(log_query(filters), page=page, per_page=PER_PAGE, error_out=False)
    actions, actors = choices()
    return render_template(
        "moderation/log.html", entries=entries, filters=filters, actions=actions, actors=actors
    )


@bp.route("/log.csv")
def log_csv():
    filters = filters_or_400()
    name = f"htpm-audit-log-{now_utc():%Y%m%d-%H%M}.csv"
    return Response(
        stream_with_context(csv_rows(filters)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
