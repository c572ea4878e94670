"""The route factory (records/api.py): its operations declare the headers they read, and the
history it serves names only the related records the caller may read."""

from __future__ import annotations

import uuid

import pytest
from ninja import NinjaAPI, Router
from ninja.testing import TestClient


@pytest.fixture
def api():
    from guanxi.records.api import record_routes
    from guanxi.sales.pipelines import selectors, services
    from guanxi.sales.pipelines.api import opportunities_out
    from guanxi.sales.pipelines.schemas import OpportunityOut, OpportunityPatch

    router = Router()
    record_routes(
        router,
        kind="opportunity",
        out=OpportunityOut,
        read=selectors.opportunity_get,
        render=opportunities_out,
        update=(OpportunityPatch, services.opportunity_update),
        delete=services.opportunity_delete,
        history=True,
    )
    api = NinjaAPI(urls_namespace=f"factory-{uuid.uuid4().hex}")
    api.add_router("/opportunities", router)
    return api


def test_operations_declare_if_match(api):
    paths = api.get_openapi_schema(path_prefix="")["paths"]
    for method in ("patch", "delete"):
        headers = {
            p["name"]: p["required"] for p in paths["/opportunities/{opportunity_id}"][method]["parameters"]
        }
        assert headers.get("If-Match") is True, method


def test_history_names_only_readable_records(api, org):
    from guanxi.customers.directory import services as customers
    from guanxi.customers.models import Contact
    from guanxi.sales.pipelines import services

    account = customers.account_create(actor=org["rep1"], data={"name": "我的客户"})
    contact = customers.contact_create(
        actor=org["rep1"], data={"name": "转走的联系人", "account": account.pk}
    )
    deal = services.opportunity_create(
        actor=org["rep1"], data={"name": "单子", "account": account.pk, "amount": "1"}
    )
    services.opportunity_contacts_set(
        actor=org["rep1"], opportunity=deal, contacts=[{"contact": contact.pk, "role": "buyer"}]
    )
    Contact._base_manager.filter(pk=contact.pk).update(owner=org["rep3"])
    trail = TestClient(api).get(f"/opportunities/{deal.pk}/history", auth=org["rep1"]).json()
    [change] = [e["changes"]["contacts"] for e in trail if "contacts" in e["changes"]]
    assert change[1] == [["(a record you cannot see)", "buyer"]]
