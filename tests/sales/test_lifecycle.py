"""The sales kinds go to the bin, come back and change owner through records.lifecycle: the version
the caller started from is checked (stale → 412), each step is audited and the domain's own rules
still come first (the default pipeline stays, a pooled lead is claimed, not transferred)."""

from __future__ import annotations

import pytest

from guanxi.audit.models import AuditEvent
from guanxi.core.errors import PermissionDenied, ValidationFailed, VersionConflict
from guanxi.records import lifecycle
from tests.helpers import assert_error, post_json


@pytest.fixture
def deal(org):
    from guanxi.customers.directory import services as customers
    from guanxi.sales.pipelines import services

    account = customers.account_create(actor=org["rep1"], data={"name": "生命周期有限公司"})
    return services.opportunity_create(actor=org["rep1"], data={"name": "大单", "account": account.pk})


def _lead(org):
    from guanxi.sales.leads import services

    return services.lead_create(actor=org["rep1"], data={"name": "王芳"})


def _verbs(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type=obj.POLICY_OBJECT_TYPE, object_id=obj.pk)
        .order_by("id")
        .values_list("verb", flat=True)
    )


def test_a_lead_transfer_and_restore_check_the_version(org):
    from guanxi.sales.leads import services

    lead = _lead(org)
    seen = lead.version
    services.lead_transfer(actor=org["rep1"], lead=lead, owner="rep2", version=seen)
    assert lead.owner == org["rep2"] and lead.version == seen + 1
    with pytest.raises(VersionConflict):  # someone who read the lead before the transfer
        services.lead_transfer(actor=org["admin"], lead=lead, owner="rep1", version=seen)
    services.lead_delete(actor=org["rep2"], lead=lead, version=lead.version)
    with pytest.raises(VersionConflict):
        services.lead_restore(actor=org["rep2"], lead=lead, version=seen)
    services.lead_restore(actor=org["rep2"], lead=lead, version=lead.version)
    assert _verbs(lead) == ["create", "transfer", "delete", "restore"]


def test_a_pooled_lead_is_claimed_not_transferred(org):
    from guanxi.sales.leads import services
    from guanxi.sales.models import Lead

    lead = _lead(org)
    Lead.objects.filter(pk=lead.pk).update(owner=None)  # what a pool holds: a lead without owner
    lead.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.lead_transfer(actor=org["rep1"], lead=lead, owner="rep1")


def test_the_api_answers_412_for_a_stale_transfer_or_restore(org, api):
    lead = _lead(org)
    client = api("rep1")
    stale = f'"{lead.version}"'
    response = post_json(client, f"/api/v1/leads/{lead.pk}/transfer", {"owner": "rep2"}, HTTP_IF_MATCH=stale)
    assert response.status_code == 200, response.content
    late = api("admin")  # read the lead before rep1's transfer
    response = post_json(late, f"/api/v1/leads/{lead.pk}/transfer", {"owner": "rep3"}, HTTP_IF_MATCH=stale)
    assert_error(response, 412)
    lead.refresh_from_db()
    deleted = api("rep2").delete(f"/api/v1/leads/{lead.pk}", HTTP_IF_MATCH=f'"{lead.version}"')
    assert deleted.status_code == 204, deleted.content
    assert_error(api("rep2").post(f"/api/v1/leads/{lead.pk}/restore", HTTP_IF_MATCH=stale), 412)
    response = api("rep2").post(f"/api/v1/leads/{lead.pk}/restore", HTTP_IF_MATCH=f'"{lead.version + 1}"')
    assert response.status_code == 200, response.content


def test_an_opportunity_transfer_restore_and_its_account(org, deal):
    from guanxi.customers.directory import services as customers
    from guanxi.sales.pipelines import services

    seen = deal.version
    services.opportunity_transfer(actor=org["rep1"], opportunity=deal, owner="rep2", version=seen)
    assert deal.owner == org["rep2"]
    with pytest.raises(VersionConflict):
        services.opportunity_transfer(actor=org["admin"], opportunity=deal, owner="rep1", version=seen)
    services.opportunity_delete(actor=org["admin"], opportunity=deal, version=deal.version)
    with pytest.raises(VersionConflict):
        services.opportunity_restore(actor=org["admin"], opportunity=deal, version=seen)
    account = deal.account
    account.refresh_from_db()
    customers.account_delete(actor=org["rep1"], account=account, version=account.version)
    with pytest.raises(ValidationFailed) as err:  # its account is in the bin: that first
        services.opportunity_restore(actor=org["admin"], opportunity=deal)
    assert "account" in err.value.fields
    assert _verbs(deal) == ["create", "transfer", "delete"]


def test_pools_forms_and_pipelines_restore_with_the_version(org):
    from guanxi.sales.models import Pipeline
    from guanxi.sales.pipelines import services_admin as pipelines
    from guanxi.sales.pools import services_admin as pools
    from guanxi.sales.webforms import services as forms

    admin = org["admin"]
    pool = pools.pool_create(actor=admin, data={"name": "周期公海", "kind": "lead"})
    form = forms.lead_form_create(actor=admin, data={"name": "周期表单", "slug": "cycle", "fields": ["name"]})
    pipeline = pipelines.pipeline_create(
        actor=admin,
        data={
            "name": "Cycle",
            "stages": [
                {"name": "A", "type": "open"},
                {"name": "W", "type": "won"},
                {"name": "L", "type": "lost"},
            ],
        },
    )
    default = Pipeline.objects.get(is_default=True)
    with pytest.raises(ValidationFailed):  # the domain's rule before the lifecycle
        pipelines.pipeline_delete(actor=admin, pipeline=default, version=default.version)
    cases = (
        (
            pool,
            lambda v: pools.pool_delete(actor=admin, pool=pool, version=v),
            lambda v: pools.pool_restore(actor=admin, pool=pool, version=v),
        ),
        (
            form,
            lambda v: forms.lead_form_delete(actor=admin, form=form, version=v),
            lambda v: forms.lead_form_restore(actor=admin, form=form, version=v),
        ),
        (
            pipeline,
            lambda v: pipelines.pipeline_delete(actor=admin, pipeline=pipeline, version=v),
            lambda v: pipelines.pipeline_restore(actor=admin, pipeline=pipeline, version=v),
        ),
    )
    for obj, delete, restore in cases:
        obj.refresh_from_db()
        seen = obj.version
        delete(seen)
        with pytest.raises(VersionConflict):
            restore(seen)
        restore(seen + 1)
        obj.refresh_from_db()
        assert obj.deleted_at is None and obj.version == seen + 2
        assert _verbs(obj)[-2:] == ["delete", "restore"]


def test_the_lifecycle_refuses_a_holder_of_another_right(org):
    from guanxi.org import rights
    from guanxi.org.models import Role
    from guanxi.sales.pools import services_admin as pools

    pool = pools.pool_create(actor=org["admin"], data={"name": "权利公海", "kind": "lead"})
    ops = org["rep3"]
    ops.roles.add(Role.objects.create(name="Forms", code="forms", permissions=["manage_lead_forms"]))
    rights.reset(ops)
    with pytest.raises(PermissionDenied):
        lifecycle.delete(actor=ops, obj=pool, version=pool.version)
    ops.roles.add(Role.objects.create(name="Pools", code="pools", permissions=["manage_pools"]))
    rights.reset(ops)
    lifecycle.delete(actor=ops, obj=pool, version=pool.version)
