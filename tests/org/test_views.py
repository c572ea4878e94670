"""The organization's screens: profile, API tokens, and the administrator's users, departments, roles."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from guanxi.audit.models import LoginEvent
from guanxi.core import registry
from guanxi.org.models import ApiToken, Department, Grant, Role, Scope, User

pytestmark = pytest.mark.django_db


def _dept(name: str) -> Department:
    return Department.objects.get(name=name)


def _snapshot() -> tuple:
    """Everything the admin screens can change, to prove a denied request changed nothing."""
    return (
        sorted(
            User.objects.values_list(
                "id", "username", "display_name", "email", "department_id", "is_active", "is_superuser"
            )
        ),
        sorted(User.roles.through.objects.values_list("user_id", "role_id")),
        sorted(Department.objects.values_list("id", "name", "parent_id", "manager_id", "path")),
        sorted(Role.objects.values_list("id", "name", "code", "description")),
        sorted(Grant.objects.values_list("role_id", "object_type", "action", "scope")),
    )


# --- pages render ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "args", "text"),
    [
        ("org_user_list", (), "manager1"),
        ("org_user_create", (), "New user"),
        ("org_department_list", (), "华东销售组"),
        ("org_department_create", (), "New department"),
        ("org_role_list", (), "sales-manager"),
        ("org_role_create", (), "Data scopes"),
        ("profile", (), "Recent sign-ins"),
        ("api_tokens", (), "Create a token"),
    ],
)
def test_admin_pages_render(en_web, url_name, args, text):
    response = en_web("admin").get(reverse(url_name, args=args))
    assert response.status_code == 200
    assert text in response.content.decode()


def test_edit_pages_render_with_current_values(en_web, org):
    client = en_web("admin")
    rep1 = org["rep1"]
    page = client.get(reverse("org_user_edit", args=[rep1.pk])).content.decode()
    assert 'value="rep1"' in page
    rep_role = Role.objects.get(code="sales-rep")
    # the role checkbox list: rep1's role is ticked, others are not
    assert f'name="roles" value="{rep_role.pk}" id="id_roles_' in page
    assert page.count('name="roles"') == Role.objects.count()

    def ticked(role):
        return "checked" in page.split(f'name="roles" value="{role.pk}"', 1)[1].split(">", 1)[0]

    assert ticked(rep_role)
    assert not any(ticked(r) for r in Role.objects.exclude(pk=rep_role.pk))
    east = _dept("华东销售组")
    page = client.get(reverse("org_department_edit", args=[east.pk])).content.decode()
    assert 'value="华东销售组"' in page
    assert f'<option value="{east.parent_id}" selected>' in page
    role = Role.objects.get(code="sales-manager")
    page = client.get(reverse("org_role_edit", args=[role.pk])).content.decode()
    assert f'<option value="{Scope.DEPARTMENT_TREE}" selected>' in page
    assert page.count('name="grant:') == sum(len(k.grants) for k in registry.grantable())


def test_department_list_shows_the_tree_in_order(en_web):
    response = en_web("admin").get(reverse("org_department_list"))
    names = [d.name for d in response.context["departments"]]
    sales = names.index("销售部")
    assert names[sales + 1 : sales + 3] == ["华东销售组", "华南销售组"]  # its subtree, right below it
    page = response.content.decode()
    east_row = page[page.rfind("<tr", 0, page.index("华东销售组")) : page.index("华东销售组")]
    assert 'data-depth="1"' in east_row and "bi-arrow-return-right" in east_row
    manager_and_members = page[page.index("华东销售组") :].split("</tr>", 1)[0]
    assert "陈经理" in manager_and_members and ">3<" in manager_and_members  # manager1, rep1, rep2


def test_role_list_summarizes_grants(en_web):
    page = en_web("admin").get(reverse("org_role_list")).content.decode()
    assert "department and sub-departments" in page  # the manager's scope
    assert "No access" not in page


def test_pages_have_no_inline_script_or_style(en_web, org):
    client = en_web("admin")
    urls = [
        reverse(n)
        for n in (
            "org_user_list",
            "org_user_create",
            "org_department_list",
            "org_role_list",
            "org_role_create",
            "profile",
            "api_tokens",
        )
    ]
    urls.append(reverse("org_user_edit", args=[org["rep1"].pk]))
    for url in urls:
        page = client.get(url).content.decode()
        assert "style=" not in page and "<style" not in page, url
        for chunk in page.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), url


# --- permissions ----------------------------------------------------------------------------------


def _admin_requests(org):
    east, role, rep2 = _dept("华东销售组"), Role.objects.get(code="sales-rep"), org["rep2"]
    return [
        ("get", reverse("org_user_list"), None),
        ("get", reverse("org_user_create"), None),
        (
            "post",
            reverse("org_user_create"),
            {"username": "intruder", "is_active": "on", "is_superuser": "on"},
        ),
        ("get", reverse("org_user_edit", args=[rep2.pk]), None),
        (
            "post",
            reverse("org_user_edit", args=[rep2.pk]),
            {"username": "rep2", "is_active": "on", "is_superuser": "on"},
        ),
        ("get", reverse("org_department_list"), None),
        ("get", reverse("org_department_create"), None),
        ("post", reverse("org_department_create"), {"name": "Shadow"}),
        ("get", reverse("org_department_edit", args=[east.pk]), None),
        ("post", reverse("org_department_edit", args=[east.pk]), {"name": "Renamed"}),
        ("get", reverse("org_role_list"), None),
        ("get", reverse("org_role_create"), None),
        ("post", reverse("org_role_create"), {"name": "Everything", "code": "everything"}),
        ("get", reverse("org_role_edit", args=[role.pk]), None),
        (
            "post",
            reverse("org_role_edit", args=[role.pk]),
            {"name": "Sales rep", "code": "sales-rep", "grant:account:read": str(Scope.ALL)},
        ),
    ]


@pytest.mark.parametrize("persona", ["director", "rep1"])
def test_non_admins_get_403_on_every_admin_screen(web, org, persona):
    client = web(persona)
    before = _snapshot()
    for method, url, data in _admin_requests(org):
        response = getattr(client, method)(url, data or {})
        assert response.status_code == 403, (method, url)
        assert _snapshot() == before, (method, url)


def test_anonymous_is_sent_to_sign_in(client, org):
    for url in (reverse("org_user_list"), reverse("profile"), reverse("api_tokens")):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


def test_non_admin_sees_no_administration_menu(en_web):
    page = en_web("rep1").get(reverse("profile")).content.decode()
    assert reverse("org_user_list") not in page


# --- users ----------------------------------------------------------------------------------------


def test_admin_creates_a_user_with_roles(en_web, org):
    east = _dept("华东销售组")
    rep, marketer = Role.objects.get(code="sales-rep"), Role.objects.get(code="marketer")
    response = en_web("admin").post(
        reverse("org_user_create"),
        {
            "username": "rep4",
            "display_name": "孙丽",
            "email": "rep4@guanxi.example",
            "department": east.pk,
            "roles": [rep.pk, marketer.pk],
            "is_active": "on",
            "password": "Lotus-Pond-2024!",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("org_user_list")
    user = User.objects.get(username="rep4")
    assert (user.display_name, user.department, user.is_active, user.is_superuser) == (
        "孙丽",
        east,
        True,
        False,
    )
    assert set(user.roles.all()) == {rep, marketer}
    assert user.check_password("Lotus-Pond-2024!")
    assert "孙丽" in en_web("admin").get(reverse("org_user_list")).content.decode()


def test_admin_edits_a_user(en_web, org):
    rep2, south = org["rep2"], _dept("华南销售组")
    old_password = rep2.password
    response = en_web("admin").post(
        reverse("org_user_edit", args=[rep2.pk]),
        {
            "username": "rep2",
            "display_name": "王芳芳",
            "email": "",
            "department": south.pk,
            "roles": [],
            "password": "",  # is_active left unticked: deactivates
        },
    )
    assert response.status_code == 302
    rep2.refresh_from_db()
    assert (rep2.display_name, rep2.department, rep2.is_active) == ("王芳芳", south, False)
    assert not rep2.roles.exists()
    assert rep2.password == old_password  # an empty password field keeps the password


def test_user_form_shows_field_errors(en_web, org):
    response = en_web("admin").post(
        reverse("org_user_create"),
        {"username": "Rep1", "email": "not-an-email", "is_active": "on", "password": "short"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"username", "email", "password"}
    page = response.content.decode()
    assert "This username is taken." in page and 'aria-invalid="true"' in page
    assert not User.objects.filter(username="Rep1").exists()


def test_admin_cannot_deactivate_themself_through_the_form(en_web, org):
    admin = org["admin"]
    response = en_web("admin").post(
        reverse("org_user_edit", args=[admin.pk]), {"username": "admin", "is_superuser": "on"}
    )
    assert response.status_code == 200
    assert "is_active" in response.context["form"].errors
    admin.refresh_from_db()
    assert admin.is_active


# --- departments ----------------------------------------------------------------------------------


def test_admin_creates_and_edits_a_department(en_web, org):
    client = en_web("admin")
    east = _dept("华东销售组")
    response = client.post(
        reverse("org_department_create"), {"name": "杭州小组", "parent": east.pk, "manager": org["rep1"].pk}
    )
    assert response.status_code == 302
    team = _dept("杭州小组")
    assert (team.parent, team.manager, team.path) == (east, org["rep1"], f"{east.path}{team.pk}/")
    response = client.post(
        reverse("org_department_edit", args=[team.pk]), {"name": "杭州一组", "parent": "", "manager": ""}
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.parent, team.manager, team.path) == ("杭州一组", None, None, f"/{team.pk}/")


def test_moving_a_department_under_its_own_child_is_refused(en_web):
    sales, east = _dept("销售部"), _dept("华东销售组")
    before = _snapshot()
    response = en_web("admin").post(
        reverse("org_department_edit", args=[sales.pk]), {"name": "销售部", "parent": east.pk}
    )
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert "cannot sit under itself or its own sub-department" in response.content.decode()
    assert _snapshot() == before


# --- roles ----------------------------------------------------------------------------------------


def test_admin_creates_a_role_from_the_grant_matrix(en_web):
    response = en_web("admin").post(
        reverse("org_role_create"),
        {
            "name": "Key account manager",
            "code": "key-account",
            "description": "Big customers",
            "grant:account:read": str(Scope.ALL),
            "grant:account:update": str(Scope.DEPARTMENT),
            "grant:contact:read": str(Scope.SUBORDINATES),
            "grant:contact:delete": "0",
        },
    )
    assert response.status_code == 302
    role = Role.objects.get(code="key-account")
    assert set(role.grants.values_list("object_type", "action", "scope")) == {
        ("account", "read", Scope.ALL),
        ("account", "update", Scope.DEPARTMENT),
        ("contact", "read", Scope.SUBORDINATES),
    }


def test_admin_edits_a_role_and_grants_are_replaced(en_web):
    role = Role.objects.get(code="sales-rep")
    response = en_web("admin").post(
        reverse("org_role_edit", args=[role.pk]),
        {"name": "Sales rep", "code": "sales-rep", "grant:account:read": str(Scope.DEPARTMENT)},
    )
    assert response.status_code == 302
    assert list(role.grants.values_list("object_type", "action", "scope")) == [
        ("account", "read", Scope.DEPARTMENT)
    ]


def test_role_form_rejects_a_forged_scope_and_keeps_the_grants(en_web):
    role = Role.objects.get(code="sales-rep")
    before = _snapshot()
    response = en_web("admin").post(
        reverse("org_role_edit", args=[role.pk]),
        {"name": "Sales rep", "code": "sales-rep", "grant:account:read": "99"},
    )
    assert response.status_code == 200
    assert "unknown object, action or scope" in response.content.decode()
    assert _snapshot() == before


def test_role_with_a_taken_name_is_a_field_error_not_a_crash(en_web):
    response = en_web("admin").post(
        reverse("org_role_create"), {"name": "销售经理 Sales manager", "code": "other"}
    )
    assert response.status_code == 200
    assert "name" in response.context["form"].errors


# --- profile --------------------------------------------------------------------------------------


def test_profile_saves_language_and_time_zone_and_sets_the_cookie(en_web, org):
    response = en_web("rep1").post(reverse("profile"), {"language": "zh-hant", "time_zone": "Europe/Berlin"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hant"
    rep1 = User.objects.get(pk=org["rep1"].pk)
    assert (rep1.language, rep1.time_zone) == ("zh-hant", "Europe/Berlin")


def test_profile_rejects_an_unknown_time_zone(en_web, org):
    for bad in ("Mars/Olympus_Mons", "Asia", "../etc/passwd"):
        response = en_web("rep1").post(reverse("profile"), {"language": "en", "time_zone": bad})
        assert response.status_code == 200
        assert "time_zone" in response.context["form"].errors
        assert "Unknown time zone" in response.content.decode()
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    rep1 = User.objects.get(pk=org["rep1"].pk)
    assert (rep1.language, rep1.time_zone) == ("", "")


def test_profile_shows_login_history(en_web, org):
    LoginEvent.objects.create(
        user=org["rep1"], username="rep1", success=True, ip="203.0.113.7", method="password"
    )
    LoginEvent.objects.create(
        user=org["rep1"], username="rep1", success=False, ip="198.51.100.9", method="password"
    )
    LoginEvent.objects.create(
        user=org["rep2"], username="rep2", success=True, ip="192.0.2.55", method="api-token"
    )
    page = en_web("rep1").get(reverse("profile")).content.decode()
    assert "203.0.113.7" in page and "198.51.100.9" in page
    assert "Success" in page and "Failed" in page
    assert "192.0.2.55" not in page  # only one's own history


# --- API tokens -----------------------------------------------------------------------------------


def test_api_token_is_shown_once_and_works(en_web, org, client):
    web_client = en_web("rep1")
    response = web_client.post(reverse("api_tokens"), {"name": "ERP sync"})
    assert response.status_code == 200
    token = response.context["new_token"]
    page = response.content.decode()
    assert token.startswith("gx_") and token in page and "Copy it now" in page
    row = ApiToken.objects.get(user=org["rep1"])
    assert row.name == "ERP sync" and row.digest == ApiToken.hash(token) and token not in row.digest
    again = web_client.get(reverse("api_tokens")).content.decode()
    assert token not in again and "ERP sync" in again and row.prefix in again
    assert client.get("/api/v1/accounts", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_api_token_revoke(en_web, org):
    row, token = ApiToken.issue(org["rep1"], name="old")
    response = en_web("rep1").post(reverse("api_tokens"), {"revoke": row.pk})
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=row.pk).exists()


def test_cannot_revoke_another_users_token(en_web, org):
    theirs, _token = ApiToken.issue(org["rep2"], name="rep2's")
    for value in (theirs.pk, "not-a-number"):
        response = en_web("rep1").post(reverse("api_tokens"), {"revoke": value})
        assert response.status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    assert "rep2&#x27;s" not in en_web("rep1").get(reverse("api_tokens")).content.decode()
