"""Panels of the detail pages come from the registry (core.registry.Panel): the templates render
slots, the apps declare what goes in them."""

from __future__ import annotations

from pathlib import Path

import pytest

from guanxi.core import registry
from guanxi.core.registry import Panel
from tests.factories import AccountFactory, ContactFactory

TEMPLATES = Path(__file__).resolve().parents[2] / "guanxi" / "customers" / "templates" / "customers"


@pytest.mark.parametrize("page", ["account_detail.html", "contact_detail.html"])
def test_detail_templates_include_no_other_apps_template(page):
    text = (TEMPLATES / page).read_text()
    for app in ("engagement/", "sales/", "custom_fields/"):
        assert app not in text, f"{page} names {app}: declare a Panel in that app's registry.py"


def test_a_declared_panel_shows_on_the_page_of_its_kind(web, org, monkeypatch):
    def provider(request, record):
        return {"title": f"declared panel of {record.name}"}

    panel = Panel(
        name="test_declared",
        kinds=("contact",),
        slot="side",
        template="web/partials/empty.html",
        provider=provider,
    )
    monkeypatch.setitem(registry._REGISTRY.panels, panel.name, panel)
    contact = ContactFactory(owner=org["rep1"], name="王芳")
    account = AccountFactory(owner=org["rep1"])
    assert "declared panel of 王芳" in web("rep1").get(f"/customers/contacts/{contact.pk}/").content.decode()
    assert "declared panel of" not in web("rep1").get(f"/customers/accounts/{account.pk}/").content.decode()


def test_each_app_declares_its_panels_on_the_account_page():
    names = {p.name: p for p in registry.panels("account")}
    assert {"opportunities", "pool_actions", "lifecycle", "tasks", "attachments", "timeline"} <= set(names)
    assert "custom_field_values" in names  # accounts take custom fields
    # the timeline reuses what the relations and files panels read: its provider runs after theirs
    order = [p.name for p in registry.panels("account")]
    assert order.index("timeline") > max(order.index("account_relations"), order.index("attachments"))


def test_custom_field_values_follow_the_kinds_that_take_custom_fields():
    with_fields = {k.name for k in registry.kinds(custom_fields=True)}
    shown = {
        k.name
        for k in registry.kinds()
        if any(p.name == "custom_field_values" for p in registry.panels(k.name))
    }
    assert shown == with_fields and with_fields


def test_the_shell_names_no_app_the_top_bar_comes_from_the_registry(web):
    """The notification bell is engagement's widget in the "topbar" slot, not part of web/base.html."""
    base = (Path(__file__).resolve().parents[2] / "guanxi/web/templates/web/base.html").read_text()
    assert "notification" not in base
    assert [w.name for w in registry.widgets("topbar")] == ["notification_bell"]
    assert 'data-testid="bell"' in web("rep1").get("/").content.decode()
