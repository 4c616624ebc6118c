"""The policy table decides who may do what, from data."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.actors import API_CLIENT, GUEST, RESIDENT, STAFF, SYSTEM, Actor
from portal.cases import policy


def case(status="received", kind="complaint", account_id=None, department="public-works", case_id=7):
    return SimpleNamespace(id=case_id, status=status, kind=kind, account_id=account_id, department=department)


def allowed(actor, permission, record):
    return policy.allowed(actor, permission, policy.case_record(actor, record))


def test_a_resident_reads_and_acts_on_their_own_case_only():
    ana = Actor(RESIDENT, "1")
    assert allowed(ana, policy.CASE_READ, case(account_id=1))
    assert allowed(ana, policy.act("withdraw"), case(account_id=1))
    assert not allowed(ana, policy.CASE_READ, case(account_id=2))
    assert not allowed(ana, policy.act("resolve"), case(status="in_review", account_id=1))


def test_a_guest_needs_proof_and_proof_is_per_case():
    assert not allowed(Actor(GUEST), policy.CASE_READ, case())
    prover = Actor(GUEST, cases=frozenset({7}))
    assert allowed(prover, policy.CASE_READ, case(case_id=7))
    assert not allowed(prover, policy.CASE_READ, case(case_id=8))


def test_the_status_decides_when_the_workflow_allows_the_action():
    owner = Actor(RESIDENT, "1")
    with pytest.raises(policy.Refused) as refused:
        policy.require(owner, policy.act("withdraw"), policy.case_record(owner, case("resolved", account_id=1)))
    assert refused.value.reason == "status"
    assert allowed(owner, policy.CASE_RATE, case("resolved", account_id=1))
    assert not allowed(owner, policy.CASE_RATE, case("in_review", account_id=1))
    assert not allowed(owner, policy.act("reopen"), case("approved", kind="permit", account_id=1))


def test_staff_work_within_their_departments_by_their_roles():
    worker = Actor(STAFF, "3", roles=frozenset({"caseworker"}), departments=frozenset({"public-works"}))
    assert allowed(worker, policy.CASE_READ, case())
    assert allowed(worker, policy.act("resolve"), case("in_review"))
    assert not allowed(worker, policy.CASE_READ, case(department="housing"))
    agent = Actor(STAFF, "4", roles=frozenset({"contact_centre"}), departments=frozenset({"public-works"}))
    assert allowed(agent, policy.CASE_READ, case()) and not allowed(agent, policy.act("resolve"), case("in_review"))
    auditor = Actor(STAFF, "5", roles=frozenset({"auditor"}), departments=frozenset({"public-works"}))
    assert not allowed(auditor, policy.CASE_READ, case())  # the audit, not case content
    admin = Actor(STAFF, "6", roles=frozenset({"system_admin"}), departments=frozenset({"public-works"}))
    assert not allowed(admin, policy.CASE_READ, case())


def test_api_clients_are_actors_like_staff_and_the_system_acts_for_the_agency():
    client = Actor(API_CLIENT, "works-orders", roles=frozenset({"caseworker"}), departments=frozenset({"public-works"}))
    assert allowed(client, policy.act("schedule"), case("in_review"))
    assert not allowed(client, policy.act("schedule"), case("in_review", department="parks"))
    assert allowed(Actor(SYSTEM, "cli:root"), policy.act("close"), case(department="anything"))


def test_only_the_owner_reads_without_an_audit_record():
    owner, worker = Actor(RESIDENT, "1"), Actor(STAFF, "3", roles=frozenset({"caseworker"}),
                                                 departments=frozenset({"public-works"}))
    record = case(account_id=1)
    assert policy.is_owner_read(owner, policy.case_record(owner, record))
    assert not policy.is_owner_read(worker, policy.case_record(worker, record))


def test_every_role_bundles_only_permissions_the_policy_knows():
    for role, permissions in policy.ROLES.items():
        assert permissions <= policy.known_permissions(), role
