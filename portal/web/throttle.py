"""Throttles on guessing passwords and on uploads, kept by Flask-Limiter (see RATELIMIT_STORAGE_URI).

Password checks (signing in, and the password asked again before changing the password or the
email address or deleting the account) share two counts, and only a wrong password adds to them:

- per client address: at most ``PER_ADDRESS`` wrong passwords, whichever accounts they were for;
- per account at a client address: at most ``PER_ACCOUNT_AT_ADDRESS``.

Nothing is counted per account alone, so a stranger who knows someone's email address uses up only
the attempts of their own address: the owner, from theirs, signs in as usual. The account is named
by the email address typed (or the signed-in account's), hashed, so an address with no account is
counted exactly like one with an account and the answers tell nothing about which it is.

Upload posts (a file question page, or an answer with documents) are limited per client address
(``UPLOAD_RATE_LIMIT``): each can make the server decode several large images.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import current_app, g, request

from ..extensions import client_address, limiter

PER_ADDRESS = "20 per hour"
PER_ACCOUNT_AT_ADDRESS = "5 per 15 minutes"


def wrong_password() -> None:
    """Call when a password check failed: this request counts against the throttles."""
    g.wrong_password = True


def _was_wrong(response) -> bool:
    return bool(g.get("wrong_password"))


def password_checks(whose: Callable[[], str | None]):
    """Throttle a view that checks a password; ``whose()`` is the email address of the account."""

    def account_at_address() -> str:
        account = hashlib.sha256((whose() or "").encode()).hexdigest()
        return f"{account}:{client_address()}"

    def decorate(view):
        view = limiter.shared_limit(PER_ACCOUNT_AT_ADDRESS, scope="password-account-address",
                                    key_func=account_at_address, methods=["POST"], deduct_when=_was_wrong)(view)
        return limiter.shared_limit(PER_ADDRESS, scope="password-address", methods=["POST"],
                                    deduct_when=_was_wrong)(view)

    return decorate


def _upload_rate() -> str:
    return current_app.config["UPLOAD_RATE_LIMIT"]


def _not_an_upload() -> bool:
    return request.mimetype != "multipart/form-data"


# Every multipart post to a view that takes files counts, on one shared count per client address.
uploads = limiter.shared_limit(_upload_rate, scope="uploads", methods=["POST"], exempt_when=_not_an_upload)
