from sqlalchemy import update

from portal import audit
from portal.actors import system
from portal.models import AuditRecord


def test_audit_chain_detects_tampering(db_session):
    actor = system("staff:1", "cli")
    for i in range(3):
        audit.record(db_session, actor, "test.action", target_type="case", target_id=str(i))
    db_session.flush()
    assert audit.verify_chain(db_session) is None
    second = db_session.query(AuditRecord).order_by(AuditRecord.id).all()[1]
    db_session.execute(update(AuditRecord).where(AuditRecord.id == second.id).values(outcome="failure"))
    db_session.expire_all()
    assert audit.verify_chain(db_session) == second.id
