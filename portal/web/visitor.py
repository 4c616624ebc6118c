"""Who is asking: the ``Actor`` of each web request, built once, and what this browser proved.

The grants (cases proved, drafts held) live on the server in the visit (``portal.accounts.visits``);
the cookie holds only the visit's token. Views read ``actor()`` and pass it to the domain, which
decides; they change grants only through ``remember_case`` and ``hold_draft``.
"""

from __future__ import annotations

from flask import g, request, session
from flask_login import current_user

from .. import db
from ..accounts import staff, visits
from ..cases.policy import GUEST, RESIDENT, Actor

TOKEN = "visit"


def _visit():
    if "visit" not in g:
        g.visit = visits.load(db.session(), session.get(TOKEN))
        if g.visit is None:
            session.pop(TOKEN, None)
        elif g.visit.account_id is not None and g.visit.account_id != _account_id():
            # A signed-in visit proves nothing once its account is no longer signed in here.
            visits.end(db.session(), g.visit)
            session.pop(TOKEN, None)
            g.visit = None
    return g.visit


def _account_id() -> int | None:
    return current_user.account.id if current_user.is_authenticated else None


def grants() -> visits.Grants:
    return visits.Grants.of(_visit())


def actor() -> Actor:
    if "actor" not in g:
        if g.get("staff_current") is not None:  # a staff page, with a member of staff signed in
            g.actor = staff.actor_for(g.staff_current.member, source="web", address=request.remote_addr)
            return g.actor
        held = grants()
        account_id = _account_id()
        g.actor = Actor(RESIDENT if account_id is not None else GUEST,
                        str(account_id) if account_id is not None else None,
                        cases=frozenset(held.cases), drafts=tuple(sorted(held.drafts.items())),
                        source="web", address=request.remote_addr)
    return g.actor


def _change(how) -> None:
    visit = _visit()
    held = visits.Grants.of(visit)
    how(held)
    if visit is None:
        visit, token = visits.start(db.session(), held, account_id=_account_id())
        session[TOKEN] = token
        g.visit = visit
    else:
        visits.save(visit, held)
    g.pop("actor", None)


def remember_case(case_id: int) -> None:
    """This browser proved the case (reference and contact detail, or its private link)."""
    _change(lambda held: visits.remember_case(held, case_id))


def hold_draft(service_code: str, token: str) -> None:
    _change(lambda held: held.drafts.__setitem__(service_code, token))


def drop_draft(service_code: str) -> None:
    if service_code in grants().drafts:
        _change(lambda held: held.drafts.pop(service_code, None))


def draft_token(service_code: str) -> str | None:
    return grants().drafts.get(service_code)


def carry_over(account_id: int | None) -> None:
    """Sign-in or sign-out: end this visit and carry its grants (on sign-in) to a new one, under a new
    token, so a copy of the old cookie proves nothing."""
    old = _visit()
    held = visits.Grants.of(old) if account_id is not None else visits.Grants([], {})
    visits.end(db.session(), old)
    session.pop(TOKEN, None)
    g.pop("visit", None)
    g.pop("actor", None)
    if held.cases or held.drafts:
        visit, token = visits.start(db.session(), held, account_id=account_id)
        session[TOKEN] = token
        g.visit = visit


def end_everywhere(account_id: int) -> None:
    visit = _visit()
    visits.end_all(db.session(), account_id, except_visit=visit.id if visit is not None else None)
