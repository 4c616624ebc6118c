"""Who manages which members of staff: a rule of the domain, not of a page."""

from __future__ import annotations

import pytest

from portal.accounts import staff
from portal.actors import STAFF, Actor, system
from portal.cases import policy


def _staff(*roles, departments=("public-works",)):
    return Actor(STAFF, "1", roles=frozenset(roles), departments=frozenset(departments))


@pytest.mark.parametrize("actor, roles, departments, expected", [
    (_staff("system_admin", departments=()), ["system_admin"], ["sanitation"], True),
    (_staff("system_admin", departments=()), ["auditor"], [], True),
    (system("cli:ops"), ["records_officer"], [], True),
    (_staff("department_admin"), ["caseworker", "supervisor"], ["public-works"], True),
    (_staff("department_admin"), ["department_admin"], ["public-works"], True),
    (_staff("department_admin"), ["caseworker"], ["public-works", "sanitation"], False),
    (_staff("department_admin"), ["caseworker"], ["sanitation"], False),
    (_staff("department_admin"), ["caseworker"], [], False),
    (_staff("department_admin"), ["caseworker", "system_admin"], ["public-works"], False),
    (_staff("department_admin"), ["auditor"], ["public-works"], False),
    (_staff("department_admin"), ["records_officer"], ["public-works"], False),
    (_staff("supervisor"), ["caseworker"], ["public-works"], False),
    (_staff("caseworker", "auditor"), ["caseworker"], ["public-works"], False),
])
def test_who_may_manage_whom(actor, roles, departments, expected):
    assert staff.may_manage(actor, roles, departments) is expected


def test_staff_who_manage_no_one_are_refused_the_list():
    with pytest.raises(policy.Refused):
        staff.require_manage(_staff("caseworker"))
    staff.require_manage(_staff("department_admin"))


def test_a_department_admin_may_give_only_operational_roles_in_their_departments():
    roles, departments = staff.grantable(_staff("department_admin"), ["public-works", "sanitation"])
    assert set(roles) == policy.DEPARTMENT_ROLES and departments == ["public-works"]
    assert not {"system_admin", "auditor", "records_officer"} & set(roles)
