"""Staff members: created and changed only by the command line or an administrator (audited),
signed in with a password and a second factor (TOTP, or a single-use recovery code), and turned
into the ``Actor`` every staff request acts as."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..actors import STAFF, Actor
from ..cases import policy
from ..cases.contact import normalise_email
from ..cases.policy import ROLES
from ..models import StaffMember, StaffRecoveryCode
from ..models.base import utcnow
from . import passwords, staff_sessions

RECOVERY_CODES = 10
TOTP_WINDOW = 1  # one 30-second step either side, for clocks a little apart


class StaffError(ValueError):
    """A change to a member of staff that cannot be made; ``code`` names why (for a translated message)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


def find_by_email(session: Session, email: str) -> StaffMember | None:
    address = normalise_email(email)
    return session.scalar(select(StaffMember).filter_by(email=address)) if address else None


def active_member(session: Session, staff_id: int | None, *, allow_demo: bool = True) -> StaffMember | None:
    """The member ``staff_id`` unless disabled (or a demo member where demo members are refused)."""
    member = session.get(StaffMember, staff_id) if isinstance(staff_id, int) else None
    if member is None or member.disabled_at is not None or (member.demo and not allow_demo):
        return None
    return member


def actor_for(member: StaffMember, *, source: str = "web", address: str | None = None) -> Actor:
    """What the policy sees when ``member`` acts: their roles and departments, nothing more."""
    return Actor(STAFF, str(member.id), roles=frozenset(member.roles), departments=frozenset(member.departments),
                 source=source, address=address)


def _check(roles: Iterable[str], departments: Iterable[str], known_departments: Iterable[str]) -> None:
    unknown_roles = sorted(set(roles) - set(ROLES))
    if unknown_roles:
        raise StaffError("unknown_role", ", ".join(unknown_roles))
    unknown = sorted(set(departments) - set(known_departments))
    if unknown:
        raise StaffError("unknown_department", ", ".join(unknown))


def create(session: Session, actor: Actor, *, email: str, name: str, roles: Iterable[str],
           departments: Iterable[str], known_departments: Iterable[str], password: str | None = None,
           locale: str = "en", demo: bool = False) -> StaffMember:
    """A new member of staff (audited). A password, when given, must pass the same checks as a
    resident's; the second factor is set up separately (``new_totp_secret``)."""
    address = normalise_email(email)
    if not address:
        raise StaffError("bad_email", email)
    if not name.strip():
        raise StaffError("no_name")
    roles, departments = sorted(set(roles)), sorted(set(departments))
    _check(roles, departments, known_departments)
    require_manage(actor, roles, departments)
    if find_by_email(session, address) is not None:
        raise StaffError("exists", address)
    if password is not None:
        problem = passwords.problem(password, context=(address, name))
        if problem:
            raise StaffError("weak_password", problem)
    member = StaffMember(email=address, name=name.strip(), roles=roles, departments=departments, locale=locale,
                         password_hash=passwords.hash_password(password) if password else None, demo=demo)
    session.add(member)
    session.flush()
    audit.record(session, actor, "staff.create", target_type="staff", target_id=str(member.id),
                 details={"roles": roles, "departments": departments, "demo": demo})
    return member


def change_access(session: Session, actor: Actor, member: StaffMember, *, roles: Iterable[str] | None = None,
                  departments: Iterable[str] | None = None, known_departments: Iterable[str] = ()) -> None:
    """Change a member's roles and/or departments (audited with before and after). The actor must
    manage the member both as they are and as they will be, and may not change their own access."""
    new_roles = sorted(set(roles)) if roles is not None else list(member.roles)
    new_departments = sorted(set(departments)) if departments is not None else list(member.departments)
    _check(new_roles, new_departments if departments is not None else (), known_departments)
    _require_other(actor, member)
    require_manage(actor, member.roles, member.departments)
    require_manage(actor, new_roles, new_departments)
    details = {"roles": [list(member.roles), new_roles], "departments": [list(member.departments), new_departments]}
    member.roles, member.departments = new_roles, new_departments
    audit.record(session, actor, "staff.change_access", target_type="staff", target_id=str(member.id),
                 details=details)


def disable(session: Session, actor: Actor, member: StaffMember) -> None:
    """Stop a member signing in and end their sessions (audited). Their cases and history stay."""
    _require_other(actor, member)
    require_manage(actor, member.roles, member.departments)
    if member.disabled_at is not None:
        return
    member.disabled_at = utcnow()
    ended = staff_sessions.end_all(session, member.id)
    audit.record(session, actor, "staff.disable", target_type="staff", target_id=str(member.id),
                 details={"disabled": [False, True], "sessions_ended": ended})


# --- who manages whom ---------------------------------------------------------------------------------


def manages_everyone(actor: Actor) -> bool:
    return policy.allowed(actor, policy.STAFF_MANAGE)


def may_manage(actor: Actor, roles: Iterable[str], departments: Iterable[str]) -> bool:
    """Whether ``actor`` may manage a member with these roles and departments: a system
    administrator anyone; a department administrator only members all of whose departments are
    theirs, holding only operational roles (``policy.DEPARTMENT_ROLES``)."""
    if manages_everyone(actor):
        return True
    departments = set(departments)
    return (bool(departments) and set(roles) <= policy.DEPARTMENT_ROLES
            and all(policy.allowed(actor, policy.STAFF_MANAGE_DEPARTMENT, policy.Record(department=d))
                    for d in departments))


def require_manage(actor: Actor, roles: Iterable[str] = (), departments: Iterable[str] | None = None) -> None:
    """Raise ``policy.Refused`` unless ``actor`` may manage such a member (with no roles and
    departments given: unless they may manage any member of staff at all)."""
    if departments is None:
        if not (manages_everyone(actor) or policy.allowed(actor, policy.STAFF_MANAGE_DEPARTMENT)):
            raise policy.Refused(policy.STAFF_MANAGE_DEPARTMENT)
        return
    if not may_manage(actor, roles, departments):
        raise policy.Refused(policy.STAFF_MANAGE_DEPARTMENT)


def _require_other(actor: Actor, member: StaffMember) -> None:
    if actor.kind == STAFF and actor.id == str(member.id):
        raise StaffError("self")


def grantable(actor: Actor, known_departments: Iterable[str]) -> tuple[list[str], list[str]]:
    """The roles and departments ``actor`` may give (for the choices of a form)."""
    require_manage(actor)
    if manages_everyone(actor):
        return sorted(ROLES), sorted(known_departments)
    return sorted(policy.DEPARTMENT_ROLES), sorted(set(known_departments) & set(actor.departments))


def manageable(session: Session, actor: Actor) -> list[StaffMember]:
    """The members of staff ``actor`` manages, by name."""
    require_manage(actor)
    members = session.scalars(select(StaffMember).order_by(StaffMember.name, StaffMember.id)).all()
    return [m for m in members if may_manage(actor, m.roles, m.departments)]


def for_manager(session: Session, actor: Actor, staff_id: int) -> StaffMember:
    """The member ``staff_id`` if ``actor`` manages them, else ``policy.Refused`` (a 404)."""
    require_manage(actor)
    member = session.get(StaffMember, staff_id)
    if member is None or not may_manage(actor, member.roles, member.departments):
        raise policy.Refused(policy.STAFF_MANAGE_DEPARTMENT)
    return member


def random_password() -> str:
    """A password to hand over once (about 120 bits), in groups of five that are easy to type."""
    raw = secrets.token_urlsafe(15).replace("-", "x").replace("_", "y")
    return "-".join(raw[i:i + 5] for i in range(0, 20, 5))


def demo_members_exist(session: Session) -> bool:
    return session.scalar(select(StaffMember.id).filter_by(demo=True).limit(1)) is not None


# --- signing in --------------------------------------------------------------------------------------


def check_password(session: Session, email: str | None, password: str, *,
                   allow_demo: bool = True) -> StaffMember | None:
    """The active member whose email and password match; the same work and answer otherwise
    (a demo member counts as no member where ``allow_demo`` is False: in production)."""
    member = find_by_email(session, email) if email else None
    ok = passwords.verify(member.password_hash if member else None, password)
    if not ok or member is None or member.disabled_at is not None or (member.demo and not allow_demo):
        return None
    if passwords.needs_rehash(member.password_hash):
        member.password_hash = passwords.hash_password(password)
    return member


def new_totp_secret(member: StaffMember) -> str:
    """A new TOTP secret for ``member`` (it replaces any earlier one); returns it for enrolment."""
    member.totp_secret = pyotp.random_base32()
    member.totp_last_step = None
    return member.totp_secret


def provisioning_uri(member: StaffMember, issuer: str, secret: str | None = None) -> str:
    return pyotp.TOTP(secret or member.totp_secret).provisioning_uri(name=member.email, issuer_name=issuer)


def offered_secret() -> str:
    """A secret to offer a member setting up their authenticator app (not theirs until confirmed)."""
    return pyotp.random_base32()


def enrol_totp(session: Session, actor: Actor, member: StaffMember, secret: str, code: str) -> list[str] | None:
    """Make ``secret`` the member's second factor once they prove their app holds it with a current
    ``code``; returns their new recovery codes (to show once), or None when the code is not right.
    Only for a member with no second factor yet (replacing one is an administrator's task)."""
    if member.totp_secret:
        raise StaffError("enrolled")
    member.totp_secret, member.totp_last_step = secret, None
    if not check_totp(member, code):
        member.totp_secret = None
        member.totp_last_step = None
        return None
    codes = new_recovery_codes(session, member)
    audit.record(session, actor, "staff.enrol_second_factor", target_type="staff", target_id=str(member.id),
                 details={"method": "totp", "recovery_codes": len(codes)})
    return codes


def replace_recovery_codes(session: Session, actor: Actor, member: StaffMember, code: str) -> list[str] | None:
    """New recovery codes for a member who gives their second factor again (audited), or None."""
    how = check_second_factor(session, member, code)
    if how is None:
        return None
    codes = new_recovery_codes(session, member)
    audit.record(session, actor, "staff.recovery_codes", target_type="staff", target_id=str(member.id),
                 details={"second_factor": how, "recovery_codes": len(codes)})
    return codes


def check_totp(member: StaffMember, code: str) -> bool:
    """True for a current code not used before; the step it was for is remembered so it cannot be
    replayed (a code seen once is refused for the rest of its life)."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if not member.totp_secret or len(code) != 6:
        return False
    totp = pyotp.TOTP(member.totp_secret)
    now = utcnow()
    step_now = totp.timecode(now)
    for offset in range(-TOTP_WINDOW, TOTP_WINDOW + 1):
        step = step_now + offset
        if hmac.compare_digest(totp.generate_otp(step), code):
            if member.totp_last_step is not None and step <= member.totp_last_step:
                return False
            member.totp_last_step = step
            return True
    return False


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def new_recovery_codes(session: Session, member: StaffMember) -> list[str]:
    """Ten new single-use codes (the old ones stop working); returned once, stored only as hashes."""
    for old in list(member.recovery_codes):
        session.delete(old)
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 40 bits each, shown as xxxxx-xxxxx
        codes.append(f"{raw[:5]}-{raw[5:]}")
        member.recovery_codes.append(StaffRecoveryCode(code_hash=_code_hash(raw)))
    session.flush()
    return codes


def recovery_codes_left(member: StaffMember) -> int:
    return sum(1 for code in member.recovery_codes if code.used_at is None)


def use_recovery_code(session: Session, member: StaffMember, code: str) -> bool:
    wanted = _code_hash(code or "")
    row = session.scalar(select(StaffRecoveryCode).where(
        StaffRecoveryCode.staff_id == member.id, StaffRecoveryCode.code_hash == wanted,
        StaffRecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def check_second_factor(session: Session, member: StaffMember, code: str) -> str | None:
    """"totp" or "recovery" when ``code`` is a valid second factor for ``member``, else None."""
    if check_totp(member, code):
        return "totp"
    if use_recovery_code(session, member, code):
        return "recovery"
    return None


def check_again(session: Session, member: StaffMember, *, password: str | None = None,
                code: str | None = None) -> str | None:
    """A signed-in member proving who they are again, before a sensitive action: "password",
    "totp" or "recovery" when what they gave is right, else None."""
    if code:
        return check_second_factor(session, member, code)
    if password and passwords.verify(member.password_hash, password) and member.password_hash:
        return "password"
    return None
