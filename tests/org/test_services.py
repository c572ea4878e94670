"""Organization services: the department tree, users, roles, preferences, API tokens."""

from __future__ import annotations

import pytest

from guanxi.audit.models import AuditEvent
from guanxi.core.errors import NotFound, PermissionDenied, ValidationFailed
from guanxi.org import services
from guanxi.org.models import ApiToken, Department, Role, Scope, User

pytestmark = pytest.mark.django_db


def _save(admin, name, parent=None, department=None, manager=None):
    return services.department_save(
        actor=admin, department=department, name=name, parent=parent, manager=manager
    )


def _paths():
    return dict(Department.objects.values_list("name", "path"))


# --- departments ----------------------------------------------------------------------------------


def test_new_departments_get_their_paths(org):
    admin = org["admin"]
    a = _save(admin, "A")
    b = _save(admin, "B", parent=a)
    c = _save(admin, "C", parent=b)
    assert (a.path, b.path, c.path) == (f"/{a.pk}/", f"/{a.pk}/{b.pk}/", f"/{a.pk}/{b.pk}/{c.pk}/")
    assert c.depth == 2


def test_moving_a_department_moves_its_whole_subtree(org):
    admin = org["admin"]
    a, d = _save(admin, "A"), _save(admin, "D")
    b = _save(admin, "B", parent=a)
    c = _save(admin, "C", parent=b)
    e = _save(admin, "E", parent=c)
    sibling = _save(admin, "B2", parent=a)
    before = _paths()

    _save(admin, "B", department=b, parent=d)

    after = _paths()
    assert after["B"] == f"/{d.pk}/{b.pk}/"
    assert after["C"] == f"/{d.pk}/{b.pk}/{c.pk}/"
    assert after["E"] == f"/{d.pk}/{b.pk}/{c.pk}/{e.pk}/"
    # nothing outside the moved subtree changed (the demo departments, A, D and B's sibling)
    untouched = {k: v for k, v in before.items() if k not in {"B", "C", "E"}}
    assert {k: after[k] for k in untouched} == untouched
    assert sibling.path == after["B2"]

    # and back to the top level
    _save(admin, "B", department=b, parent=None)
    after = _paths()
    assert (after["B"], after["E"]) == (f"/{b.pk}/", f"/{b.pk}/{c.pk}/{e.pk}/")


def test_moving_does_not_touch_departments_whose_id_shares_a_prefix(org):
    """Path "/7001/" must not match "/70012/": a subtree is a prefix up to the slash."""
    admin = org["admin"]
    short = Department.objects.create(pk=7001, name="Short", path="/7001/")
    Department.objects.create(pk=7002, name="Short child", parent=short, path="/7001/7002/")
    long = Department.objects.create(pk=70012, name="Long", path="/70012/")
    Department.objects.create(pk=70013, name="Long child", parent=long, path="/70012/70013/")
    target = _save(admin, "Target")
    before = _paths()
    _save(admin, "Short", department=short, parent=target)
    after = _paths()
    assert (after["Short"], after["Short child"]) == (f"{target.path}7001/", f"{target.path}7001/7002/")
    assert (after["Long"], after["Long child"]) == ("/70012/", "/70012/70013/")
    assert {k: v for k, v in after.items() if not k.startswith("Short")} == {
        k: v for k, v in before.items() if not k.startswith("Short")
    }


@pytest.mark.parametrize("under", ["self", "child", "grandchild"])
def test_a_department_cannot_move_under_itself_or_its_subtree(org, under):
    admin = org["admin"]
    a = _save(admin, "A")
    b = _save(admin, "B", parent=a)
    c = _save(admin, "C", parent=b)
    target = {"self": a, "child": b, "grandchild": c}[under]
    before = _paths()
    with pytest.raises(ValidationFailed) as exc:
        _save(admin, "A", department=a, parent=target)
    assert "parent" in exc.value.fields
    assert _paths() == before


def test_department_validation_names_the_field(org):
    admin = org["admin"]
    with pytest.raises(ValidationFailed) as exc:
        _save(admin, "   ")
    assert set(exc.value.fields) == {"name"}
    with pytest.raises(ValidationFailed) as exc:
        _save(admin, "X", manager=org["inactive"])
    assert set(exc.value.fields) == {"manager"}


def test_only_admins_manage_the_organization(org):
    for persona in ("director", "manager1", "rep1", "inactive"):
        actor = org[persona]
        with pytest.raises(PermissionDenied):
            _save(actor, "Shadow")
        with pytest.raises(PermissionDenied):
            services.role_save(actor=actor, name="All", code="all", grants={})
        with pytest.raises(PermissionDenied):
            services.user_save(actor=actor, user=actor, username=actor.username, is_superuser=True)
    assert not Department.objects.filter(name="Shadow").exists()
    assert not Role.objects.filter(code="all").exists()
    assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()


# --- users ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"username": ""}, "username"),
        ({"username": "has space"}, "username"),
        ({"username": "x" * 151}, "username"),
        ({"username": "REP1"}, "username"),  # taken, whatever the case
        ({"email": "nope@"}, "email"),
        ({"email": "a@b.c" + "x" * 300}, "email"),
        ({"display_name": "名" * 101}, "display_name"),
        ({"password": "1234"}, "password"),
        ({"password": "password123"}, "password"),  # too common
    ],
)
def test_user_save_errors_name_the_field(org, data, field):
    payload = {"username": "newbie", **data}
    with pytest.raises(ValidationFailed) as exc:
        services.user_save(actor=org["admin"], **payload)
    assert field in exc.value.fields
    assert (
        not User.objects.filter(username__in=["newbie", payload["username"]])
        .exclude(username="rep1")
        .exists()
    )


def test_user_save_creates_and_updates(org):
    admin, rep_role = org["admin"], Role.objects.get(code="sales-rep")
    user = services.user_save(
        actor=admin, username="rep9", display_name="  周  杰 ", email="Rep9@Guanxi.EXAMPLE", roles=[rep_role]
    )
    assert (user.display_name, user.email) == ("周 杰", "Rep9@guanxi.example")
    assert not user.has_usable_password()  # they set one through password reset
    assert list(user.roles.all()) == [rep_role]
    assert AuditEvent.objects.filter(object_type="user", object_id=user.pk, verb="create").exists()

    services.user_save(
        actor=admin, user=user, username="rep9", roles=[], is_active=False, password="Quiet-River-77"
    )
    user.refresh_from_db()
    assert not user.is_active and not user.roles.exists() and user.check_password("Quiet-River-77")
    event = AuditEvent.objects.filter(object_type="user", object_id=user.pk, verb="update").get()
    assert event.changes["is_active"] == [True, False]
    assert event.changes["password"] == [None, "***"]  # never the password itself


def test_an_admin_cannot_deactivate_themself(org):
    admin = org["admin"]
    with pytest.raises(ValidationFailed) as exc:
        services.user_save(actor=admin, user=admin, username="admin", is_active=False, is_superuser=True)
    assert set(exc.value.fields) == {"is_active"}
    with pytest.raises(ValidationFailed) as exc:
        services.user_save(actor=admin, user=admin, username="admin", is_active=True, is_superuser=False)
    assert set(exc.value.fields) == {"is_superuser"}
    admin.refresh_from_db()
    assert admin.is_active and admin.is_superuser


def test_an_admin_may_deactivate_another_admin(org):
    other = services.user_save(actor=org["admin"], username="admin2", is_superuser=True)
    services.user_save(actor=org["admin"], user=other, username="admin2", is_active=False, is_superuser=True)
    other.refresh_from_db()
    assert not other.is_active


# --- roles ----------------------------------------------------------------------------------------


def test_role_save_stores_grants_and_drops_none(org):
    role = services.role_save(
        actor=org["admin"],
        name="Auditor",
        code="auditor",
        grants={("account", "read"): Scope.ALL, ("account", "update"): Scope.NONE},
    )
    assert list(role.grants.values_list("object_type", "action", "scope")) == [("account", "read", Scope.ALL)]
    event = AuditEvent.objects.get(object_type="role", object_id=role.pk)
    assert event.changes["grants"] == [None, ["account:read:all"]]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "销售经理 Sales manager"}, "name"),  # taken
        ({"code": "sales-rep"}, "code"),  # taken
        ({"code": "中文"}, "code"),
        ({"code": "a b"}, "code"),
        ({"grants": {("account", "read"): 99}}, "grants"),
        ({"grants": {("spaceship", "read"): Scope.ALL}}, "grants"),
        ({"grants": {("account", "fly"): Scope.ALL}}, "grants"),
    ],
)
def test_role_save_errors_name_the_field(org, kwargs, field):
    payload = {"name": "New role", "code": "new-role", "grants": {}, **kwargs}
    count = Role.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.role_save(actor=org["admin"], **payload)
    assert field in exc.value.fields
    assert Role.objects.count() == count


# --- preferences ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["Nowhere/City", "Asia", "localtime", "posixrules", "../../etc/passwd", "Asia/"]
)
def test_preferences_accept_only_real_time_zones(org, bad):
    rep1 = org["rep1"]
    with pytest.raises(ValidationFailed) as exc:
        services.user_set_preferences(actor=rep1, user=rep1, language="en", time_zone=bad)
    assert set(exc.value.fields) == {"time_zone"}
    rep1.refresh_from_db()
    assert (rep1.language, rep1.time_zone) == ("", "")  # nothing half-written


def test_preferences_of_someone_else_need_an_admin(org):
    with pytest.raises(PermissionDenied):
        services.user_set_preferences(actor=org["rep1"], user=org["rep2"], language="en")
    services.user_set_preferences(actor=org["admin"], user=org["rep2"], language="en", time_zone="UTC")
    org["rep2"].refresh_from_db()
    assert (org["rep2"].language, org["rep2"].time_zone) == ("en", "UTC")


# --- API tokens -----------------------------------------------------------------------------------


def test_api_tokens_are_created_and_revoked_by_their_owner_only(org):
    row, token = services.api_token_create(actor=org["rep1"], name=" CI ")
    assert row.user == org["rep1"] and row.name == "CI" and row.expires_at is not None
    assert ApiToken.objects.get(digest=ApiToken.hash(token)) == row
    with pytest.raises(NotFound):
        services.api_token_revoke(actor=org["rep2"], token_id=row.pk)
    with pytest.raises(NotFound):
        services.api_token_revoke(actor=org["rep1"], token_id="1 OR 1=1")
    assert ApiToken.objects.filter(pk=row.pk).exists()
    services.api_token_revoke(actor=org["rep1"], token_id=str(row.pk))
    assert not ApiToken.objects.filter(pk=row.pk).exists()


def test_api_token_name_is_limited(org):
    with pytest.raises(ValidationFailed) as exc:
        services.api_token_create(actor=org["rep1"], name="x" * 101)
    assert set(exc.value.fields) == {"name"}
