"""The resident's account: sign up and sign in (with a password or an OpenID provider), and the
account pages (dashboard, contact preferences, email, password, export, delete)."""

from . import auth, manage, oidc

BLUEPRINTS = (auth.bp, oidc.bp, manage.bp)
