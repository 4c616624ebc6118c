"""Extension instances, created without an app and bound in create_app()."""

from authlib.integrations.flask_client import OAuth
from flask import request
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect


def client_address() -> str:
    """The client's address, as ProxyFix has already resolved it."""
    return request.remote_addr or "unknown"


csrf = CSRFProtect()
compress = Compress()
babel = Babel()
login_manager = LoginManager()
limiter = Limiter(key_func=client_address, default_limits=[])
# Sign-in through an OpenID provider. portal.web.oidc makes each app's provider client from it
# and keeps that client on the app, since one process may hold several apps (the tests do).
oauth = OAuth()
