"""The Midwest digital-region tracker: application factory."""

from __future__ import annotations

from flask import Flask


def create_app(config_class: type | None = None) -> Flask:
    """Build the Flask app for a configuration class (default: Config)."""
    # Imported here, not at the top: app.config reads the environment when it is
    # imported, and the `midwest` command loads its environment file first.
    from app.config import INSTANCE_PATH, RESOURCES, Config

    config_class = config_class or Config
    app = Flask(
        __name__,
        template_folder=RESOURCES / "templates",
        static_folder=RESOURCES / "static",
        instance_path=str(getattr(config_class, "INSTANCE_PATH", INSTANCE_PATH)),
    )
    app.config.from_object(config_class)
    Config.check(app.config)
    from app.web.params import register_int_converter

    register_int_converter(app)  # before the blueprints add their routes
    register_extensions(app)
    check_read_model(app)
    register_blueprints(app)
    register_exporters()
    register_request_handling(app)
    from app.http_cache import register_http_cache

    register_http_cache(app)  # after app/web: idle timeout and password rule run first
    from app.cli import register_cli

    register_cli(app)
    if app.config["PROXY_FIX_X_FOR"]:
        # Behind a reverse proxy: take the client address (login throttling,
        # audit lines) and scheme from its X-Forwarded-* headers.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def register_extensions(app: Flask) -> None:
    from app.config import RESOURCES
    from app.extensions import babel, csrf, db, htmx, login_manager, migrate
    from app.i18n import (
        check_catalogs,
        install_template_gettext,
        select_locale,
        select_timezone,
    )
    from app.private_files import private_folder
    from app.sqlite import configure_sqlite

    private_folder(app.instance_path)
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(
        app,
        db,
        directory=str(RESOURCES / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    htmx.init_app(app)
    check_catalogs(app)
    babel.init_app(
        app, locale_selector=select_locale, timezone_selector=select_timezone
    )
    install_template_gettext(app)
    login_manager.init_app(app)
    import app.models  # noqa: F401 - every model registered before use


def check_read_model(app: Flask) -> None:
    """A missing or doubled version row would leave figures stale: stop here."""
    from app.extensions import db
    from app.readmodel import check_versions

    with app.app_context():
        try:
            check_versions(db.engine)
        finally:
            # The check's connection is not kept in the pool: an app that stops
            # here, or is made and dropped (tests, commands), leaves none open,
            # and a server that forks after this shares none with its workers.
            db.engine.dispose()


def register_request_handling(app: Flask) -> None:
    """Request-wide behaviour of app/web/, one concern per module."""
    from app.web import (
        audit,
        errors,
        headers,
        inputs,
        invalid,
        request_size,
        session,
        templates,
    )

    request_size.register_inclusive_limit(app)
    audit.register_audit_log()
    session.register_session(app)
    inputs.register_input_check(app)
    headers.register_security_headers(app)
    errors.register_errors(app)
    templates.register_template_helpers(app)
    invalid.register_error_title(app)


def register_exporters() -> None:
    """The workbook exporters of /exports/<name>.xlsx (they register by name)."""
    from app.activity import exports as _activity  # noqa: F401
    from app.municipalities import exports as _municipalities  # noqa: F401
    from app.strategy import exports as _strategy  # noqa: F401
    from app.subsidies import exports as _subsidies  # noqa: F401
    from app.work import exports as _work  # noqa: F401


def register_blueprints(app: Flask) -> None:
    # Views are imported here, not by the packages: importing a domain's models
    # must never pull in views (and, through them, half-configured mappers).
    from app.activity import bp as activity_bp
    from app.activity import views as _activity_views  # noqa: F401
    from app.admin import bp as admin_bp
    from app.admin import views as _admin_views  # noqa: F401
    from app.api import bp as api_bp
    from app.api import tokens_bp as api_tokens_bp
    from app.api import views as _api_views  # noqa: F401
    from app.archiving import bp as archiving_bp
    from app.archiving import views as _archiving_views  # noqa: F401
    from app.auth import bp as auth_bp
    from app.auth import views as _auth_views  # noqa: F401
    from app.comments import bp as comments_bp
    from app.comments import views as _comments_views  # noqa: F401
    from app.deadlines import bp as deadlines_bp
    from app.deadlines import views as _deadlines_views  # noqa: F401
    from app.documents import bp as documents_bp
    from app.documents import views as _documents_views  # noqa: F401
    from app.exports import bp as exports_bp
    from app.exports import views as _exports_views  # noqa: F401
    from app.main import bp as main_bp
    from app.main import views as _main_views  # noqa: F401
    from app.meetings import bp as meetings_bp
    from app.meetings import views as _meetings_views  # noqa: F401
    from app.municipalities import bp as municipalities_bp
    from app.municipalities import views as _municipalities_views  # noqa: F401
    from app.notifications import bp as notifications_bp
    from app.notifications import views as _notifications_views  # noqa: F401
    from app.public import bp as public_bp
    from app.public import cookieless
    from app.public import views as _public_views  # noqa: F401
    from app.search import bp as search_bp
    from app.search import views as _search_views  # noqa: F401
    from app.strategy import bp as strategy_bp
    from app.strategy import views as _strategy_views  # noqa: F401
    from app.subsidies import bp as subsidies_bp
    from app.subsidies import views as _subsidies_views  # noqa: F401
    from app.work import bp as work_bp
    from app.work import views as _work_views  # noqa: F401

    for blueprint in (
        auth_bp,
        main_bp,
        strategy_bp,
        work_bp,
        subsidies_bp,
        municipalities_bp,
        deadlines_bp,
        documents_bp,
        comments_bp,
        meetings_bp,
        archiving_bp,
        search_bp,
        activity_bp,
        admin_bp,
        exports_bp,
        public_bp,
        api_bp,
        api_tokens_bp,
        notifications_bp,
    ):
        app.register_blueprint(blueprint)
    cookieless.install(app)
