"""Lead services and selectors: cleaning, hostile input, status rules, routing, web capture,
follow-ups on leads, list filters."""

from __future__ import annotations

from unittest import mock

import pytest

from guanxi.core.errors import NotFound, PermissionDenied, ValidationFailed, VersionConflict


@pytest.fixture
def svc():
    from guanxi.sales.leads import services

    return services


def make(svc, user, **data):
    return svc.lead_create(actor=user, data={"name": "王芳", **data})


def test_create_cleans_and_indexes(org, svc):
    from guanxi.audit.models import AuditEvent
    from guanxi.search.models import SearchDocument

    lead = make(
        svc,
        org["rep1"],
        company="  西湖科技  ",
        mobile="138 0013 8000",
        email="Wang@Example.COM",
        source="trade_show",
        industry="manufacturing",
        province="浙江省",
        city="杭州市",
    )
    lead.refresh_from_db()
    assert lead.owner == org["rep1"] and lead.created_by == org["rep1"] and lead.owned_since is not None
    assert lead.company == "西湖科技" and lead.mobile == "+8613800138000" and lead.email == "Wang@example.com"
    assert lead.status == "new" and lead.source == "trade_show" and lead.pool_id is None
    assert AuditEvent.objects.filter(object_type="lead", object_id=lead.pk, verb="create").exists()
    doc = SearchDocument.objects.get(object_type="lead", object_id=lead.pk)
    assert doc.owner_id == org["rep1"].pk and "8613800138000" in doc.tokens


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"mobile": "not a phone"}, "mobile"),
        ({"email": "nope@"}, "email"),
        ({"source": "'; DROP TABLE sales_lead; --"}, "source"),
        ({"industry": "=cmd|' /C calc'!A0"}, "industry"),
        ({"status": "converted"}, "status"),
        ({"status": "unqualified"}, "unqualified_reason"),
        ({"owner": "rep2"}, "owner"),
        ({"score": 100}, "score"),
        ({"pool": 1}, "pool"),
        ({"company": 42}, "company"),
        ({"description": "y" * 5001}, "description"),
    ],
)
def test_create_rejects_bad_input(org, svc, data, field):
    from guanxi.sales.models import Lead

    with pytest.raises(ValidationFailed) as exc:
        svc.lead_create(actor=org["rep1"], data={"name": "李雷", **data})
    assert field in exc.value.fields
    assert not Lead._base_manager.exists()


def test_markup_is_stored_as_text_and_control_characters_removed(org, svc, web):
    lead = make(svc, org["rep1"], company="<script>alert(1)</script>\x07公司")
    assert lead.company == "<script>alert(1)</script>公司"
    page = web("rep1").get(f"/sales/leads/{lead.pk}/")
    assert b"<script>alert(1)</script>" not in page.content and b"&lt;script&gt;" in page.content


def test_permissions(org, svc):
    lead = make(svc, org["rep1"])
    with pytest.raises(PermissionDenied):
        svc.lead_update(actor=org["rep2"], lead=lead, data={"name": "x"}, version=None)
    with pytest.raises(PermissionDenied):
        svc.lead_create(actor=None, data={"name": "x"})
    # manager1 manages East (rep1): may update
    svc.lead_update(actor=org["manager1"], lead=lead, data={"company": "东方"}, version=lead.version)


def test_status_rules(org, svc):
    lead = make(svc, org["rep1"])
    v = lead.version
    lead = svc.lead_set_status(actor=org["rep1"], lead=lead, status="working", version=v)
    assert lead.status == "working" and lead.version == v + 1
    with pytest.raises(ValidationFailed) as exc:
        svc.lead_set_status(
            actor=org["rep1"], lead=lead, status="unqualified", reason="  ", version=lead.version
        )
    assert "unqualified_reason" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        svc.lead_set_status(actor=org["rep1"], lead=lead, status="converted", version=lead.version)
    assert "status" in exc.value.fields
    with pytest.raises(ValidationFailed):
        svc.lead_set_status(actor=org["rep1"], lead=lead, status="bogus", version=lead.version)
    with pytest.raises(VersionConflict):
        svc.lead_set_status(actor=org["rep1"], lead=lead, status="qualified", version=v)
    lead = svc.lead_set_status(
        actor=org["rep1"], lead=lead, status="unqualified", reason="预算不足", version=lead.version
    )
    assert lead.status == "unqualified" and lead.unqualified_reason == "预算不足"
    # clearing the reason while unqualified is refused; leaving unqualified clears it
    with pytest.raises(ValidationFailed) as exc:
        svc.lead_update(actor=org["rep1"], lead=lead, data={"unqualified_reason": ""}, version=lead.version)
    assert "unqualified_reason" in exc.value.fields
    lead = svc.lead_set_status(actor=org["rep1"], lead=lead, status="qualified", version=lead.version)
    assert lead.unqualified_reason == ""


def test_converted_lead_is_read_only(org, svc):
    from guanxi.sales.models import Lead

    lead = make(svc, org["rep1"])
    Lead._base_manager.filter(pk=lead.pk).update(status="converted")
    lead.refresh_from_db()
    with pytest.raises(ValidationFailed):
        svc.lead_update(actor=org["rep1"], lead=lead, data={"name": "新名字"}, version=lead.version)
    with pytest.raises(ValidationFailed):
        svc.lead_set_status(actor=org["rep1"], lead=lead, status="working", version=lead.version)
    lead.refresh_from_db()
    assert lead.name == "王芳"


def test_transfer_delete_restore(org, svc):
    from guanxi.search.models import SearchDocument

    lead = make(svc, org["rep1"])
    svc.lead_transfer(actor=org["rep1"], lead=lead, owner="rep2")
    lead.refresh_from_db()
    assert lead.owner == org["rep2"]
    assert SearchDocument.objects.get(object_type="lead", object_id=lead.pk).owner_id == org["rep2"].pk
    with pytest.raises(ValidationFailed):
        svc.lead_transfer(actor=org["rep2"], lead=lead, owner="inactive")
    svc.lead_delete(actor=org["rep2"], lead=lead, version=lead.version)
    assert not SearchDocument.objects.filter(object_type="lead", object_id=lead.pk).exists()
    svc.lead_restore(actor=org["rep2"], lead=lead)
    assert SearchDocument.objects.filter(object_type="lead", object_id=lead.pk).exists()


def test_route_to_user_notifies_and_to_pool_unowns(org, svc):
    from guanxi.engagement.models import Notification
    from guanxi.sales.models import Pool, PoolEvent

    with mock.patch("guanxi.sales.assignment.services.route", return_value=(org["rep2"], None)):
        lead = svc.lead_create(actor=org["marketer1"], data={"name": "张三"}, route=True)
    lead.refresh_from_db()
    assert lead.owner == org["rep2"] and lead.pool_id is None
    note = Notification.objects.get(user=org["rep2"], kind="lead_assigned")
    assert note.url == f"/sales/leads/{lead.pk}/"

    pool = Pool.objects.create(name="线索公海", kind="lead")
    with mock.patch("guanxi.sales.assignment.services.route", return_value=(None, pool)):
        pooled = svc.lead_create(actor=org["marketer1"], data={"name": "李四"}, route=True)
    pooled.refresh_from_db()
    assert pooled.owner_id is None and pooled.pool == pool
    assert PoolEvent.objects.filter(object_type="lead", object_id=pooled.pk, action="enter").exists()

    with mock.patch("guanxi.sales.assignment.services.route", return_value=(None, None)):
        mine = svc.lead_create(actor=org["marketer1"], data={"name": "赵六"}, route=True)
    assert mine.owner == org["marketer1"]


def test_pool_leads_are_not_listed_nor_readable_outside_the_pool(org, svc):
    from guanxi.sales.leads import selectors
    from guanxi.sales.models import Pool

    pool = Pool.objects.create(name="线索公海", kind="lead")
    with mock.patch("guanxi.sales.assignment.services.route", return_value=(None, pool)):
        pooled = svc.lead_create(actor=org["rep1"], data={"name": "李四"}, route=True)
    page = selectors.lead_list(org["admin"], selectors.ListParams())
    assert pooled.pk not in [x.pk for x in page.items]
    with pytest.raises(NotFound):
        selectors.lead_get(org["director"], pooled.pk)


def _form(org, **kwargs):
    from guanxi.sales.models import LeadForm

    return LeadForm.objects.create(
        name="官网表单", slug=kwargs.pop("slug", "site"), created_by=org["admin"], **kwargs
    )


def test_capture_goes_to_the_form_owner_with_consent(org, svc):
    from guanxi.audit.models import AuditEvent
    from guanxi.sales.models import LeadForm

    form = _form(org, owner=org["rep3"], source="website")
    lead = svc.lead_capture(
        form=form, data={"name": "访客", "mobile": "13900139000"}, consent_text="我同意", ip="203.0.113.9"
    )
    lead.refresh_from_db()
    assert lead.owner == org["rep3"] and lead.source == "website" and lead.form == form
    assert lead.consent_text == "我同意" and lead.consent_at is not None
    assert LeadForm.objects.get(pk=form.pk).submissions == 1
    event = AuditEvent.objects.get(object_type="lead", object_id=lead.pk, verb="create")
    assert (
        event.actor_id is None and event.actor_label == "system" and event.changes["ip"][1] == "203.0.113.9"
    )


def test_capture_to_pool_route_or_creator(org, svc):
    from guanxi.sales.models import Pool

    pool = Pool.objects.create(name="公海", kind="lead")
    lead = svc.lead_capture(form=_form(org, slug="a", pool=pool), data={"name": "甲"}, consent_text="")
    assert lead.owner_id is None and lead.pool == pool and lead.consent_at is None
    with mock.patch("guanxi.sales.assignment.services.route", return_value=(org["rep1"], None)) as route:
        form = _form(org, slug="b")
        lead = svc.lead_capture(form=form, data={"company": "乙公司"}, consent_text="ok")
    assert route.call_args.kwargs["form"] == form
    assert lead.owner == org["rep1"] and lead.name == "乙公司"
    lead = svc.lead_capture(form=_form(org, slug="c"), data={"name": "丙"}, consent_text="ok")
    assert lead.owner == org["admin"]  # nothing routes: the form's creator


@pytest.mark.parametrize(
    "data",
    [{}, {"status": "qualified", "name": "x"}, {"owner": "rep1", "name": "x"}, {"name": "x", "email": "bad"}],
)
def test_capture_rejects_bad_submissions(org, svc, data):
    from guanxi.sales.models import Lead

    with pytest.raises(ValidationFailed):
        svc.lead_capture(form=_form(org), data=data, consent_text="")
    assert not Lead._base_manager.exists()


def test_followups_on_a_lead(org, svc, django_capture_on_commit_callbacks):
    from guanxi.engagement.followups import services as followups
    from guanxi.engagement.tasks import services as task_services

    lead = make(svc, org["rep1"])
    # sales rescores on the event `activity_logged`, after commit
    with (
        mock.patch("guanxi.sales.scoring.services.rescore") as rescore,
        django_capture_on_commit_callbacks(execute=True),
    ):
        a = followups.activity_create(
            actor=org["rep1"],
            data={
                "kind": "call",
                "subject": "初次沟通",
                "lead": lead.pk,
                "occurred_at": "2026-01-05T10:00+08:00",
            },
        )
    assert rescore.called
    lead.refresh_from_db()
    assert a.lead == lead and lead.last_contact_at == a.occurred_at
    later = followups.activity_create(
        actor=org["rep1"], data={"kind": "visit", "subject": "拜访", "lead": lead.pk}
    )
    lead.refresh_from_db()
    assert lead.last_contact_at == later.occurred_at
    followups.activity_delete(actor=org["rep1"], activity=later, version=later.version)
    lead.refresh_from_db()
    assert lead.last_contact_at == a.occurred_at
    # someone who cannot see the lead cannot log on it: a 400 on the field, as for accounts
    with pytest.raises(ValidationFailed) as exc:
        followups.activity_create(actor=org["rep3"], data={"kind": "call", "lead": lead.pk})
    assert "lead" in exc.value.fields
    # rep3 still cannot read the follow-up; manager1 can through the lead
    from guanxi.engagement.models import Activity
    from guanxi.policies import access

    assert not access.scope(org["rep3"], Activity).filter(pk=a.pk).exists()
    task = task_services.task_create(actor=org["rep1"], data={"title": "回电", "lead": lead.pk})
    assert task.lead == lead
    with pytest.raises(ValidationFailed):
        task_services.task_create(actor=org["rep2"], data={"title": "回电", "lead": lead.pk})


def test_list_filters_and_search(org, svc):
    from guanxi.sales.leads import selectors

    a = make(svc, org["rep1"], company="西湖科技", province="浙江省", city="杭州市", source="referral")
    b = make(svc, org["rep1"], name="李雷", industry="manufacturing")
    make(svc, org["rep2"], name="韩梅梅")

    def ids(**filters):
        q = filters.pop("q", "")
        return {
            x.pk for x in selectors.lead_list(org["rep1"], selectors.ListParams(q=q, filters=filters)).items
        }

    assert ids() == {a.pk, b.pk}
    assert ids(province="浙江省") == {a.pk} and ids(city="杭州市", source="referral") == {a.pk}
    assert ids(industry="manufacturing") == {b.pk} and ids(status="new") == {a.pk, b.pk}
    assert ids(q="西湖") == {a.pk} and ids(q="xhkj") == {a.pk}
    assert ids(owner="rep1") == {a.pk, b.pk} and ids(score_min="1") == set()
    for bad in (
        {"status": "nope"},
        {"score_min": "abc"},
        {"owner": "nobody"},
        {"form": "x"},
        {"province": "x" * 51},
        {"bogus": "1"},
    ):
        with pytest.raises(ValidationFailed):
            ids(**bad)
    with pytest.raises(ValidationFailed):
        selectors.lead_list(org["rep1"], selectors.ListParams(ordering="owner__password"))
    page = selectors.lead_list(org["rep1"], selectors.ListParams(ordering="name", limit=1))
    assert page.next_cursor
    rest = selectors.lead_list(
        org["rep1"], selectors.ListParams(ordering="name", limit=1, cursor=page.next_cursor)
    )
    assert {page.items[0].pk, rest.items[0].pk} == {a.pk, b.pk}
