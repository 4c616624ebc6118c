"""Creating, verifying, signing in, changing and deleting accounts.

Nothing here tells a caller whether an email address has an account: sign-up, sign-in and
password reset give the same outcome either way, and the owner of an address is told by email.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import audit
from ..actors import Actor
from ..models import Account, Case, EmailToken
from ..models.base import utcnow
from ..notify import outbox
from . import erasure, passwords, sessions, tokens

LinkFor = Callable[[str, str], str]  # (purpose, token) -> full URL


def find_by_email(session: Session, email: str) -> Account | None:
    return session.scalar(select(Account).filter_by(email=email))


def _key(account: Account, what: str) -> str:
    return f"account:{account.id}:{what}:{utcnow().timestamp():.6f}"


def register(session: Session, email: str, password: str, locale: str, link_for: LinkFor,
             actor: Actor) -> None:
    """Sign up ``email``. The caller shows "check your email" whatever happens here."""
    existing = find_by_email(session, email)
    if existing is not None:
        passwords.hash_password(password)  # the same work as a new sign-up, so timing tells nothing
        outbox.queue_for_account(session, existing, "register_existing", _key(existing, "register_existing"),
                                 {"link": link_for("sign_in", ""), "reset_link": link_for("forgot", "")})
        audit.record(session, actor, "account.register", outcome="existing",
                     target_type="account", target_id=str(existing.id))
        return
    account = Account(email=email, password_hash=passwords.hash_password(password), locale=locale,
                      created_at=utcnow(), password_changed_at=utcnow())
    session.add(account)
    session.flush()
    send_verification(session, account, link_for)
    audit.record(session, actor, "account.register", target_type="account", target_id=str(account.id))


def send_verification(session: Session, account: Account, link_for: LinkFor) -> None:
    token = tokens.issue(session, account, "verify")
    outbox.queue_for_account(session, account, "verify_email", _key(account, "verify"),
                             {"link": link_for("verify", token), "expires_minutes": 24 * 60})


def verify_email(session: Session, token: str, actor: Actor) -> Account | None:
    used = tokens.consume(session, token, "verify")
    if used is None:
        return None
    account = session.get(Account, used.account_id)
    if account.email != used.email:
        return None
    if account.email_verified_at is None:
        account.email_verified_at = utcnow()
    claimed = claim_guest_cases(session, account)
    audit.record(session, actor, "account.verify_email", target_type="account", target_id=str(account.id),
                 details={"claimed_cases": claimed})
    return account


def claim_guest_cases(session: Session, account: Account) -> int:
    """Attach the cases made as a guest with this (verified) address to the account."""
    if account.email_verified_at is None:
        return 0
    result = session.execute(
        update(Case).where(Case.contact_email == account.email, Case.account_id.is_(None))
        .values(account_id=account.id)
    )
    return result.rowcount or 0


def authenticate(session: Session, email: str | None, password: str, actor: Actor) -> Account | None:
    """The account when the email and password match; the same work and answer otherwise.

    A refusal is the caller's to audit: it answers 401 and commits nothing of this transaction.
    """
    account = find_by_email(session, email) if email else None
    ok = passwords.verify(account.password_hash if account else None, password)
    if not ok or account is None:
        return None
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash_password(password)
    audit.record(session, actor, "account.sign_in", target_type="account", target_id=str(account.id))
    return account


def request_reset(session: Session, email: str, link_for: LinkFor, actor: Actor) -> None:
    account = find_by_email(session, email)
    if account is None:
        audit.record(session, actor, "account.reset_request", outcome="no_account")
        return
    token = tokens.issue(session, account, "reset")
    outbox.queue_for_account(session, account, "reset_password", _key(account, "reset"),
                             {"link": link_for("reset", token), "expires_minutes": 60})
    audit.record(session, actor, "account.reset_request", target_type="account", target_id=str(account.id))


def reset_link_account(session: Session, token: str) -> Account | None:
    """The account a password-reset link is for, without using the link; None when it does not work."""
    pending = tokens.peek(session, token, "reset")
    return session.get(Account, pending.account_id) if pending is not None else None


def reset_password(session: Session, token: str, new_password: str, actor: Actor) -> Account | None:
    used = tokens.consume(session, token, "reset")
    if used is None:
        return None
    account = session.get(Account, used.account_id)
    set_password(session, account, new_password, actor)
    # The link proved the address, so it is verified now.
    if account.email_verified_at is None and used.email == account.email:
        account.email_verified_at = utcnow()
        claim_guest_cases(session, account)
    return account


def set_password(session: Session, account: Account, new_password: str, actor: Actor,
                 keep_token: str | None = None) -> None:
    account.password_hash = passwords.hash_password(new_password)
    account.password_changed_at = utcnow()
    sessions.end_all(session, account.id, except_token=keep_token)
    outbox.queue_for_account(session, account, "password_changed", _key(account, "password_changed"), {})
    audit.record(session, actor, "account.password_change", target_type="account", target_id=str(account.id))


class EmailChangeLimited(Exception):
    """Nothing was sent. ``reason``: "already_sent" (a link went to that address moments ago) or
    "daily_limit" (the account asked for too many changes in a day)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# A message goes to an address the resident typed, so each account may send only a few a day,
# and never the same link twice in a row within minutes.
EMAIL_CHANGES_PER_DAY = 5
RESEND_AFTER = timedelta(minutes=15)


def _check_email_change_limits(session: Session, account: Account, new_email: str) -> None:
    now = utcnow()
    recent = session.scalars(
        select(EmailToken).where(EmailToken.account_id == account.id, EmailToken.purpose == "change_email",
                                 EmailToken.created_at > now - timedelta(days=1))
        .order_by(EmailToken.created_at.desc(), EmailToken.id.desc())
    ).all()
    last = recent[0] if recent else None
    if (last is not None and last.email == new_email and last.used_at is None
            and last.created_at > now - RESEND_AFTER):
        raise EmailChangeLimited("already_sent")
    if len(recent) >= EMAIL_CHANGES_PER_DAY:
        raise EmailChangeLimited("daily_limit")


def request_email_change(session: Session, account: Account, new_email: str, link_for: LinkFor,
                         actor: Actor) -> None:
    """Send a confirmation link to the new address (or, if it has an account, a notice).

    Raises EmailChangeLimited instead when that would be a message too many. Either way a link
    is issued, so an address with an account is limited exactly like one without.
    """
    _check_email_change_limits(session, account, new_email)
    token = tokens.issue(session, account, "change_email", email=new_email)
    other = find_by_email(session, new_email)
    if other is not None and other.id != account.id:
        # The link is never sent: confirming it would fail anyway, since the address is taken.
        outbox.queue_to_address(session, new_email, account.locale, "register_existing",
                                _key(account, "change_email_taken"),
                                {"link": link_for("sign_in", ""), "reset_link": link_for("forgot", "")})
    else:
        outbox.queue_to_address(session, new_email, account.locale, "verify_email",
                                _key(account, "change_email"),
                                {"link": link_for("change_email", token), "expires_minutes": 24 * 60})
    audit.record(session, actor, "account.email_change_request", target_type="account", target_id=str(account.id))


def confirm_email_change(session: Session, token: str, actor: Actor) -> Account | None:
    used = tokens.consume(session, token, "change_email")
    if used is None:
        return None
    account = session.get(Account, used.account_id)
    if find_by_email(session, used.email) is not None:
        return None
    old = account.email
    account.email = used.email
    account.email_verified_at = utcnow()
    outbox.queue_for_account(session, account, "email_changed", _key(account, "email_changed_old"),
                             {"new_email": mask_email(used.email)}, email=old)
    claim_guest_cases(session, account)
    audit.record(session, actor, "account.email_change", target_type="account", target_id=str(account.id))
    return account


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}{'•' * max(len(local) - 1, 1)}@{domain}"


def delete(session: Session, account: Account, actor: Actor, *, mailroom_dir: str | Path) -> None:
    """Delete the account and everything about the person that is not part of a public record;
    their requests stay, anonymised (``erasure`` says exactly what goes and what stays).
    ``mailroom_dir``: where letters and call sheets are written, to delete the person's."""
    outbox.queue_for_account(session, account, "account_deleted", _key(account, "deleted"), {})
    audit.record(session, actor, "account.delete", target_type="account", target_id=str(account.id))
    erasure.erase(session, account, mailroom_dir=mailroom_dir)
