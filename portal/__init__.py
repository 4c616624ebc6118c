"""Civic Portal: create_app() builds the Flask application."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from . import api, cli, config, db, open311
from .accounts import staff as staff_accounts
from .catalog import CatalogError, load_catalog
from .extensions import babel, compress, csrf, limiter
from .resources import resource
from .web import (
    access,
    account,
    assets,
    errors,
    i18n,
    public,
    resident,
    security,
    staff,
    templating,
    urls,
)
from .web.account import oidc, signin
from .web.resident import files
from .web.staff import provider as staff_provider
from .web.staff import session as staff_session


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

    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(resource("translations")),
    )
    limiter.init_app(app)
    compress.init_app(app)
    db.init_app(app)
    _refuse_demo_staff(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    assets.init_app(app)
    templating.init_app(app)
    urls.init_app(app)
    signin.init_app(app)
    oidc.init_app(app)
    staff_provider.init_app(app)
    staff_session.init_app(app)
    app.jinja_env.autoescape = True
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def _site():
        catalog = app.extensions["catalog"]
        return {"site_name": _l("Civic Portal"), "agency_name": catalog.agency.name(i18n.current_locale())}

    for blueprint in (*public.BLUEPRINTS, *resident.BLUEPRINTS, *account.BLUEPRINTS, *staff.BLUEPRINTS):
        app.register_blueprint(blueprint)
    files.init_app(app)
    api.init_app(app)
    open311.init_app(app)

    cli.init_app(app)
    access.init_app(app)
    return app


def _refuse_demo_staff(app: Flask) -> None:
    """Production does not start while a demo member of staff (made by seed-demo, with a printed
    password and a published authenticator key) is in its database."""
    if app.config["PORTAL_ENV"] != "production":
        return
    try:
        with db.session_scope(app, immediate=False) as session:
            found = staff_accounts.demo_members_exist(session)
    except SQLAlchemyError:  # no staff table yet: the database is not migrated, so nothing to refuse
        return
    if found:
        raise config.ConfigError("The database holds demo staff accounts (made by seed-demo for development, "
                                 "with published passwords); production refuses them: use a database without "
                                 "demo data.")
