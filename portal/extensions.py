"""Extension instances, created without an app and bound in create_app()."""

from datetime import UTC, datetime

from authlib.integrations.flask_client import OAuth
from flask import current_app, request
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect


def client_address() -> str:
    """The client's address, as ProxyFix has already resolved it."""
    return request.remote_addr or "unknown"


def client_wait(client_id: str) -> int | None:
    """Count a request of the API client ``client_id`` (the case API's bearer token or Open311's
    api_key: one count per client) against ``API_RATE_LIMIT``; the seconds to wait when over it."""
    from limits import parse_many

    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    for item in parse_many(current_app.config.get("API_RATE_LIMIT") or "300 per minute"):
        if not limiter.limiter.hit(item, "api-client", client_id):
            reset = limiter.limiter.get_window_stats(item, "api-client", client_id).reset_time
            return max(1, int(reset - datetime.now(UTC).timestamp()) + 1)
    return None


csrf = CSRFProtect()
compress = Compress()
babel = Babel()
login_manager = LoginManager()
limiter = Limiter(key_func=client_address, default_limits=[])
# Sign-in through an OpenID provider. portal.web.oidc makes each app's provider client from it
# and keeps that client on the app, since one process may hold several apps (the tests do).
oauth = OAuth()
