"""The audit trail: independent hash chains that show any edit, deletion or reordering, and client
addresses that can be erased without breaking them."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from portal import audit
from portal.actors import Actor
from portal.models import AuditChain, AuditRecord

ACTOR = Actor("system", "staff:1", source="cli", address="198.51.100.7")


def target_on(chain: int, prefix: str = "case") -> str:
    """A target id whose records land in ``chain``."""
    return next(f"{prefix}-{n}" for n in range(10_000) if audit.chain_for("case", f"{prefix}-{n}") == chain)


def write(session, target_id: str, count: int = 4) -> list[AuditRecord]:
    """``count`` records about one case, each in a transaction of its own (as requests write them)."""
    rows = []
    for i in range(count):
        rows.append(audit.record(session, ACTOR, "test.action", target_type="case", target_id=target_id,
                                 details={"step": i}))
        session.commit()
    return rows


def two_chains(session) -> tuple[list[AuditRecord], list[AuditRecord]]:
    return write(session, target_on(3)), write(session, target_on(11))


def test_records_about_one_target_form_one_chain_in_order(db_session):
    first, second = two_chains(db_session)
    assert {r.chain for r in first} == {3} and {r.chain for r in second} == {11}
    assert [r.seq for r in first] == [1, 2, 3, 4]
    assert [r.prev_hash for r in first[1:]] == [r.hash for r in first[:-1]]
    head = db_session.get(AuditChain, 3)
    assert (head.seq, head.hash, head.record_id) == (4, first[-1].hash, first[-1].id)
    assert audit.verify_chain(db_session) is None


def test_a_transaction_writes_every_record_to_its_first_chain(db_session):
    one = audit.record(db_session, ACTOR, "test.first", target_type="case", target_id=target_on(5))
    two = audit.record(db_session, ACTOR, "test.second", target_type="case", target_id=target_on(9))
    assert (one.chain, two.chain, two.seq) == (5, 5, 2)
    db_session.commit()
    three = audit.record(db_session, ACTOR, "test.third", target_type="case", target_id=target_on(9))
    assert (three.chain, three.seq) == (9, 1)


def test_an_edited_field_is_found_in_its_chain(db_session):
    _first, second = two_chains(db_session)
    db_session.execute(update(AuditRecord).where(AuditRecord.id == second[1].id).values(outcome="failure"))
    db_session.expire_all()
    assert audit.verify_chain(db_session) == second[1].id
    (broken,) = audit.breaks(db_session)
    assert (broken.chain, broken.record_id, broken.reason) == (11, second[1].id, "changed since it was written")


def test_a_deleted_middle_row_is_found(db_session):
    first, _second = two_chains(db_session)
    db_session.execute(delete(AuditRecord).where(AuditRecord.id == first[1].id))
    db_session.expire_all()
    assert audit.verify_chain(db_session) == first[2].id
    assert "missing or out of order" in audit.breaks(db_session)[0].reason


def test_reordered_rows_are_found(db_session):
    first, _second = two_chains(db_session)
    a, b = first[1].id, first[2].id
    db_session.execute(update(AuditRecord).where(AuditRecord.id == a).values(seq=-1))
    db_session.execute(update(AuditRecord).where(AuditRecord.id == b).values(seq=2))
    db_session.execute(update(AuditRecord).where(AuditRecord.id == a).values(seq=3))
    db_session.expire_all()
    assert audit.verify_chain(db_session) == b


def test_deleted_last_rows_are_found_by_the_head(db_session):
    _first, second = two_chains(db_session)
    db_session.execute(delete(AuditRecord).where(AuditRecord.id.in_([second[2].id, second[3].id])))
    db_session.expire_all()
    (broken,) = audit.breaks(db_session)
    assert (broken.chain, broken.record_id, broken.reason) == (11, second[3].id, "the chain's last records are missing")


def test_the_first_break_of_each_chain_is_reported_and_the_earliest_named(db_session):
    first, second = two_chains(db_session)
    db_session.execute(update(AuditRecord).where(AuditRecord.id.in_([first[3].id, second[0].id]))
                       .values(action="test.other"))
    db_session.expire_all()
    assert [(b.chain, b.record_id) for b in audit.breaks(db_session)] == [(3, first[3].id), (11, second[0].id)]
    assert audit.verify_chain(db_session) == min(first[3].id, second[0].id)


def test_an_erased_address_leaves_the_chain_intact(db_session):
    first, second = two_chains(db_session)
    assert first[0].address == "198.51.100.7" and first[0].address_salt and first[0].address_commitment
    assert first[0].address_commitment != audit.commitment(first[1].address_salt, first[0].address)  # salted per row
    erased = audit.erase_addresses(db_session, AuditRecord.chain == 3)
    db_session.expire_all()
    assert erased == 4
    rows = db_session.scalars(select(AuditRecord).where(AuditRecord.chain == 3)).all()
    assert {(r.address, r.address_salt) for r in rows} == {(None, None)}
    assert all(r.address_commitment for r in rows)
    assert db_session.get(AuditRecord, second[0].id).address == "198.51.100.7"
    assert audit.verify_chain(db_session) is None


def test_a_changed_address_is_found(db_session):
    first, _second = two_chains(db_session)
    db_session.execute(update(AuditRecord).where(AuditRecord.id == first[2].id).values(address="203.0.113.9"))
    db_session.expire_all()
    assert audit.breaks(db_session)[0].reason == "the address does not match its commitment"
    assert audit.verify_chain(db_session) == first[2].id


class Kind(enum.Enum):
    STAFF = "staff"


@dataclass(frozen=True)
class KindedActor:
    name: str
    source: str
    address: str | None
    kind: Kind


def test_any_actor_with_name_source_and_address_is_recorded_with_its_kind(db_session):
    row = audit.record(db_session, KindedActor("staff:7", "web", None, Kind.STAFF), "test.action")
    plain = audit.record(db_session, ACTOR, "test.action")
    assert (row.actor, row.kind, row.source, row.address, row.address_commitment) == ("staff:7", "staff", "web", None, None)
    assert plain.kind == "system"
    assert audit.verify_chain(db_session) is None


def test_the_verify_command_names_each_broken_chain(app, db_session):
    first, _second = two_chains(db_session)
    assert "The audit trail is intact." in app.test_cli_runner().invoke(args=["verify-audit"]).output
    db_session.execute(update(AuditRecord).where(AuditRecord.id == first[2].id).values(details={"step": 9}))
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert f"Chain 3: broken at record {first[2].id}: changed since it was written." in result.output
    assert f"The audit trail is broken at record {first[2].id}." in result.output
