"""The permission matrix of administration, generated — no list of endpoints is kept by hand.

API: every operation that declares its right with `auth=needs(code)` (org/api_rights.py) is found
by walking the API's routers. For each (operation, right): a user whose role grants only that
right gets past the check (not 401/403), a user whose role grants every OTHER right gets 403, and
a superuser gets past it. Ids in paths are of records that do not exist and bodies are empty:
what is tested is the right, which is checked with the token before the body, the If-Match
header or the record are looked at.

UI: every navigation entry that names an administration right (core.registry.NavEntry.permission)
opens for the holder of that right and the superuser, and is a 403 for the holder of all others."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.core import registry
from tests.helpers import module_transaction

MISSING_ID = "987654321"
SAMPLE = {"currency": "USD"}  # path parameters that are not ids


def _operations() -> list[tuple[str, str, str, str]]:
    """(operation_id, method, path, right) of every API operation that declares a right."""
    from guanxi.config.api import api
    from guanxi.org.api_rights import right_of

    found: list[tuple[str, str, str, str]] = []

    def walk(prefix: str, router) -> None:
        for path, view in router.path_operations.items():
            for op in view.operations:
                code = right_of(op)
                if code:
                    for method in op.methods:
                        found.append((op.operation_id, method, "/api/v1" + prefix + path, code))
        for sub_prefix, sub in getattr(router, "_routers", []):
            walk(prefix + sub_prefix, sub)

    for prefix, router in api._routers:
        walk(prefix, router)
    return sorted(found)


def _url(path: str) -> str:
    def fill(match: re.Match) -> str:
        name = match.group(1).split(":")[-1]
        return SAMPLE.get(name, MISSING_ID)

    return re.sub(r"\{([^}]+)\}", fill, path)


OPERATIONS = _operations()
RIGHTS = sorted(p.code for p in registry.permissions())
PAGES = sorted((e.name, e.url, e.permission) for e in registry.nav_entries() if e.permission)


def test_the_matrix_finds_the_administration_endpoints():
    assert len(OPERATIONS) >= 30, OPERATIONS
    used = {code for *_rest, code in OPERATIONS}
    assert used <= set(RIGHTS), "an operation needs a right no app declares"
    assert {"manage_roles", "manage_pipelines", "manage_pools", "manage_custom_fields"} <= used


@pytest.fixture(scope="module")
def people(django_db_setup, django_db_blocker):
    """Per right: a holder of only it and a holder of all the others; and a superuser."""
    from guanxi.org.models import ApiToken, Role, User

    with module_transaction(django_db_blocker), django_db_blocker.unblock():
        users: dict[tuple[str, str], User] = {}
        for i, code in enumerate(RIGHTS):
            only = Role.objects.create(name=f"only {code}", code=f"only-{i}", permissions=[code])
            others = Role.objects.create(
                name=f"all but {code}", code=f"but-{i}", permissions=[c for c in RIGHTS if c != code]
            )
            holder = User.objects.create_user(f"only{i}", password="x")
            holder.roles.add(only)
            rest = User.objects.create_user(f"but{i}", password="x")
            rest.roles.add(others)
            users[("only", code)], users[("but", code)] = holder, rest
        users[("super", "")] = User.objects.create_superuser("matrix-admin", password="x")
        tokens = {key: ApiToken.issue(user)[1] for key, user in users.items()}
        yield {"users": users, "tokens": tokens}


def _call(people, who: tuple[str, str], method: str, url: str):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {people['tokens'][who]}")
    send = getattr(client, method.lower())
    if method in ("POST", "PUT", "PATCH"):
        return send(url, data="{}", content_type="application/json")
    return send(url)


@pytest.mark.django_db
@pytest.mark.parametrize(("operation", "method", "path", "right"), OPERATIONS, ids=[o[0] for o in OPERATIONS])
def test_an_administration_operation_needs_exactly_its_right(people, operation, method, path, right):
    url = _url(path)
    for who in (("only", right), ("super", "")):
        response = _call(people, who, method, url)
        assert response.status_code not in (401, 403) and response.status_code < 500, (
            who,
            response.status_code,
            response.content[:300],
        )
    response = _call(people, ("but", right), method, url)
    assert response.status_code == 403, (response.status_code, response.content[:300])
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url", "right"), PAGES, ids=[p[0] for p in PAGES])
def test_an_administration_page_opens_for_exactly_its_right(people, name, url, right):
    path = url if url.startswith("/") else reverse(url)
    for who in (("only", right), ("super", "")):
        client = Client()
        client.force_login(people["users"][who])
        response = client.get(path)
        assert response.status_code == 200, (who, response.status_code)
    client = Client()
    client.force_login(people["users"][("but", right)])
    assert client.get(path).status_code == 403


@pytest.mark.django_db
def test_the_navigation_shows_each_administration_page_to_the_holders_of_its_right(people):
    """One page for every right: each holder sees the entries of their right and no other."""
    pages = {right: (url if url.startswith("/") else reverse(url)) for _name, url, right in PAGES}
    for right in sorted(set(pages)):
        client = Client()
        client.force_login(people["users"][("only", right)])
        html = client.get("/").content.decode()
        shown = {r for r, path in pages.items() if f'href="{path}"' in html}
        assert shown == {right}, (right, shown)


@pytest.mark.django_db
def test_the_pool_settings_link_follows_the_right(people):
    client = Client()
    client.force_login(people["users"][("only", "manage_pools")])
    assert reverse("admin_pool_list") in client.get(reverse("pool_list")).content.decode()
    client.force_login(people["users"][("but", "manage_pools")])
    assert reverse("admin_pool_list") not in client.get(reverse("pool_list")).content.decode()
