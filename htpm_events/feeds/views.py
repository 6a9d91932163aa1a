"""Feed URLs (SPEC §3, §5): the iCal subscription feed, the Atom feed, one event's .ics
file and the Feeds page. The serializers, the selection and the cache do the work."""

from __future__ import annotations

import os
from dataclasses import astuple
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.wsgi import wrap_file

from .. import vocab
from ..events.filters import ORDER, EventFilter, FilterError
from ..events.models import Event
from ..events.queries import public_event_or_404
from ..extensions import db
from ..text import slugify
from ..timeutil import now_utc
from . import cache, ical, pieces
from .links import feed_links
from .services import FeedRequest, build_feed, feed_name

bp = Blueprint("feeds", __name__)

ICS_TYPE = "text/calendar; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
#: A CDN or proxy may hold a feed for five minutes; clients revalidate with the ETag.
CACHE_CONTROL = "public, max-age=300"
#: The focus-week themes of the federal toolkit: the first six topics (SPEC §2).
FOCUS_TOPICS = list(vocab.TOPICS)[:6]


@bp.app_template_global("feed_links")
def feed_links_global(filt=None):
    """``feed_links(filter)`` in any template: https, webcal, google and atom URLs."""
    return feed_links(filt)


@bp.get("/feeds/events.ics")
def events_ics():
    return serve_feed("ics", ICS_TYPE)


@bp.get("/feeds/events.atom")
def events_atom():
    return serve_feed("atom", ATOM_TYPE)


@bp.get("/events/<int:event_id>.ics")
def event_ics(event_id: int):
    """One event as a file to add to a calendar; on-demand items have no date: 404."""
    event = public_event_or_404(event_id)
    if event.is_on_demand:
        abort(404, description=_("On-demand items have no date to add to a calendar."))
    base = ical.base_url()
    body = ical.assemble(ical.head_bytes(), [astuple(pieces.event_piece(event, base))])
    entry = cache.Entry(cache.etag_for(body), event.updated.replace(microsecond=0))
    if not_modified(entry.etag, entry):
        response = Response(status=304)
    else:
        response = Response(body, content_type=ICS_TYPE)
        filename = f"{slugify(event.title)}.ics"
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return finish(response, entry.etag, entry.last_modified)


def serve_feed(kind: str, mimetype: str) -> Response:
    try:
        filt = EventFilter.from_args(request.args)
    except FilterError as exc:
        return bad_filter(exc)
    feed = FeedRequest.for_now(kind, filt)
    base = ical.base_url()
    key = feed.cache_key(base)
    version = cache.current_version()
    gzip = request.accept_encodings.quality("gzip") > 0
    if request.if_none_match or request.if_modified_since:
        known = cache.validators(key, version)
        etag = known and (known.gzip_etag if gzip else known.etag)
        if known is not None and etag and not_modified(etag, known):
            return finish(Response(status=304), etag, known.last_modified, vary=True)

    def build(out, scratch):
        return build_feed(feed, version.changed, base, out, scratch)

    for attempt in (1, 2):
        entry = cache.get_or_build(key, version, build)
        path, etag = cache.with_gzip(key, version, entry) if gzip else (entry.path, entry.etag)
        if not_modified(etag, entry):
            return finish(Response(status=304), etag, entry.last_modified, vary=True)
        try:
            handle = open(path, "rb")  # noqa: SIM115 (closed by the WSGI server)
        except FileNotFoundError:  # the folder was deleted meanwhile: build again
            cache.forget(key)
            if attempt == 2:
                raise
            continue
        break
    if "wsgi.file_wrapper" in request.environ:  # gunicorn: sendfile from the open file
        response = Response(
            wrap_file(request.environ, handle), content_type=mimetype, direct_passthrough=True
        )
        response.content_length = os.fstat(handle.fileno()).st_size
    else:  # a server without a zero-copy path (flask run, the test client)
        with handle:
            response = Response(handle.read(), content_type=mimetype)
    if gzip:
        response.headers["Content-Encoding"] = "gzip"
    return finish(response, etag, entry.last_modified, vary=True)


def not_modified(etag: str, entry: cache.Entry) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present; If-Modified-Since otherwise."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag.strip('"'))
    since = request.if_modified_since
    return since is not None and entry.last_modified <= since


def finish(response: Response, etag: str, last_modified, vary: bool = False) -> Response:
    """Validators and caching headers on a 200 or a 304. ``vary``: the body depends on
    Accept-Encoding (gzip or not)."""
    response.headers["ETag"] = etag
    response.last_modified = last_modified
    response.headers["Cache-Control"] = CACHE_CONTROL
    if vary:
        response.vary.add("Accept-Encoding")
    return response


def bad_filter(exc: FilterError) -> Response:
    body = {"error": "Bad filter", "message": str(exc), "param": exc.param, "value": exc.value}
    return jsonify(body), 400


# --- the Feeds page ---------------------------------------------------------------------------


@bp.get("/feeds")
def index():
    """How to subscribe, ready links for common views and a builder for any filter."""
    error = None
    try:
        built = EventFilter.from_args(request.args)
        chosen: dict[str, list[str]] = {}
        for param, value in built.params():
            chosen.setdefault(param, []).append(value)
    except FilterError as exc:
        error, built = str(exc), EventFilter()
        chosen = request.args.to_dict(flat=False)
    ready = [
        (_("All events"), EventFilter()),
        (_("Federal events"), EventFilter(level=["federal"])),
    ]
    ready += [
        (_("%(state)s events", state=vocab.STATES[code]), EventFilter(state=[code]))
        for code in states_with_events()
    ]
    topics = [(_(vocab.TOPICS[code]), EventFilter(topic=[code])) for code in FOCUS_TOPICS]
    html = render_template(
        "feeds/index.html",
        ready=[(label, filt, feed_links(filt)) for label, filt in ready],
        topics=[(label, filt, feed_links(filt)) for label, filt in topics],
        built=built,
        built_name=feed_name(built),
        built_links=feed_links(built),
        error=error,
        chosen=chosen,
        order=" ".join(ORDER),
        formats={k: v for k, v in vocab.FORMATS.items() if k != "on-demand"},
        base=ical.base_url(),
    )
    return html, 400 if error else 200


def states_with_events() -> list[str]:
    """States with an approved dated event in the default feed window, in name order."""
    since = now_utc() - timedelta(days=31)
    codes = db.session.scalars(
        sa.select(Event.state)
        .where(
            Event.status == "approved",
            Event.format != "on-demand",
            Event.state.is_not(None),
            Event.series_ends_at > since,
        )
        .distinct()
    )
    return sorted((c for c in codes if c in vocab.STATES), key=lambda c: vocab.STATES[c])
