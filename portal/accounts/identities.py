"""Signing in through an OpenID provider: find the account, link it, or create it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..actors import Actor
from ..models import Account, Identity
from ..models.base import utcnow
from . import registry, sessions


class UnverifiedEmail(ValueError):
    """The provider did not confirm the email address, so it cannot link or create an account."""


def sign_in(session: Session, *, issuer: str, subject: str, email: str | None, email_verified: bool,
            name: str | None, locale: str, actor: Actor) -> Account:
    """The account for this provider identity, linked or created as needed.

    Two sign-ins for the same person at once (two tabs) may both try to create it: the second
    finds what the first saved, in a savepoint, so the caller's transaction goes on.
    """
    try:
        with session.begin_nested():
            return _sign_in(session, issuer=issuer, subject=subject, email=email, email_verified=email_verified,
                            name=name, locale=locale, actor=actor)
    except IntegrityError:
        return _sign_in(session, issuer=issuer, subject=subject, email=email, email_verified=email_verified,
                        name=name, locale=locale, actor=actor)


def _sign_in(session: Session, *, issuer: str, subject: str, email: str | None, email_verified: bool,
             name: str | None, locale: str, actor: Actor) -> Account:
    identity = session.scalar(select(Identity).filter_by(issuer=issuer, subject=subject))
    if identity is not None:
        account = identity.account
        audit.record(session, actor, "account.sign_in", target_type="account", target_id=str(account.id),
                     details={"provider": issuer})
        return account
    if not email or not email_verified:
        audit.record(session, actor, "account.sign_in", outcome="failure", details={"provider": issuer,
                     "reason": "email not verified by provider"})
        raise UnverifiedEmail(issuer)
    account = registry.find_by_email(session, email)
    if account is None:
        account = Account(email=email, name=name, locale=locale, email_verified_at=utcnow(), created_at=utcnow())
        session.add(account)
        session.flush()
        action = "account.create_from_provider"
    else:
        if account.email_verified_at is None:
            # Someone may have signed up with this address without owning it: their password
            # and sessions must not survive the real owner's arrival.
            account.password_hash = None
            sessions.end_all(session, account.id)
            account.email_verified_at = utcnow()
        action = "account.link_provider"
    session.add(Identity(account_id=account.id, issuer=issuer, subject=subject, created_at=utcnow()))
    session.flush()
    registry.claim_guest_cases(session, account)
    audit.record(session, actor, action, target_type="account", target_id=str(account.id),
                 details={"provider": issuer})
    return account
