"""Lead conversion: new or linked account, contact reuse, duplicate block mode, opportunity,
history carried over, and refusals that leave nothing behind."""

from __future__ import annotations

import hashlib
import json

import pytest

from guanxi.core.errors import PermissionDenied, ValidationFailed


def state() -> str:
    from guanxi.audit.models import AuditEvent
    from guanxi.customers.models import Account, Contact
    from guanxi.engagement.models import Activity
    from guanxi.sales.models import Lead, Opportunity

    rows = [
        list(Account._base_manager.values_list("id", "name")),
        list(Contact._base_manager.values_list("id", "name")),
        list(Opportunity._base_manager.values_list("id")),
        AuditEvent.objects.count(),
        list(Lead._base_manager.values_list("id", "status", "version", "account_id", "contact_id")),
        list(Activity._base_manager.values_list("id", "account_id")),
    ]
    return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


@pytest.fixture
def pipeline(db):
    from guanxi.sales.models import Pipeline, Stage

    p = Pipeline.objects.create(name_en="New business", is_default=True)
    Stage.objects.create(pipeline=p, name_en="Qualify", type="open", probability=10, order=1)
    Stage.objects.create(pipeline=p, name_en="Won", type="won", probability=100, order=9)
    return p


@pytest.fixture
def lead(org):
    from guanxi.sales.leads import services

    return services.lead_create(
        actor=org["rep1"],
        data={
            "name": "王芳",
            "company": "西湖科技有限公司",
            "title": "采购经理",
            "mobile": "13800138000",
            "email": "wang@xihu.example",
            "phone": "0571-88888000",
            "industry": "manufacturing",
            "status": "qualified",
        },
    )


def convert(org, lead, **kwargs):
    from guanxi.sales.leads.conversion import lead_convert

    return lead_convert(actor=kwargs.pop("actor", org["rep1"]), lead=lead, **kwargs)


def test_new_account_contact_and_opportunity(org, lead, pipeline):
    from guanxi.audit.models import AuditEvent
    from guanxi.customers.models import Account, Contact
    from guanxi.engagement.followups import services as followups
    from guanxi.engagement.models import ActivityContact
    from guanxi.sales.models import Opportunity

    call = followups.activity_create(
        actor=org["rep1"], data={"kind": "call", "subject": "第一次电话", "lead": lead.pk}
    )
    result = convert(
        org, lead, opportunity={"name": "西湖二期", "amount": "120000.50", "pipeline": pipeline.pk}
    )
    account = Account.objects.get(pk=result["account"])
    contact = Contact.objects.get(pk=result["contact"])
    opp = Opportunity.objects.get(pk=result["opportunity"])
    assert (
        account.name == "西湖科技有限公司"
        and account.industry == "manufacturing"
        and account.owner == org["rep1"]
    )
    assert account.phone == "+8657188888000"
    assert contact.account == account and contact.mobile == "+8613800138000" and contact.title == "采购经理"
    assert opp.account == account and str(opp.amount) == "120000.50" and opp.lead_id == lead.pk
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.converted_by == org["rep1"] and lead.converted_at
    assert (lead.account, lead.contact, lead.opportunity) == (account, contact, opp)
    call.refresh_from_db()
    assert call.account == account and call.lead == lead  # the history stays on both
    assert ActivityContact.objects.filter(activity=call, contact=contact).exists()
    account.refresh_from_db()
    assert account.last_contact_at == call.occurred_at
    assert AuditEvent.objects.filter(object_type="lead", object_id=lead.pk, verb="convert").exists()


def test_link_existing_account_and_reuse_contact(org, lead):
    from guanxi.customers.directory import services as customers
    from guanxi.customers.models import Account, Contact

    account = customers.account_create(actor=org["rep1"], data={"name": "西湖科技"})
    existing = customers.contact_create(
        actor=org["rep1"], data={"name": "王芳", "account": account.pk, "email": "WANG@xihu.example"}
    )
    accounts, contacts = Account.objects.count(), Contact.objects.count()
    result = convert(org, lead, account=account.pk)
    assert result == {"account": account.pk, "contact": existing.pk, "opportunity": None}
    assert (Account.objects.count(), Contact.objects.count()) == (accounts, contacts)


def test_invisible_or_absent_account_is_a_field_error(org, lead):
    from guanxi.customers.directory import services as customers

    other = customers.account_create(actor=org["rep3"], data={"name": "华南公司"})
    before = state()
    for value in (other.pk, 10**9, "abc", True):
        with pytest.raises(ValidationFailed) as exc:
            convert(org, lead, account=value)
        assert "account" in exc.value.fields
    assert state() == before


def test_duplicate_block_mode_refuses_and_writes_nothing(org, lead):
    from guanxi.customers.directory import services as customers
    from guanxi.customers.models import CustomerSettings

    customers.account_create(actor=org["rep3"], data={"name": "另一家", "phone": "0571-88888000"})
    CustomerSettings.objects.update_or_create(pk=1, defaults={"duplicate_mode": "block"})
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        convert(org, lead)
    assert "phone" in exc.value.fields
    assert state() == before


def test_already_converted_and_unqualified_are_refused(org, lead, pipeline):
    from guanxi.sales.leads import services

    convert(org, lead)
    lead.refresh_from_db()
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        convert(org, lead, opportunity={"name": "再来", "pipeline": pipeline.pk})
    assert exc.value.fields == {"lead": ["This lead has already been converted."]}
    assert state() == before
    other = services.lead_create(
        actor=org["rep1"], data={"name": "无效", "status": "unqualified", "unqualified_reason": "重复"}
    )
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        convert(org, other)
    assert "lead" in exc.value.fields and state() == before


def test_stale_lead_object_cannot_convert_twice(org, lead):
    """Two requests that both read the lead before either converted: the second finds the row
    converted under its lock and refuses, leaving only the first conversion."""
    from guanxi.customers.models import Account
    from guanxi.sales.models import Lead

    stale = Lead._base_manager.get(pk=lead.pk)
    convert(org, lead)
    count = Account.objects.count()
    with pytest.raises(ValidationFailed):
        convert(org, stale)
    assert Account.objects.count() == count


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        ({"name": "负数", "amount": "-1", "pipeline": None}, "opportunity.amount"),
        ({"name": "三位小数", "amount": "1.234"}, "opportunity.amount"),
        ({"name": "", "amount": "1"}, "opportunity.name"),
        ({"name": "别的管道", "pipeline": 10**9}, "opportunity.pipeline"),
        ({"name": "x", "owner": "rep2"}, "opportunity.owner"),
    ],
)
def test_bad_opportunity_rolls_back_everything(org, lead, pipeline, draft, field):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        convert(org, lead, opportunity={k: v for k, v in draft.items() if v is not None})
    assert field in exc.value.fields, exc.value.fields
    assert state() == before


def test_permission(org, lead):
    before = state()
    with pytest.raises(PermissionDenied):
        convert(org, lead, actor=org["marketer1"])  # reads every lead, updates only its own
    assert state() == before


def test_api_convert_shape_and_errors(org, api, lead, pipeline):
    from tests.helpers import assert_error, post_json

    client = api("rep1")
    r = post_json(
        client,
        f"/api/v1/leads/{lead.pk}/convert",
        {"account": None, "opportunity": {"name": "API 商机", "amount": "5000", "pipeline": pipeline.pk}},
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert set(body) == {"account", "contact", "opportunity"} and all(body.values())
    got = client.get(f"/api/v1/leads/{lead.pk}").json()
    assert got["status"] == "converted" and got["converted"] == body
    error = assert_error(
        post_json(client, f"/api/v1/leads/{lead.pk}/convert", {"account": None}), 400, "lead"
    )
    assert "already been converted" in error["message"]
    assert_error(post_json(client, f"/api/v1/leads/{lead.pk}/convert", {"account": "7"}), 400)
    assert_error(post_json(client, f"/api/v1/leads/{lead.pk}/convert", {"bogus": 1}), 400)
    assert_error(
        client.patch(
            f"/api/v1/leads/{lead.pk}",
            data=json.dumps({"name": "x"}),
            content_type="application/json",
            HTTP_IF_MATCH=f'"{got["version"]}"',
        ),
        400,
    )
