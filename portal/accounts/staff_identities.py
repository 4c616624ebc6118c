"""Staff signing in through the agency's OpenID provider: the provider's answer names a member of
staff who already exists, never a new one, and never a resident account.

A member is found by a sign-in linked before (issuer and subject), or else by the work email
address the provider has verified; the first such sign-in links the identity (audited), so a later
change of email address at the provider does not matter. Anyone else is refused.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..actors import Actor
from ..models import StaffIdentity, StaffMember
from . import staff

# RFC 8176: "mfa" says the provider checked more than one factor. Only then does a sign-in there
# count as both of ours; otherwise the member gives their own second factor after it.
MULTI_FACTOR = "mfa"


def member_for(session: Session, actor: Actor, *, issuer: str, subject: str, email: str | None,
               email_verified: bool, allow_demo: bool = True) -> StaffMember | None:
    """The active member of staff the provider's sign-in names, or None."""
    linked = session.scalar(select(StaffIdentity).filter_by(issuer=issuer, subject=subject))
    if linked is not None:
        return staff.active_member(session, linked.staff_id, allow_demo=allow_demo)
    if not email or not email_verified:
        return None
    member = staff.find_by_email(session, email)
    if member is None or staff.active_member(session, member.id, allow_demo=allow_demo) is None:
        return None
    session.add(StaffIdentity(staff_id=member.id, issuer=issuer, subject=subject))
    session.flush()
    audit.record(session, actor, "staff.link_identity", target_type="staff", target_id=str(member.id),
                 details={"issuer": issuer})
    return member


def both_factors(claims: dict) -> bool:
    """Whether the provider says it checked more than one factor (its ``amr`` claim)."""
    methods = claims.get("amr")
    return isinstance(methods, list) and MULTI_FACTOR in methods
