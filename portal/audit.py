"""Audit records (NIST 800-53 AU-3: what, when, where, source, outcome, who).

Written in the caller's transaction, so an audited change and its record commit together. Each row
carries the hash of the row before it: editing or deleting a row breaks the chain, which
``verify_chain`` detects.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .actors import Actor
from .models import AuditRecord
from .models.base import utcnow

log = logging.getLogger("portal.audit")
GENESIS = "0" * 64


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def _fields(row: AuditRecord) -> dict[str, Any]:
    return {
        "occurred_at": row.occurred_at.isoformat(),
        "action": row.action,
        "outcome": row.outcome,
        "actor": row.actor,
        "source": row.source,
        "address": row.address,
        "target_type": row.target_type,
        "target_id": row.target_id,
        "details": row.details,
    }


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    outcome: str = "success",
    target_type: str | None = None,
    target_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditRecord:
    if session.get_bind().dialect.name == "postgresql":
        # Serialise writers so the chain has one head; released at commit.
        session.execute(text("SELECT pg_advisory_xact_lock(7341001)"))
    prev = session.scalar(select(AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1))
    row = AuditRecord(
        occurred_at=utcnow(),
        action=action,
        outcome=outcome,
        actor=actor.name,
        source=actor.source,
        address=actor.address,
        target_type=target_type,
        target_id=target_id,
        details=details or {},
        prev_hash=prev or GENESIS,
    )
    row.hash = _digest(row.prev_hash, _fields(row))
    session.add(row)
    session.flush()
    log.info("audit %s", json.dumps({
        "id": row.id, "at": row.occurred_at.isoformat(), "action": action, "outcome": outcome,
        "actor": actor.name, "source": actor.source, "address": actor.address,
        "target": f"{target_type}:{target_id}",
    }, ensure_ascii=False))
    return row


def record_refused(open_apart: Callable[[], AbstractContextManager[Session]], actor: Any, action: str,
                   **fields: Any) -> None:
    """Audit a refused attempt in a transaction of its own (``open_apart``), committed whatever
    happens to the caller's: a refusal's own request commits nothing."""
    with open_apart() as own:
        record(own, actor, action, outcome="failure", **fields)


def verify_chain(session: Session) -> int | None:
    """The id of the first row whose chain is broken, or None when the trail is intact."""
    prev = GENESIS
    for row in session.scalars(select(AuditRecord).order_by(AuditRecord.id).execution_options(yield_per=500)):
        if row.prev_hash != prev or row.hash != _digest(prev, _fields(row)):
            return row.id
        prev = row.hash
    return None
