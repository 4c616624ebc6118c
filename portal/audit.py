"""Audit records (NIST 800-53 AU-3: what, when, where, source, outcome, who).

Written in the caller's transaction, so an audited change and its record commit together.

Tamper-evident without one lock for the whole site: the trail is ``CHAINS`` independent hash
chains. Each row carries its chain, its place in it (``seq``: 1, 2, 3…) and the hash of the row
before it, and its own hash covers all of these and its fields: editing, deleting or reordering
rows breaks its chain, which ``verify_chain`` detects. Each chain has a head row (``audit_chains``:
length, last hash, last record) that a writer locks until it commits — ``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite lets one writer in at a time anyway. So writers on different chains never wait
for each other, and the head also shows when a chain's last rows were deleted.

Which chain: every record about one target (a case, an account, a draft) goes to the chain its
target hashes to, so what happened to one case reads in order in one chain; a record with no
target goes to a random chain. A transaction keeps writing to the first chain it locked, so it
holds at most one head and two transactions can never deadlock over heads.

Personal data can be erased without breaking a chain: the client's address is stored beside a
salted commitment (``sha256(salt|address)``), and the hash covers the commitment, not the address.
``erase_addresses`` sets the address and its salt to NULL; without the salt the commitment says
nothing about the address, and the chain still verifies. While the address is there,
``verify_chain`` checks it against its commitment, so it cannot be changed unseen either.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import AuditChain, AuditRecord
from .models.base import utcnow

log = logging.getLogger("portal.audit")
GENESIS = "0" * 64
# More chains, fewer writers waiting on one head. Raising it later is safe: every row names its chain.
CHAINS = 16
_CHAIN_OF_TRANSACTION = "audit.chain"  # session.info: (root transaction, chain)


@dataclass(frozen=True)
class Break:
    """Where a chain stops verifying: the chain, the record (the one missing, for a cut-off end)
    and why."""

    chain: int
    record_id: int | None
    reason: str


def chain_for(target_type: str | None, target_id: str | None) -> int:
    """The chain for records about this target; a random one when there is no target."""
    if target_id is None:
        return secrets.randbelow(CHAINS)
    digest = hashlib.sha256(f"{target_type}:{target_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % CHAINS


def commitment(salt: str, value: str) -> str:
    return hashlib.sha256(f"{salt}|{value}".encode()).hexdigest()


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def _fields(row: AuditRecord) -> dict[str, Any]:
    return {
        "chain": row.chain,
        "seq": row.seq,
        "occurred_at": row.occurred_at.isoformat(),
        "action": row.action,
        "outcome": row.outcome,
        "actor": row.actor,
        "kind": row.kind,
        "source": row.source,
        "address": row.address_commitment,
        "target_type": row.target_type,
        "target_id": row.target_id,
        "details": row.details,
    }


def _kind(actor: Any) -> str | None:
    kind = getattr(actor, "kind", None)
    kind = getattr(kind, "value", kind)  # an enum member stores its value
    return None if kind is None else str(kind)


def _chain(session: Session, target_type: str | None, target_id: str | None) -> int:
    """The chain this transaction writes to: the first record's, for every record after it."""
    session.connection()  # begin the transaction, so it can be told apart from the next one
    transaction = session.get_transaction()
    held = session.info.get(_CHAIN_OF_TRANSACTION)
    if held is not None and held[0] is transaction:
        return held[1]
    chain = chain_for(target_type, target_id)
    session.info[_CHAIN_OF_TRANSACTION] = (transaction, chain)
    return chain


def _lock_head(session: Session, chain: int) -> AuditChain:
    """The chain's head, locked until the transaction ends (made on first use)."""
    query = (select(AuditChain).filter_by(chain=chain).with_for_update()
             .execution_options(populate_existing=True))
    head = session.scalar(query)
    if head is not None:
        return head
    last = session.execute(select(AuditRecord.seq, AuditRecord.hash, AuditRecord.id).filter_by(chain=chain)
                           .order_by(AuditRecord.seq.desc()).limit(1)).first()
    try:
        with session.begin_nested():
            session.add(AuditChain(chain=chain, seq=last.seq if last else 0, hash=last.hash if last else GENESIS,
                                   record_id=last.id if last else None))
    except IntegrityError:
        pass  # another transaction made it first; the query below waits for its lock
    return session.scalars(query).one()


def record(
    session: Session,
    actor: Any,
    action: str,
    *,
    outcome: str = "success",
    target_type: str | None = None,
    target_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditRecord:
    """Add one record. ``actor`` is anything with ``name``, ``source`` and ``address`` (and, when
    it has one, ``kind``)."""
    head = _lock_head(session, _chain(session, target_type, target_id))
    address = actor.address or None
    salt = secrets.token_hex(16) if address else None
    row = AuditRecord(
        chain=head.chain,
        seq=head.seq + 1,
        occurred_at=utcnow(),
        action=action,
        outcome=outcome,
        actor=actor.name,
        kind=_kind(actor),
        source=actor.source,
        address=address,
        address_salt=salt,
        address_commitment=commitment(salt, address) if address else None,
        target_type=target_type,
        target_id=target_id,
        details=details or {},
        prev_hash=head.hash,
    )
    row.hash = _digest(row.prev_hash, _fields(row))
    session.add(row)
    session.flush()
    head.seq, head.hash, head.record_id = row.seq, row.hash, row.id
    session.flush()
    log.info("audit %s", json.dumps({
        "id": row.id, "at": row.occurred_at.isoformat(), "action": action, "outcome": outcome,
        "actor": actor.name, "kind": row.kind, "source": actor.source, "address": address,
        "target": f"{target_type}:{target_id}",
    }, ensure_ascii=False))
    return row


def erase_addresses(session: Session, *conditions) -> int:
    """Remove the client address, and its salt, from the records matching ``conditions`` (SQL
    expressions on AuditRecord). Their commitments stay, so every chain still verifies."""
    result = session.execute(
        update(AuditRecord).where(AuditRecord.address_salt.is_not(None), *conditions)
        .values(address=None, address_salt=None).execution_options(synchronize_session=False))
    return result.rowcount or 0


def _row_problem(row: AuditRecord, seq: int, prev: str) -> str | None:
    if row.seq != seq:
        return f"expected record {seq} of the chain here: one is missing or out of order"
    if row.prev_hash != prev:
        return "does not follow the record before it"
    if row.address is not None and (row.address_salt is None
                                    or row.address_commitment != commitment(row.address_salt, row.address)):
        return "the address does not match its commitment"
    if row.hash != _digest(prev, _fields(row)):
        return "changed since it was written"
    return None


def breaks(session: Session) -> list[Break]:
    """The first break in each broken chain, in chain order; empty when the trail is intact."""
    heads = {head.chain: head for head in session.scalars(select(AuditChain))}
    found: dict[int, Break] = {}
    ends: dict[int, AuditRecord] = {}
    query = select(AuditRecord).order_by(AuditRecord.chain, AuditRecord.seq).execution_options(yield_per=500)
    for row in session.scalars(query):
        if row.chain in found:
            continue
        last = ends.get(row.chain)
        problem = _row_problem(row, last.seq + 1 if last else 1, last.hash if last else GENESIS)
        if problem:
            found[row.chain] = Break(row.chain, row.id, problem)
        else:
            ends[row.chain] = row
    for chain, head in heads.items():
        if chain in found:
            continue
        last = ends.get(chain)
        if (last.seq if last else 0, last.hash if last else GENESIS) != (head.seq, head.hash):
            found[chain] = Break(chain, head.record_id, "the chain's last records are missing")
    return [found[chain] for chain in sorted(found)]


def first_broken(found: list[Break]) -> int | None:
    """The id to name for a list of breaks: the earliest written row among them."""
    ids = [b.record_id for b in found if b.record_id is not None]
    return min(ids) if ids else (0 if found else None)


def record_refused(open_apart: Callable[[], AbstractContextManager[Session]], actor: Any, action: str,
                   **fields: Any) -> None:
    """Audit a refused attempt in a transaction of its own (``open_apart``), committed whatever
    happens to the caller's: a refusal's own request commits nothing."""
    with open_apart() as own:
        record(own, actor, action, outcome="failure", **fields)


def verify_chain(session: Session) -> int | None:
    """Check every chain. The id of the first broken row (the earliest written of each chain's
    first break), or None when the trail is intact."""
    return first_broken(breaks(session))
