"""audit trail in independent chains with head rows; erasable client addresses; the actor's kind

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 06:00:00.000000

The rows already written were one chain whose hashes covered the client address itself. The
upgrade checks that chain first and refuses to go on if it is broken (re-sealing it would hide the
break); then it re-seals every row, in id order, as chain 0 of the new format: the address gets a
salt and a commitment, and the hash covers the commitment. The downgrade does the reverse, after
checking every chain of the new format. Both hash functions are written out here, as they were
when this revision was made, so later changes to portal.audit cannot change what it does.
"""
import hashlib
import json
import secrets

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401  (used by JSONB columns)

import portal.models.base

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
BATCH = 1000

records = sa.table(
    "audit_records",
    sa.column("id", sa.Integer()), sa.column("chain", sa.Integer()), sa.column("seq", sa.Integer()),
    sa.column("occurred_at", portal.models.base.UTCDateTime(timezone=True)),
    sa.column("action", sa.String()), sa.column("outcome", sa.String()), sa.column("actor", sa.String()),
    sa.column("kind", sa.String()), sa.column("source", sa.String()), sa.column("address", sa.String()),
    sa.column("address_salt", sa.String()), sa.column("address_commitment", sa.String()),
    sa.column("target_type", sa.String()), sa.column("target_id", sa.String()),
    sa.column("details", portal.models.base.JSONType), sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)
chains = sa.table("audit_chains", sa.column("chain", sa.Integer()), sa.column("seq", sa.Integer()),
                  sa.column("hash", sa.String()), sa.column("record_id", sa.Integer()))


def _digest(prev_hash, fields):
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def _old_fields(row, address):
    return {"occurred_at": row.occurred_at.isoformat(), "action": row.action, "outcome": row.outcome,
            "actor": row.actor, "source": row.source, "address": address, "target_type": row.target_type,
            "target_id": row.target_id, "details": row.details}


def _new_fields(row, chain, seq, address_commitment):
    return {"chain": chain, "seq": seq, "occurred_at": row.occurred_at.isoformat(), "action": row.action,
            "outcome": row.outcome, "actor": row.actor, "kind": row.kind, "source": row.source,
            "address": address_commitment, "target_type": row.target_type, "target_id": row.target_id,
            "details": row.details}


def _rows(connection, order):
    """Every record, in ``order``, a batch at a time (keyset on that order)."""
    last = None
    while True:
        query = sa.select(records).order_by(*order).limit(BATCH)
        if last is not None:
            query = query.where(sa.tuple_(*order) > sa.tuple_(*[getattr(last, c.name) for c in order]))
        batch = connection.execute(query).all()
        if not batch:
            return
        yield from batch
        last = batch[-1]


def upgrade() -> None:
    op.create_table('audit_chains',
    sa.Column('chain', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('chain', name=op.f('pk_audit_chains'))
    )
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('address_salt', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('address_commitment', sa.String(length=64), nullable=True))

    connection = op.get_bind()
    prev, new_prev, seq, last_id = GENESIS, GENESIS, 0, None
    for row in _rows(connection, [records.c.id]):
        if row.prev_hash != prev or row.hash != _digest(prev, _old_fields(row, row.address)):
            raise RuntimeError(f"The audit trail is broken at record {row.id}: find out why before upgrading "
                               "(this upgrade re-seals the trail and would hide the break).")
        prev, seq, last_id = row.hash, seq + 1, row.id
        salt = secrets.token_hex(16) if row.address else None
        address_commitment = hashlib.sha256(f"{salt}|{row.address}".encode()).hexdigest() if salt else None
        new_hash = _digest(new_prev, _new_fields(row, 0, seq, address_commitment))
        connection.execute(records.update().where(records.c.id == row.id).values(
            chain=0, seq=seq, address_salt=salt, address_commitment=address_commitment,
            prev_hash=new_prev, hash=new_hash))
        new_prev = new_hash
    if seq:
        connection.execute(chains.insert().values(chain=0, seq=seq, hash=new_prev, record_id=last_id))

    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.alter_column('chain', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_records_chain_seq'), ['chain', 'seq'])


def downgrade() -> None:
    connection = op.get_bind()
    chain, prev, seq = None, GENESIS, 0
    for row in _rows(connection, [records.c.chain, records.c.seq]):
        if row.chain != chain:
            chain, prev, seq = row.chain, GENESIS, 0
        seq += 1
        kept = row.address is None or (
            row.address_salt is not None
            and row.address_commitment == hashlib.sha256(f"{row.address_salt}|{row.address}".encode()).hexdigest())
        if (row.seq != seq or row.prev_hash != prev or not kept
                or row.hash != _digest(prev, _new_fields(row, row.chain, row.seq, row.address_commitment))):
            raise RuntimeError(f"The audit trail is broken at record {row.id}: find out why before downgrading "
                               "(this downgrade re-seals the trail and would hide the break).")
        prev = row.hash
    # Back to one chain in id order, the address (erased ones stay empty) under the hash again.
    prev = GENESIS
    for row in _rows(connection, [records.c.id]):
        old_hash = _digest(prev, _old_fields(row, row.address))
        connection.execute(records.update().where(records.c.id == row.id).values(prev_hash=prev, hash=old_hash))
        prev = old_hash

    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_records_chain_seq'), type_='unique')
        batch_op.drop_column('address_commitment')
        batch_op.drop_column('address_salt')
        batch_op.drop_column('kind')
        batch_op.drop_column('seq')
        batch_op.drop_column('chain')

    op.drop_table('audit_chains')
