"""Data scopes follow the department tree: managers and subordinates, moved subtrees included."""

from __future__ import annotations

import pytest

from guanxi.customers.models import Account
from guanxi.org import services
from guanxi.org.models import Action, Department, Role, Scope, User
from guanxi.policies import access
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

SALES_PERSONAS = ["director", "manager1", "rep1", "rep2", "rep3"]


@pytest.fixture
def accounts(org):
    """One account per sales persona, named after its owner."""
    return {u: AccountFactory(owner=org[u], name=f"{u}的客户有限公司") for u in SALES_PERSONAS}


def _visible(user: User) -> set[str]:
    fresh = User.objects.get(pk=user.pk)  # no cached grants or owner sets
    return {a.owner.username for a in access.scope(fresh, Account).select_related("owner")}


def _dept(name: str) -> Department:
    return Department.objects.get(name=name)


def test_department_tree_scope_reads_the_managers_subtree(org, accounts):
    """manager1 (department and sub-departments, in East) reads East's records, not South's."""
    assert _visible(org["manager1"]) == {"manager1", "rep1", "rep2"}
    assert access.owner_ids(User.objects.get(pk=org["manager1"].pk), "account", Action.READ) == {
        org["manager1"].pk,
        org["rep1"].pk,
        org["rep2"].pk,
    }


def test_other_personas_for_contrast(org, accounts):
    assert _visible(org["rep1"]) == {"rep1"}
    assert _visible(org["rep3"]) == {"rep3"}
    assert _visible(org["director"]) == set(SALES_PERSONAS)


def test_department_tree_scope_includes_sub_departments(org, accounts):
    """A team created under East, and its member, come into manager1's scope."""
    admin = org["admin"]
    team = services.department_save(actor=admin, name="杭州小组", parent=_dept("华东销售组"), manager=None)
    rep4 = services.user_save(
        actor=admin, username="rep4", department=team, roles=[Role.objects.get(code="sales-rep")]
    )
    AccountFactory(owner=rep4, name="rep4的客户有限公司")
    assert _visible(org["manager1"]) == {"manager1", "rep1", "rep2", "rep4"}


def _subordinates_role(admin) -> Role:
    grants = {("account", act): Scope.SUBORDINATES for act in (Action.READ, Action.UPDATE)}
    grants[("account", Action.CREATE)] = Scope.SELF
    return services.role_save(actor=admin, name="Team lead", code="team-lead", grants=grants)


def test_subordinates_scope_follows_the_departments_one_manages(org, accounts):
    admin = org["admin"]
    lead = services.user_save(
        actor=admin, username="lead", department=_dept("销售部"), roles=[_subordinates_role(admin)]
    )
    AccountFactory(owner=lead, name="lead的客户有限公司")

    # manages nothing yet: only their own records
    assert _visible(lead) == {"lead"}

    # manages East: East's members (manager1, rep1, rep2), not South's rep3 nor the director
    east = _dept("华东销售组")
    services.department_save(actor=admin, department=east, name=east.name, parent=east.parent, manager=lead)
    assert _visible(lead) == {"lead", "manager1", "rep1", "rep2"}

    # move South under East: the subtree comes along, so rep3 is now a subordinate too
    south = _dept("华南销售组")
    services.department_save(
        actor=admin, department=south, name=south.name, parent=east, manager=south.manager
    )
    assert _visible(lead) == {"lead", "manager1", "rep1", "rep2", "rep3"}
    # and manager1's department-tree scope widened the same way
    assert _visible(org["manager1"]) == {"manager1", "rep1", "rep2", "rep3"}

    # updates follow the same set
    fresh = User.objects.get(pk=lead.pk)
    assert access.can(fresh, Action.UPDATE, accounts["rep3"])
    assert not access.can(fresh, Action.UPDATE, accounts["director"])


def test_subordinates_scope_ends_when_a_member_leaves_the_tree(org, accounts):
    admin = org["admin"]
    lead = services.user_save(
        actor=admin, username="lead", department=_dept("销售部"), roles=[_subordinates_role(admin)]
    )
    east = _dept("华东销售组")
    services.department_save(actor=admin, department=east, name=east.name, parent=east.parent, manager=lead)
    rep2 = org["rep2"]
    services.user_save(
        actor=admin, user=rep2, username="rep2", department=_dept("华南销售组"), roles=list(rep2.roles.all())
    )
    assert _visible(lead) == {"manager1", "rep1"}
    assert "rep2" not in _visible(org["manager1"])
