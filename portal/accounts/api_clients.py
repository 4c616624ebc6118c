"""Clients of the case API: registered on the command line (audited), each an actor with roles
and departments in the one policy, and scopes that limit what its tokens are good for. A client
proves itself with its secret (stored only as an argon2 hash) for a short-lived bearer token,
stored only as a SHA-256 hash; either can be revoked."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..actors import API_CLIENT, Actor
from ..cases.policy import ROLES
from ..models import ApiClient, ApiToken, IdempotencyKey
from ..models.base import utcnow
from . import passwords

# What a token may be used for; a client is given some of them, and asks for some at a time.
SCOPES = {
    "services:read": "read the service catalog",
    "cases:read": "list and read cases",
    "cases:act": "take workflow actions on cases",
    "cases:create": "make cases for residents (the API and Open311)",
    "webhooks:manage": "subscribe to case events by webhook",
    "cases:write": "add notes to cases, assign and transfer them",
    "documents:read": "list and download the documents of cases",
    "documents:write": "add documents to cases",
}
DEFAULT_SCOPES = ("services:read", "cases:read")
TOKEN_LIFETIME = timedelta(minutes=15)
# A request with an Idempotency-Key not answered after this long was cut off (see ``take_key``).
IN_FLIGHT_LIMIT = timedelta(minutes=5)


class ApiClientError(ValueError):
    """A client that cannot be made or changed; ``code`` names why."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(session: Session, actor: Actor, *, name: str, roles: Iterable[str], departments: Iterable[str],
           known_departments: Iterable[str], scopes: Iterable[str] = ()) -> tuple[ApiClient, str]:
    """A new client and its secret (shown once: only its hash is kept). Audited."""
    if not name.strip():
        raise ApiClientError("no_name")
    roles, departments = sorted(set(roles)), sorted(set(departments))
    scopes = sorted(set(scopes) or set(DEFAULT_SCOPES))
    if not roles:
        raise ApiClientError("no_role")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ApiClientError("unknown_role", ", ".join(unknown))
    unknown = sorted(set(departments) - set(known_departments))
    if unknown:
        raise ApiClientError("unknown_department", ", ".join(unknown))
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ApiClientError("unknown_scope", ", ".join(unknown))
    secret = secrets.token_urlsafe(32)
    # Hexadecimal: an id an operator pastes into a command never starts with "-" (read as an option).
    client = ApiClient(client_id=secrets.token_hex(16), name=name.strip(), roles=roles,
                       departments=departments, scopes=scopes, secret_hash=passwords.hash_password(secret))
    session.add(client)
    session.flush()
    audit.record(session, actor, "api_client.create", target_type="api_client", target_id=client.client_id,
                 details={"name": client.name, "roles": roles, "departments": departments, "scopes": scopes})
    return client, secret


def find(session: Session, client_id: str | None) -> ApiClient | None:
    if not client_id or len(client_id) > 64:
        return None
    return session.scalar(select(ApiClient).filter_by(client_id=client_id))


def active(session: Session, client_id: str | None) -> ApiClient | None:
    client = find(session, client_id)
    return client if client is not None and client.revoked_at is None else None


_NOBODY: list[str] = []  # a hash no secret matches, made once, for unknown client ids


def check_secret(client: ApiClient | None, secret: str | None) -> bool:
    """Whether ``secret`` is the client's. An unknown (None) or revoked client is checked against
    a hash all the same, so the answer takes as long and tells nothing about which ids exist."""
    if client is None or client.revoked_at is not None:
        if not _NOBODY:
            _NOBODY.append(passwords.hash_password(secrets.token_urlsafe(32)))
        passwords.verify(_NOBODY[0], secret or "-")
        return False
    return bool(secret) and passwords.verify(client.secret_hash, secret)


def revoke(session: Session, actor: Actor, client: ApiClient) -> None:
    """Stop the client: its secret and every token it holds stop working at once. Audited."""
    now = utcnow()
    client.revoked_at = client.revoked_at or now
    session.execute(update(ApiToken).where(ApiToken.client_id == client.id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now).execution_options(synchronize_session=False))
    audit.record(session, actor, "api_client.revoke", target_type="api_client", target_id=client.client_id)


def store_token(session: Session, client: ApiClient, token: str, scopes: Iterable[str],
                expires_in: int) -> ApiToken:
    """Keep the hash of a token just issued to ``client``."""
    now = utcnow()
    row = ApiToken(token_hash=token_hash(token), client_id=client.id, scopes=sorted(set(scopes)), issued_at=now,
                   expires_at=now + timedelta(seconds=expires_in))
    session.add(row)
    session.flush()
    return row


def find_token(session: Session, token: str | None) -> ApiToken | None:
    if not token or len(token) > 512:
        return None
    return session.scalar(select(ApiToken).filter_by(token_hash=token_hash(token)))


def token_usable(session: Session, row: ApiToken, now: datetime | None = None) -> bool:
    """Not expired, not revoked, and its client not revoked."""
    now = now or utcnow()
    client = session.get(ApiClient, row.client_id)
    return row.revoked_at is None and row.expires_at > now and client is not None and client.revoked_at is None


def client_of(session: Session, row: ApiToken) -> ApiClient:
    return session.get(ApiClient, row.client_id)


def revoke_token(row: ApiToken) -> None:
    row.revoked_at = row.revoked_at or utcnow()


def actor_for(client: ApiClient, *, address: str | None = None, source: str = "api") -> Actor:
    """What the policy sees when ``client`` acts: its roles and departments, nothing more.
    ``source``: the door it came through (the case API, or Open311 with its api_key)."""
    return Actor(API_CLIENT, client.client_id, roles=frozenset(client.roles),
                 departments=frozenset(client.departments), source=source, address=address)


# --- Idempotency-Key -------------------------------------------------------------------------------


def reserve_key(session: Session, client_id: int, key: str, fingerprint: str) -> int | None:
    """Reserve ``key`` for a request of ``client_id`` (in a transaction of its own, ``session``):
    the reservation's id, or None when the client used the key before (``used_key`` says how)."""
    try:
        with session.begin_nested():
            row = IdempotencyKey(client_id=client_id, key=key, request_hash=fingerprint)
            session.add(row)
        return row.id
    except IntegrityError:
        return None


def used_key(session: Session, client_id: int, key: str) -> IdempotencyKey | None:
    return session.scalar(select(IdempotencyKey).filter_by(client_id=client_id, key=key))


def take_key(session: Session, client_id: int, key: str, fingerprint: str) -> int | IdempotencyKey:
    """Reserve ``key`` (its reservation's id), or the row of the earlier request that used it. A
    reservation never answered within ``IN_FLIGHT_LIMIT`` (its process stopped mid-request, so its
    transaction and its change were lost) is taken over rather than refused for ever."""
    reservation = reserve_key(session, client_id, key, fingerprint)
    if reservation is not None:
        return reservation
    row = used_key(session, client_id, key)
    if row is not None and row.status is None and row.created_at < utcnow() - IN_FLIGHT_LIMIT:
        free_key(session, row.id)
        reservation = reserve_key(session, client_id, key, fingerprint)
        if reservation is not None:
            return reservation
        row = used_key(session, client_id, key)
    return row


def free_key(session: Session, reservation: int) -> None:
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == reservation))


def answer_key(session: Session, reservation: int, status: int, headers: dict[str, str], body: str) -> None:
    """Keep the response to a reserved key's request, in that request's transaction."""
    row = session.get(IdempotencyKey, reservation)
    row.status, row.headers, row.body = status, headers, body
