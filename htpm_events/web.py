"""What every page shares: security headers, template helpers, error pages, /healthz."""

import secrets

import sqlalchemy as sa
from babel.dates import format_date
from flask import Flask, abort, g, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext
from markupsafe import Markup
from werkzeug.routing import IntegerConverter

from . import vocab
from .db import MAX_ID
from .extensions import db
from .i18n import current_locale
from .text import render_markdown
from .timeutil import now_utc


class IdConverter(IntegerConverter):
    """``<int:…>`` that stops at :data:`MAX_ID`, so an absurd id is a 404 like any unknown
    one instead of an overflow in the database driver (a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors {frame}"
)


#: Paths whose answer never depends on who asks: no session, no ``Vary: Cookie``.
SESSION_FREE_PREFIXES = ("/feeds/", "/api/")


class PublicSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions that leave shared caches alone where no session exists.

    Flask adds ``Vary: Cookie`` whenever the session was read, and something reads it on
    every request (Flask-Login's remember-cookie check, ``current_user`` in the page header,
    flashed messages), which keeps a CDN or reverse proxy from holding any page. A response
    to a request that came without a session cookie and put nothing in the session is the
    same for everyone who has none, so it carries no ``Vary: Cookie``; feeds and the API
    (and ``/events/<id>.ics``) never depend on the session at all, cookie or not."""

    def save_session(self, app, session, response) -> None:
        if not session.modified:
            path = request.path
            if path.startswith(SESSION_FREE_PREFIXES) or path.endswith(".ics"):
                return
            if not session and self.get_cookie_name(app) not in request.cookies:
                session.accessed = False
        super().save_session(app, session, response)


def init_web(app: Flask) -> None:
    """Before any blueprint is registered (the ``int`` converter applies to rules added later)."""
    app.session_interface = PublicSessionInterface()
    app.url_map.converters["int"] = IdConverter
    app.jinja_env.add_extension("jinja2.ext.do")
    app.before_request(refuse_undecodable_query)
    app.after_request(security_headers)
    app.after_request(api_validators)
    app.context_processor(template_globals)
    init_jinja_globals(app)
    app.jinja_env.filters["markdown"] = lambda text: Markup(render_markdown(text or ""))
    app.jinja_env.filters["label"] = vocab_label
    from .moderation.log import action_label

    app.jinja_env.filters["action_label"] = action_label
    app.jinja_env.filters["role_label"] = lambda role: gettext(vocab.ROLE_LABELS.get(role, role))
    app.add_url_rule("/healthz", "healthz", healthz)
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, error_page)


def refuse_undecodable_query():
    """A query string of raw bytes that are not UTF-8 (a WSGI server passes them on as they
    came) is a 400: werkzeug's ``request.args`` decodes strictly and would raise (a 500)."""
    try:
        request.query_string.decode()
    except UnicodeDecodeError:
        abort(400, description=gettext("The address has characters that are not UTF-8."))


def security_headers(response):
    framable = request.path.startswith("/embed/")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault(
            "Content-Security-Policy", CSP.format(frame="*" if framable else "'none'")
        )
        if not framable:
            response.headers.setdefault("X-Frame-Options", "DENY")
    return response


#: The API's answers change with the data; a shared cache may hold one a minute.
API_CACHE_CONTROL = "public, max-age=60"


def api_validators(response):
    """A strong ETag (a hash of the JSON), 304 to If-None-Match, and Cache-Control on the
    API's successful GET answers, so that partners and proxies can revalidate cheaply."""
    if (
        request.path.startswith("/api/")
        and request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.direct_passthrough
    ):
        response.headers.setdefault("Cache-Control", API_CACHE_CONTROL)
        response.add_etag()
        response.make_conditional(request)
    return response


def template_globals() -> dict:
    """Per-request values (the CSP nonce)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return {"csp_nonce": g.csp_nonce}


def init_jinja_globals(app: Flask) -> None:
    """Helpers that every template and imported macro can use."""
    from .calendar.common import language_name, language_phrase
    from .events.services import deadline_label, event_time_label, short_zone
    from .text import slugify

    app.jinja_env.globals.update(
        vocab=vocab,
        now_utc=now_utc,
        time_label=event_time_label,
        deadline_label=deadline_label,
        short_zone=short_zone,
        slugify=slugify,
        language_name=language_name,
        language_phrase=language_phrase,
        key_date_span=key_date_span,
        tz_toggle_data=tz_toggle_data,
        month_day=month_day,
        long_date=long_date,
        full_date=full_date,
        short_date=short_date,
        short_day=short_day,
        url_rules=app.view_functions,
        HOTLINE_PHONE="1-888-373-7888",
        HOTLINE_TEXT="233733",
    )


def month_day(day) -> str:
    """ "Jan 11" (English, as before) or "11 ene" in the page's language."""
    if current_locale() == "en":
        return f"{day:%b} {day.day}"
    return format_date(day, "d MMM", locale=current_locale())


def long_date(day) -> str:
    """ "January 27, 2026" / "27 de enero de 2026"."""
    return format_date(day, "long", locale=current_locale())


def short_day(day) -> str:
    """ "Tue, Jan 27" / "mar, 27 ene"."""
    if current_locale() == "en":
        return f"{day:%a, %b} {day.day}"
    return format_date(day, "EEE, d MMM", locale=current_locale())


def short_date(day) -> str:
    """ "Jan 31, 2027" / "31 ene 2027"."""
    if current_locale() == "en":
        return f"{day:%b} {day.day}, {day.year}"
    return format_date(day, "medium", locale=current_locale())


def full_date(day) -> str:
    """ "Tuesday, January 27, 2026" / "martes, 27 de enero de 2026"."""
    return format_date(day, "full", locale=current_locale())


def key_date_span(kd) -> str:
    """ "Jan 6–12" / "6–12 ene" for a focus week, "Jan 11" / "11 ene" for one day."""
    if kd.end_date == kd.start_date:
        return month_day(kd.start_date)
    if current_locale() == "en":
        return f"{month_day(kd.start_date)}–{kd.end_date.day}"
    return f"{kd.start_date.day}–{month_day(kd.end_date)}"


def tz_toggle_data() -> Markup:
    """The time-zone button's two captions, as data for calendar.js (no text in scripts)."""
    return Markup('data-text-mine="{}" data-text-theirs="{}"').format(
        gettext("Show times in my time zone"), gettext("Show times in each event's own time zone")
    )


def vocab_label(code: str | None, field: str) -> str:
    table = {
        "level": vocab.LEVELS,
        "format": vocab.FORMATS,
        "event_type": vocab.EVENT_TYPES,
        "topic": vocab.TOPICS,
        "audience": vocab.AUDIENCES,
        "access": vocab.ACCESSIBILITY,
        "state": vocab.STATES,
        "registration_mode": vocab.REGISTRATION_MODES,
        "status": vocab.STATUS_LABELS,
        "source": vocab.SOURCE_LABELS,
        "recurrence": dict([*vocab.RECURRENCES.items(), vocab.SOURCE_SERIES]),
    }[field]
    label = table.get(code or "", code or "")
    # States keep their proper names; an unknown code is shown as it is.
    return gettext(label) if field != "state" and code in table else label


def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return "database unavailable", 503, {"Content-Type": "text/plain; charset=utf-8"}
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


ERROR_TITLES = {
    400: vocab.N_("That request could not be understood"),
    403: vocab.N_("You cannot do that"),
    404: vocab.N_("Page not found"),
    405: vocab.N_("Method not allowed"),
    413: vocab.N_("That upload is too large"),
    429: vocab.N_("Too many requests"),
    500: vocab.N_("Something went wrong on our side"),
}

#: What a page in another language says instead of werkzeug's English default descriptions.
DEFAULT_MESSAGES = {
    400: vocab.N_("The hub could not understand what your browser sent."),
    403: vocab.N_("You do not have permission to see this page."),
    404: vocab.N_("There is nothing at this address. Check it, or start from the list of events."),
    405: vocab.N_("This address does not accept that kind of request."),
    413: vocab.N_("What you sent is larger than the hub accepts."),
    429: vocab.N_("Too many requests in a short time. Please wait a moment and try again."),
}


def error_page(error):
    code = getattr(error, "code", 500) or 500
    if code == 500:
        db.session.rollback()
    message = getattr(error, "description", None) if code != 500 else None
    if request.path.startswith("/api/") or request.path.startswith("/feeds/"):
        from flask import jsonify

        return jsonify({"error": ERROR_TITLES.get(code, "Error"), "message": message}), code
    if (
        message
        and current_locale() != "en"
        and message == getattr(type(error), "description", None)
        and code in DEFAULT_MESSAGES
    ):
        message = gettext(DEFAULT_MESSAGES[code])
    title = gettext(ERROR_TITLES[code]) if code in ERROR_TITLES else gettext("Error")
    return render_template("error.html", code=code, title=title, message=message), code
