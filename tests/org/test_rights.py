"""Administration rights (org/rights.py): granted by roles, checked one way, never escalated."""

from __future__ import annotations

import pytest

from guanxi.audit.models import AuditEvent
from guanxi.core import registry
from guanxi.core.errors import PermissionDenied, ValidationFailed
from guanxi.org import rights, services
from guanxi.org.models import Role, User

pytestmark = pytest.mark.django_db


def give(user, *codes, name="Ops"):
    role = Role.objects.create(name=name, code=name.lower(), permissions=list(codes))
    user.roles.add(role)
    rights.reset(user)
    return role


def test_superusers_have_every_right_and_inactive_users_none(org):
    assert rights.codes(org["admin"]) == {p.code for p in registry.permissions()}
    assert rights.codes(org["rep1"]) == frozenset()
    give(org["inactive"], "manage_pipelines")
    assert not rights.has(org["inactive"], "manage_pipelines")


def test_a_role_gives_its_rights(org):
    give(org["rep1"], "manage_pipelines", "manage_pools")
    assert rights.has(org["rep1"], "manage_pipelines") and not rights.has(org["rep1"], "manage_users")
    with pytest.raises(PermissionDenied):
        rights.require(org["rep1"], "manage_users")


def test_an_undeclared_right_is_a_bug_not_a_no():
    with pytest.raises(ValueError):
        rights.has(None, "manage_everything")


def test_roles_grant_rights_only_their_editor_holds(org):
    ops = org["rep1"]
    give(ops, "manage_roles", "manage_pipelines")
    role = services.role_save(
        actor=ops, name="Pipeline keepers", code="keepers", grants={}, permissions=["manage_pipelines"]
    )
    assert role.permissions == ["manage_pipelines"]
    with pytest.raises(PermissionDenied):
        services.role_save(
            actor=ops,
            role=role,
            name=role.name,
            code=role.code,
            grants={},
            permissions=["manage_pipelines", "manage_users"],
        )
    assert Role.objects.get(pk=role.pk).permissions == ["manage_pipelines"]
    with pytest.raises(ValidationFailed) as err:
        services.role_save(
            actor=org["admin"],
            role=role,
            name=role.name,
            code=role.code,
            grants={},
            permissions=["manage_the_moon"],
        )
    assert "permissions" in err.value.fields
    row = AuditEvent.objects.filter(object_type="role", object_id=role.pk, verb="create").get()
    assert row.changes["permissions"] == [None, ["manage_pipelines"]]


def test_a_user_manager_cannot_reach_a_superuser_or_make_one(org):
    ops = org["rep1"]
    give(ops, "manage_users")
    with pytest.raises(PermissionDenied):
        services.user_save(actor=ops, user=org["admin"], username="admin", is_superuser=True)
    with pytest.raises(PermissionDenied):
        services.user_save(actor=ops, user=org["rep2"], username="rep2", is_superuser=True)
    powerful = Role.objects.create(name="All rights", code="all-rights", permissions=["manage_roles"])
    with pytest.raises(PermissionDenied):
        services.user_save(actor=ops, user=ops, username="rep1", roles=[*ops.roles.all(), powerful])
    user = services.user_save(actor=ops, username="newbie", display_name="新人")
    assert User.objects.get(pk=user.pk).is_superuser is False


def test_grants_name_only_declared_kinds_and_their_actions(org):
    with pytest.raises(ValidationFailed):
        services.role_save(actor=org["admin"], name="X", code="x", grants={("pool", "read"): 50})
    with pytest.raises(ValidationFailed):
        services.role_save(actor=org["admin"], name="X", code="x", grants={("account", "fly"): 50})
    role = services.role_save(actor=org["admin"], name="X", code="x", grants={("account", "read"): 50})
    assert list(role.grants.values_list("object_type", "action", "scope")) == [("account", "read", 50)]


def test_the_role_editor_shows_and_saves_rights_for_whoever_may_manage_roles(org, web):
    from django.urls import reverse

    assert web("rep1").get(reverse("org_role_list")).status_code == 403
    give(org["rep1"], "manage_roles", "manage_pools")
    client = web("rep1")
    role = Role.objects.get(code="sales-rep")
    page = client.get(reverse("org_role_edit", args=[role.pk])).content.decode()
    assert 'name="permission" value="manage_pools"' in page
    assert 'value="manage_users" id="gx-right-manage_users" disabled' in page  # not held: not given
    response = client.post(
        reverse("org_role_edit", args=[role.pk]),
        {
            "name": role.name,
            "code": role.code,
            "description": "",
            "version": role.version,
            "permission": ["manage_pools"],
            "grant:account:read": "10",
        },
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.permissions == ["manage_pools"] and role.version == 2
    assert list(role.grants.values_list("object_type", "action")) == [("account", "read")]
    listing = client.get(reverse("org_role_list")).content.decode()
    assert "Manage shared pools" in listing
