"""The HTPM Events Hub application factory."""

import os

import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_module
from . import extensions as ext
from . import i18n


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        instance_path=(test_config or {}).get("INSTANCE_PATH")
        or os.environ.get("HTPM_INSTANCE_PATH")
        or None,
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config["INSTANCE_PATH"] = app.instance_path
    app.config.from_mapping(config_module.defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(config_module.from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    config_module.finish(app.config)
    proxies = int(app.config.get("HTPM_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    # The extensions are reached through their module so that ``htpm_events.db`` stays the
    # module (Alembic migrations name ``htpm_events.db.UTCDateTime``), not the extension.
    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, render_as_batch=True, compare_type=True)
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)
    ext.login_manager.init_app(app)
    ext.login_manager.login_view = "accounts.login"
    ext.login_manager.login_message = "Please log in to see that page."

    from . import (
        background,
        models,  # noqa: F401  (every model known to SQLAlchemy and Alembic)
    )
    from .db import set_sqlite_pragmas
    from .registration import receivers  # noqa: F401  (registrations follow their event)

    with app.app_context():
        if ext.db.engine.dialect.name == "sqlite":
            sa.event.listen(ext.db.engine, "connect", set_sqlite_pragmas)
    from . import pagecache
    from .web import init_web

    init_web(app)
    i18n.init_app(app)
    pagecache.init_app(app)  # once the request's language is known
    background.init_app(app)

    from .accounts.views import bp as accounts_bp
    from .calendar.api import bp as api_bp
    from .calendar.blueprint import bp as calendar_bp
    from .cli import init_cli
    from .feeds.views import bp as feeds_bp
    from .importers.uploads import Request as UploadAwareRequest
    from .moderation.views import bp as moderation_bp
    from .registration.views import bp as registration_bp
    from .submissions import batch  # noqa: F401  (the batch page's URL rules)
    from .submissions.views import bp as submissions_bp

    app.request_class = UploadAwareRequest
    app.register_blueprint(calendar_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(submissions_bp)
    app.register_blueprint(registration_bp)
    init_cli(app)
    return app
