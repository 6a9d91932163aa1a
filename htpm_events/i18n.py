"""The interface language (SPEC §9): English or Spanish, chosen by a visible switch that is
remembered in its own cookie, first guessed from ``Accept-Language``.

The language lives in its own small cookie, never in the Flask session, so that a public page
stays cacheable for anonymous visitors: localized HTML pages send ``Vary: Accept-Language,
Cookie`` and ``Content-Language``. Feeds, .ics files and the JSON API stay English (their
bytes are public promises); a feed may ask for Spanish labels with ``hl=es``. The query
parameter ``lang`` is the event-language filter of SPEC §4 and is not used here.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import cached_property

from flask import Blueprint, Flask, abort, current_app, redirect, request
from flask_babel import Babel, Domain, force_locale, get_locale, get_translations, refresh

#: The interface languages, the first the default.
LOCALES = ("en", "es")
#: Each language's name in that language, as the switch shows it.
LOCALE_NAMES = {"en": "English", "es": "Español"}
COOKIE = "hub_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
#: The parameter that asks a feed for labels in another language (never ``lang``).
FEED_PARAM = "hl"


class _Domain(Domain):
    """Flask-Babel's message domain, with the catalogue of a locale found once.

    Flask-Babel looks the request's locale up again and rebuilds its cache key on every
    ``gettext`` (about 30 µs; a page of 50 events makes over a thousand calls). This keeps
    its choice of locale, including :func:`force_locale` for e-mails, and only remembers
    which catalogue belongs to which :class:`babel.Locale`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._by_locale: dict = {}

    def get_translations(self):
        locale = get_locale()
        if locale is None:
            return super().get_translations()
        found = self._by_locale.get(locale)
        if found is None:
            found = self._by_locale[locale] = super().get_translations()
        return found


class _Babel(Babel):
    @cached_property
    def domain_instance(self):
        return _Domain(domain=self.domain)


babel = _Babel()
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The cookie's language, else the best of ``Accept-Language``, else English. Machine
    readable answers (feeds, .ics, the API, CSV) stay English unless they ask with ``hl``."""
    if not request:
        return LOCALES[0]
    wanted = asked_for()
    if is_data_path(request.path):
        return wanted or LOCALES[0]
    if request.path.startswith("/embed/") and wanted:
        return wanted  # a partner site chooses its widget's language
    chosen = request.cookies.get(COOKIE, "")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES, default=LOCALES[0])


def asked_for() -> str | None:
    """The ``hl`` of the query string, when it names a language of the hub. A query string
    that is not UTF-8 (answered with a 400 by ``web.refuse_undecodable_query``) asks none."""
    try:
        wanted = request.args.get(FEED_PARAM)
    except UnicodeDecodeError:
        return None
    return wanted if wanted in LOCALES else None


def is_data_path(path: str) -> bool:
    return path.startswith("/api/") or path.endswith((".ics", ".atom", ".csv", ".json"))


def current_locale() -> str:
    return str(get_locale() or LOCALES[0])


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LOCALES[0])
    babel.init_app(app, locale_selector=select_locale)
    # {% trans %} blocks collapse their whitespace (the extractor is told the same in babel.cfg).
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.register_blueprint(bp)
    # Flask-Babel keeps the chosen locale on ``g``; a request inside an app context that is
    # already pushed (a CLI command, the tests) must choose again.
    app.before_request(refresh)
    app.after_request(language_headers)
    app.context_processor(switch_context)
    app.jinja_env.filters["stored_text"] = stored_text


def in_english(text) -> str:
    """A message (perhaps a lazy translation) as it is kept in the database: English, whoever
    caused it (a moderator's "Run now" in Spanish, the worker, the command line)."""
    with force_locale(LOCALES[0]):
        return str(text)


def stored_text(text: str | None) -> str | None:
    """A message kept in English in the database (a source's last error or held reason,
    written by the worker or the command line): shown in the page's language when it is one
    of the catalogue's fixed sentences, as it is otherwise (it names hosts, lines, counts)."""
    if not text:
        return text
    return get_translations().ugettext(text)


@bp.get("/language/<code>")
def choose(code: str):
    """The switch: remember the language and go back where the visitor was. A plain link (no
    JavaScript, no form): choosing a language changes nothing but this cookie."""
    from .accounts.services import safe_next

    if code not in LOCALES:
        abort(404)
    response = redirect(safe_next(request.args.get("next")) or "/", 303)
    response.set_cookie(
        COOKIE,
        code,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def language_headers(response):
    """``Content-Language`` and ``Vary`` on the HTML pages (which are localized); never on
    feeds or the API, whose bytes do not depend on the visitor."""
    if response.mimetype == "text/html" and not is_data_path(request.path):
        response.headers["Content-Language"] = current_locale()
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def switch_context() -> dict:
    """What base.html needs: the page's language and a link to each other language."""
    if not request:  # an e-mail rendered by a worker
        return {"current_locale": current_locale(), "language_links": []}
    try:
        here = request.full_path if request.query_string else request.path
    except UnicodeDecodeError:  # a query string that is not UTF-8: the page is a 400
        here = request.path
    locale = current_locale()
    return {
        "current_locale": locale,
        "language_links": [
            (code, LOCALE_NAMES[code], f"/language/{code}?next={quote_path(here)}")
            for code in LOCALES
            if code != locale
        ],
    }


def quote_path(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


@contextmanager
def locale_of(code: str | None):
    """Render in a stored person's language (their e-mails), English when unknown."""
    with force_locale(code if code in LOCALES else LOCALES[0]):
        yield
