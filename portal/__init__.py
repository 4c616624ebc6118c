"""Civic Portal: create_app() builds the Flask application."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config, db
from .catalog import CatalogError, load_catalog
from .extensions import babel, compress, csrf, limiter

PACKAGE = Path(__file__).resolve().parent


def resource(name: str) -> Path:
    """A folder shipped beside the code: inside the package when installed, at the top of a checkout."""
    for base in (PACKAGE, PACKAGE.parent):
        if (base / name).is_dir():
            return base / name
    raise FileNotFoundError(f"cannot find the {name!r} folder next to {PACKAGE}")


def create_app(overrides: dict | None = None) -> Flask:
    """The portal application.

    Called without overrides — by ``flask``, ``civic-portal`` or gunicorn — a configuration or
    catalog error stops start-up with one clear line instead of a traceback. Called with overrides
    (tests, scripts), the error is raised.
    """
    try:
        return _create_app(overrides)
    except (config.ConfigError, CatalogError) as error:
        if overrides is not None:
            raise
        sys.stderr.write(f"Civic Portal cannot start: {error}\n")
        # 3 is also what gunicorn takes as "a worker failed to boot": it stops instead of retrying.
        raise SystemExit(3) from None


def _create_app(overrides: dict | None) -> Flask:
    settings = config.load(overrides)
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(resource("templates")),
        static_folder=str(resource("static")),
    )
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    app.extensions["catalog"] = load_catalog(app.config["CATALOG_DIR"], app.config["SHIPPED_LOCALES"])

    from .web import assets, errors, i18n, oidc, security, signin, templating, urls

    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(resource("translations")),
    )
    limiter.init_app(app)
    compress.init_app(app)
    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    assets.init_app(app)
    templating.init_app(app)
    urls.init_app(app)
    signin.init_app(app)
    oidc.init_app(app)
    app.jinja_env.autoescape = True
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def _site():
        from .web.i18n import current_locale

        catalog = app.extensions["catalog"]
        return {"site_name": _l("Civic Portal"), "agency_name": catalog.agency.name(current_locale())}

    from .web import account, auth, drafts, followup, health, notifications, public, report, tracking, uploads

    app.register_blueprint(health.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(report.bp)
    app.register_blueprint(drafts.bp)
    app.register_blueprint(tracking.bp)
    app.register_blueprint(followup.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(oidc.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(uploads.bp)
    uploads.init_app(app)

    from . import cli
    from .web import access

    cli.init_app(app)
    access.check_declared(app)
    return app
