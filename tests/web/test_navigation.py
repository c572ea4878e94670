"""The sidebar comes from the registry: each user sees the links they may open."""

from __future__ import annotations

import re

import pytest

from guanxi.core import registry
from guanxi.org.models import Role, User

pytestmark = pytest.mark.django_db


def links(client) -> list[str]:
    html = client.get("/").content.decode()
    sidebar = html[
        html.index('data-testid="sidebar"') : html.index("</ul>", html.index('data-testid="sidebar"'))
    ]
    return re.findall(r'data-testid="nav-([a-z_]+)"', sidebar)


def test_a_rep_sees_work_customers_and_sales_but_no_administration(web):
    names = links(web("rep1"))
    assert names[:4] == ["home", "my_day", "tasks", "calendar"]
    assert {"accounts", "contacts", "followups", "recycle_bin", "leads", "opportunities", "api_docs"} <= set(
        names
    )
    assert not {"users", "roles", "pipelines", "custom_fields"} & set(names)


def test_the_superuser_sees_every_entry(web):
    assert set(links(web("admin"))) == {e.name for e in registry.nav_entries()}


def test_an_administration_right_shows_its_own_entry_only(web, org):
    ops = Role.objects.create(name="Sales operations", code="sales-ops", permissions=["manage_pipelines"])
    org["rep2"].roles.add(ops)
    names = links(web("rep2"))
    assert "pipelines" in names
    assert not {"users", "admin_pools", "lead_forms", "exchange_rates"} & set(names)


def test_entries_of_a_kind_need_a_grant_on_it(web, org):
    User.objects.create_user("nobody", password="x")
    org["nobody"] = User.objects.get(username="nobody")
    names = links(web("nobody"))
    assert "home" in names and not {"leads", "opportunities", "pipeline_board"} & set(names)


def test_the_current_page_is_marked(web):
    html = web("rep1").get("/customers/accounts/").content.decode()
    assert re.search(r'class="nav-link active" href="/customers/accounts/" data-testid="nav-accounts"', html)
    assert 'data-testid="nav-home" aria-current' not in html
