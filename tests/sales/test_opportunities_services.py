"""Opportunity services: money and hostile input, the stage rules, probability overrides, stage
history durations, pipelines as data, exchange rates, and the queries a list and a move cost."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from guanxi.core.errors import PermissionDenied, ValidationFailed, VersionConflict
from tests.helpers import assert_error, post_json


@pytest.fixture
def world(org):
    from guanxi.customers.directory import services as customers
    from guanxi.sales.models import Pipeline

    pipeline = Pipeline.objects.get(is_default=True)
    stages = {s.name_en: s for s in pipeline.stages.all()}
    account = customers.account_create(actor=org["rep1"], data={"name": "商机测试有限公司"})
    return {"org": org, "rep": org["rep1"], "account": account, "pipeline": pipeline, "stages": stages}


def create(world, **data):
    from guanxi.sales.pipelines import services

    return services.opportunity_create(
        actor=world["rep"], data={"name": "大单", "account": world["account"].pk, **data}
    )


def errors_of(exc) -> dict:
    return exc.value.fields


# --- the default pipeline ---------------------------------------------------------------------


def test_the_default_pipeline_has_six_stages_in_three_languages(db):
    from django.utils import translation

    from guanxi.sales.pipelines import selectors

    [pipeline] = selectors.pipeline_list()
    assert pipeline.is_default and pipeline.name_zh_hans == "销售漏斗" and pipeline.name_zh_hant == "銷售漏斗"
    rows = [(s.name_en, s.name_zh_hans, s.type, s.probability) for s in pipeline.stages.all()]
    assert rows == [
        ("Qualification", "初步接洽", "open", 10),
        ("Needs analysis", "需求确认", "open", 30),
        ("Proposal", "方案报价", "open", 50),
        ("Negotiation", "谈判审核", "open", 70),
        ("Won", "赢单", "won", 100),
        ("Lost", "输单", "lost", 0),
    ]
    with translation.override("zh-hant"):
        assert pipeline.stages.all()[0].name == "初步接洽" and pipeline.name == "銷售漏斗"


# --- create: money and hostile input ----------------------------------------------------------


def test_create_defaults_to_the_first_open_stage_and_records_history(world):
    from guanxi.audit.models import AuditEvent
    from guanxi.sales.models import OpportunityStageChange

    opp = create(world, amount="12500.5", expected_close="2026-11-30", competitors=["金蝶", "金蝶", " 用友 "])
    assert opp.owner == world["rep"] and opp.stage.name_en == "Qualification" and opp.probability == 10
    assert (
        opp.amount == Decimal("12500.50") and opp.amount_base == Decimal("12500.50") and opp.currency == "CNY"
    )
    assert opp.expected_close == dt.date(2026, 11, 30) and opp.competitors == ["金蝶", "用友"]
    [change] = OpportunityStageChange.objects.filter(opportunity=opp)
    assert change.from_stage is None and change.to_stage == opp.stage
    assert AuditEvent.objects.filter(object_type="opportunity", object_id=opp.pk, verb="create").exists()


@pytest.mark.parametrize(
    "amount, message",
    [
        ("-1", "The amount cannot be negative."),
        (-5, "The amount cannot be negative."),
        ("1.005", "Use at most two decimals."),
        (1.005, "Use at most two decimals."),
        ("1e5", "Enter an amount such as 12500.00."),
        ("NaN", "Enter an amount such as 12500.00."),
        ("Infinity", "Enter an amount such as 12500.00."),
        ("=cmd|' /C calc'!A0", "Enter an amount such as 12500.00."),
        ("1 OR 1=1", "Enter an amount such as 12500.00."),
        ("1" * 40, "Enter an amount such as 12500.00."),
        ("100000000000000", "Enter an amount up to 99999999999999.99."),
        (True, "Enter an amount such as 12500.00."),
        ([1], "Enter an amount such as 12500.00."),
    ],
)
def test_bad_amounts_are_field_errors_and_write_nothing(world, amount, message):
    from guanxi.sales.models import Opportunity

    with pytest.raises(ValidationFailed) as exc:
        create(world, amount=amount)
    assert errors_of(exc)["amount"] == [message]
    assert not Opportunity._base_manager.exists()


def test_good_amounts(world):
    assert create(world, amount="1,234.5").amount == Decimal("1234.50")
    assert create(world, amount=7).amount == Decimal("7.00")
    assert create(world, amount="99999999999999.99").amount == Decimal("99999999999999.99")
    assert create(world, amount="2.50").amount == Decimal("2.50")
    assert create(world, amount=Decimal("3.10")).amount == Decimal("3.10")


def test_markup_in_names_is_stored_as_text(world):
    opp = create(world, name="<script>alert(1)</script>' OR 1=1 --", next_step='=HYPERLINK("x")')
    assert opp.name == "<script>alert(1)</script>' OR 1=1 --" and opp.next_step == '=HYPERLINK("x")'


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"account": None}, "account"),
        ({"account": "abc"}, "account"),
        ({"account": 10**30}, "account"),
        ({"currency": "usd1"}, "currency"),
        ({"currency": "EUR"}, "currency"),  # no exchange rate
        ({"pipeline": 10**9}, "pipeline"),
        ({"stage": 10**9}, "stage"),
        ({"probability": 101}, "probability"),
        ({"probability": -1}, "probability"),
        ({"probability": "50%"}, "probability"),
        ({"expected_close": "2026-02-30"}, "expected_close"),
        ({"expected_close": "3000-01-01"}, "expected_close"),
        ({"competitors": "x" * 101}, "competitors"),
        ({"competitors": [1, 2]}, "competitors"),
        ({"contacts": [{"contact": 10**9}]}, "contacts"),
        ({"contacts": [{"contact": 1, "role": "boss"}]}, "contacts"),
        ({"owner": "rep2"}, "owner"),
        ({"stage_type": "won"}, "stage_type"),
        ({"amount_base": "1"}, "amount_base"),
    ],
)
def test_bad_input_names_the_field(world, data, field):
    with pytest.raises(ValidationFailed) as exc:
        create(world, **data)
    assert field in errors_of(exc), errors_of(exc)


def test_a_stage_of_another_pipeline_is_refused(world):
    from guanxi.sales.pipelines import services, services_admin

    other = services_admin.pipeline_create(
        actor=world["org"]["admin"],
        data={
            "name": "Other",
            "stages": [
                {"name": "O", "type": "open", "probability": 5},
                {"name": "W", "type": "won"},
                {"name": "L", "type": "lost"},
            ],
        },
    )
    foreign = other.stages.get(name_en="O")
    with pytest.raises(ValidationFailed) as exc:
        create(world, stage=foreign.pk)
    assert "stage" in errors_of(exc)
    opp = create(world)
    with pytest.raises(ValidationFailed) as exc:
        services.opportunity_move(actor=world["rep"], opportunity=opp, stage=foreign.pk)
    assert "stage" in errors_of(exc)
    # with the pipeline named, its stage is fine
    assert create(world, pipeline=other.pk, stage=foreign.pk).probability == 5


def test_an_invisible_account_is_refused_like_an_absent_one(world):
    from guanxi.customers.directory import services as customers

    theirs = customers.account_create(actor=world["org"]["rep3"], data={"name": "别人的公司"})
    with pytest.raises(ValidationFailed) as exc:
        create(world, account=theirs.pk)
    assert errors_of(exc)["account"] == ["This account does not exist or you cannot see it."]


def test_foreign_currency_uses_the_rate(world):
    from guanxi.sales.pipelines import rates

    rates.rate_set(actor=world["org"]["admin"], currency="usd", rate="7.1234")
    opp = create(world, amount="100.00", currency="usd")
    assert opp.currency == "USD" and opp.amount_base == Decimal("712.34")
    with pytest.raises(PermissionDenied):
        rates.rate_set(actor=world["rep"], currency="EUR", rate="8")
    for bad in ("0", "-1", "1e3", "abc", "1.123456789", True):
        with pytest.raises(ValidationFailed) as exc:
            rates.rate_set(actor=world["org"]["admin"], currency="EUR", rate=bad)
        assert "rate" in errors_of(exc)
    with pytest.raises(ValidationFailed) as exc:
        rates.rate_set(actor=world["org"]["admin"], currency="CNY", rate="2")
    assert "currency" in errors_of(exc)


# --- the stage rules --------------------------------------------------------------------------


def test_lost_needs_a_reason(world):
    from guanxi.sales.pipelines import services

    opp = create(world)
    lost = world["stages"]["Lost"]
    with pytest.raises(ValidationFailed) as exc:
        services.opportunity_move(actor=world["rep"], opportunity=opp, stage=lost.pk)
    assert "loss_reason" in errors_of(exc)
    opp.refresh_from_db()
    assert opp.stage.name_en == "Qualification" and opp.version == 1
    with pytest.raises(ValidationFailed) as exc:
        services.opportunity_update(actor=world["rep"], opportunity=opp, data={"stage": lost.pk}, version=1)
    assert "loss_reason" in errors_of(exc)
    with pytest.raises(ValidationFailed):
        create(world, stage=lost.pk)
    opp = services.opportunity_move(actor=world["rep"], opportunity=opp, stage=lost.pk, reason="价格太高")
    assert opp.loss_reason == "价格太高" and opp.probability == 0 and opp.closed_at is not None
    assert opp.stage_type == "lost"


def test_probability_follows_the_stage_unless_overridden(world):
    from guanxi.sales.pipelines import services

    s = world["stages"]
    opp = create(world)
    opp = services.opportunity_move(actor=world["rep"], opportunity=opp, stage=s["Proposal"].pk)
    assert opp.probability == 50 and not opp.probability_manual
    opp = services.opportunity_update(
        actor=world["rep"], opportunity=opp, data={"probability": 65}, version=opp.version
    )
    assert opp.probability == 65 and opp.probability_manual
    opp = services.opportunity_move(actor=world["rep"], opportunity=opp, stage=s["Negotiation"].pk)
    assert opp.probability == 65, "an override survives moves between open stages"
    opp = services.opportunity_move(actor=world["rep"], opportunity=opp, stage=s["Won"].pk, reason="关系好")
    assert opp.probability == 100 and opp.win_reason == "关系好" and opp.closed_at is not None
    opp = services.opportunity_move(actor=world["rep"], opportunity=opp, stage=s["Proposal"].pk)
    assert opp.probability == 50 and opp.closed_at is None and opp.stage_type == "open"
    opp = services.opportunity_update(
        actor=world["rep"], opportunity=opp, data={"probability": 20}, version=opp.version
    )
    opp = services.opportunity_update(
        actor=world["rep"], opportunity=opp, data={"probability": None}, version=opp.version
    )
    assert opp.probability == 50 and not opp.probability_manual
    opp.refresh_from_db()
    assert opp.probability == 50 and opp.stage == s["Proposal"]


def test_stage_history_durations(world, monkeypatch):
    from django.utils import timezone

    from guanxi.sales.models import OpportunityStageChange
    from guanxi.sales.pipelines import selectors, services

    start = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
    clock = {"now": start}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    s = world["stages"]
    opp = create(world)
    clock["now"] = start + dt.timedelta(days=2, hours=3)
    opp = services.opportunity_move(actor=world["rep"], opportunity=opp, stage=s["Proposal"].pk)
    clock["now"] = start + dt.timedelta(days=5)
    opp = services.opportunity_update(
        actor=world["rep"], opportunity=opp, data={"stage": s["Won"].pk}, version=opp.version
    )
    rows = selectors.stage_history(world["rep"], opp)
    assert [(r.from_stage_id, r.to_stage_id, r.seconds_in_stage) for r in rows] == [
        (None, s["Qualification"].pk, None),
        (s["Qualification"].pk, s["Proposal"].pk, (2 * 24 + 3) * 3600),
        (s["Proposal"].pk, s["Won"].pk, (2 * 24 + 21) * 3600),
    ]
    assert opp.closed_at == start + dt.timedelta(days=5) and opp.stage_entered_at == opp.closed_at
    assert OpportunityStageChange.objects.filter(opportunity=opp).count() == 3


def test_a_stale_move_is_a_conflict(world):
    from guanxi.sales.pipelines import services

    opp = create(world)
    with pytest.raises(VersionConflict):
        services.opportunity_move(
            actor=world["rep"], opportunity=opp, stage=world["stages"]["Proposal"].pk, version=9
        )
    services.opportunity_move(
        actor=world["rep"], opportunity=opp, stage=world["stages"]["Proposal"].pk, version=1
    )
    assert opp.version == 2


def test_two_moves_from_the_same_version_one_wins(world):
    from guanxi.sales.models import Opportunity
    from guanxi.sales.pipelines import services

    opp = create(world)
    a, b = Opportunity.objects.get(pk=opp.pk), Opportunity.objects.get(pk=opp.pk)
    services.opportunity_move(actor=world["rep"], opportunity=a, stage=world["stages"]["Proposal"].pk)
    with pytest.raises(VersionConflict):
        services.opportunity_move(actor=world["rep"], opportunity=b, stage=world["stages"]["Negotiation"].pk)
    assert Opportunity.objects.get(pk=opp.pk).stage_id == world["stages"]["Proposal"].pk


def test_won_and_lost_notify_the_owner_and_collaborators(world):
    from guanxi.engagement.models import Notification
    from guanxi.records import sharing
    from guanxi.sales.pipelines import services

    opp = create(world)
    sharing.collaborator_set(actor=world["rep"], obj=opp, user=world["org"]["rep2"], access="read")
    services.opportunity_move(
        actor=world["org"]["manager1"], opportunity=opp, stage=world["stages"]["Won"].pk
    )
    got = set(Notification.objects.filter(kind="opportunity").values_list("user__username", flat=True))
    assert got == {"rep1", "rep2"}


def test_update_contacts_and_transfer(world):
    from guanxi.customers.directory import services as customers
    from guanxi.sales.models import OpportunityContact
    from guanxi.sales.pipelines import services

    contact = customers.contact_create(
        actor=world["rep"], data={"name": "王总", "account": world["account"].pk}
    )
    opp = create(world, contacts=[{"contact": contact.pk, "role": "decision_maker"}])
    assert list(OpportunityContact.objects.values_list("contact_id", "role")) == [
        (contact.pk, "decision_maker")
    ]
    opp = services.opportunity_contacts_set(actor=world["rep"], opportunity=opp, contacts=[])
    assert not OpportunityContact.objects.exists() and opp.version == 2
    with pytest.raises(ValidationFailed):
        services.opportunity_transfer(actor=world["rep"], opportunity=opp, owner="nobody")
    services.opportunity_transfer(actor=world["rep"], opportunity=opp, owner="rep2")
    opp.refresh_from_db()
    assert opp.owner.username == "rep2" and opp.version == 3


# --- pipelines as data ------------------------------------------------------------------------


def test_a_pipeline_needs_open_won_and_lost_stages(org):
    from guanxi.sales.pipelines import services_admin

    admin = org["admin"]
    for stages in (
        [{"name": "A", "type": "open", "probability": 1}, {"name": "W", "type": "won"}],
        [{"name": "W", "type": "won"}, {"name": "L", "type": "lost"}],
        [],
    ):
        with pytest.raises(ValidationFailed) as exc:
            services_admin.pipeline_create(actor=admin, data={"name": "P", "stages": stages})
        assert "stages" in errors_of(exc)
    with pytest.raises(PermissionDenied):
        services_admin.pipeline_create(actor=org["director"], data={"name": "P", "stages": []})


def test_a_stage_with_deals_cannot_be_removed_only_moved_or_deactivated(world):
    from guanxi.sales.models import Opportunity, OpportunityStageChange, Stage
    from guanxi.sales.pipelines import selectors, services, services_admin

    admin, s, pipeline = world["org"]["admin"], world["stages"], world["pipeline"]
    opp = create(world)
    opp = services.opportunity_move(actor=world["rep"], opportunity=opp, stage=s["Needs analysis"].pk)
    listed = [
        {"id": st.pk, "name": st.name_en, "type": st.type, "probability": st.probability, "order": st.order}
        for st in pipeline.stages.all()
        if st.name_en != "Needs analysis"
    ]
    with pytest.raises(ValidationFailed) as exc:
        services_admin.pipeline_update(
            actor=admin, pipeline=pipeline, data={"stages": listed}, version=pipeline.version
        )
    assert "Needs analysis" in errors_of(exc)["stages"][0]
    with pytest.raises(ValidationFailed) as exc:
        services_admin.stage_delete(actor=admin, stage=s["Needs analysis"])
    assert "move_to" in errors_of(exc)
    with pytest.raises(ValidationFailed):
        services_admin.stage_delete(
            actor=admin, stage=s["Needs analysis"], move_to=s["Won"].pk
        )  # another type
    services_admin.stage_delete(actor=admin, stage=s["Needs analysis"], move_to=s["Proposal"].pk)
    opp = Opportunity.objects.get(pk=opp.pk)
    assert opp.stage == s["Proposal"] and opp.probability == 50
    assert OpportunityStageChange.objects.filter(opportunity=opp, to_stage=s["Proposal"]).exists()
    assert not Stage.objects.get(pk=s["Needs analysis"].pk).active  # kept for the history, inactive
    assert "Needs analysis" not in [st.name_en for st in selectors.pipeline_list()[0].stages.all()]


def test_pipeline_update_renames_reorders_and_adds_stages(world):
    from guanxi.sales.pipelines import services_admin

    admin, pipeline = world["org"]["admin"], world["pipeline"]
    stages = [
        {
            "id": st.pk,
            "names": {"en": st.name_en, "zh-hans": st.name_zh_hans},
            "type": st.type,
            "probability": st.probability,
            "order": 100 - st.order,
        }
        for st in pipeline.stages.all()
    ]
    stages[0]["names"] = {"en": "First contact", "zh-hans": "初次接触", "zh-hant": "初次接觸"}
    stages.append({"name": "Contract", "type": "open", "probability": 90, "order": 0})
    pipeline = services_admin.pipeline_update(
        actor=admin, pipeline=pipeline, data={"stages": stages, "name": "Main"}, version=pipeline.version
    )
    names = [st.name_en for st in pipeline.stages.order_by("order", "id")]
    assert names[0] == "Contract" and names[-1] == "First contact" and pipeline.name_en == "Main"
    with pytest.raises(VersionConflict):
        services_admin.pipeline_update(actor=admin, pipeline=pipeline, data={"name": "X"}, version=1)


# --- the API: shapes, bad input and query counts ----------------------------------------------


def test_api_create_move_and_errors(world, api):
    client = api("rep1")
    s = world["stages"]
    response = post_json(
        client,
        "/api/v1/opportunities",
        {"name": "API 单", "account": world["account"].pk, "amount": "88.80", "expected_close": "2026-12-01"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "88.80" and body["stage"] == s["Qualification"].pk and body["probability"] == 10
    assert body["owner"]["username"] == "rep1" and body["account"] == world["account"].pk
    pk = body["id"]
    assert_error(
        post_json(client, f"/api/v1/opportunities/{pk}/move", {"stage": s["Lost"].pk}), 400, "loss_reason"
    )
    assert_error(post_json(client, f"/api/v1/opportunities/{pk}/move", {"stage": "2"}), 400, "stage")
    assert_error(post_json(client, f"/api/v1/opportunities/{pk}/move", {"stage": 10**9}), 400, "stage")
    assert_error(
        post_json(client, f"/api/v1/opportunities/{pk}/move", {"stage": s["Won"].pk}, HTTP_IF_MATCH='"7"'),
        412,
    )
    assert_error(
        post_json(
            client, "/api/v1/opportunities", {"name": "x", "account": world["account"].pk, "amount": "1.234"}
        ),
        400,
        "amount",
    )
    assert_error(
        post_json(
            client, "/api/v1/opportunities", {"name": "x", "account": world["account"].pk, "owner": "rep2"}
        ),
        400,
        "owner",
    )
    assert_error(
        client.patch(
            f"/api/v1/opportunities/{pk}", data=json.dumps({"name": "y"}), content_type="application/json"
        ),
        428,
    )
    response = post_json(
        client, f"/api/v1/opportunities/{pk}/move", {"stage": s["Lost"].pk, "reason": "预算砍了"}
    )
    assert response.status_code == 200 and response.json()["stage_type"] == "lost"
    assert response.json()["loss_reason"] == "预算砍了" and response["ETag"] == '"2"'
    history = client.get(f"/api/v1/opportunities/{pk}/stage-history").json()["items"]
    assert [h["to_stage"]["name"] for h in history] == ["Qualification", "Lost"]
    assert_error(client.get("/api/v1/opportunities?stage_type=maybe"), 400, "stage_type")
    assert_error(client.get("/api/v1/opportunities?ordering=owner"), 400, "ordering")
    assert_error(client.get("/api/v1/opportunities?amount_min=-1"), 400, "amount_min")
    assert_error(client.get("/api/v1/opportunities?cursor=bm9wZQ"), 400, "cursor")
    pipelines = client.get("/api/v1/pipelines").json()["items"]
    assert pipelines[0]["stages"][0] == {
        "id": s["Qualification"].pk,
        "name": "Qualification",
        "names": {"en": "Qualification", "zh-hans": "初步接洽", "zh-hant": "初步接洽"},
        "type": "open",
        "probability": 10,
        "order": 10,
        "active": True,
    }


def test_list_filters_orderings_and_pages(world, api):
    from guanxi.sales.pipelines import services

    s = world["stages"]
    made = []
    for i in range(7):
        opp = create(
            world,
            name=f"单{i}",
            amount=str(100 * (i + 1)),
            expected_close=f"2026-0{i + 1}-15" if i % 2 == 0 else None,
        )
        made.append(opp)
    services.opportunity_move(actor=world["rep"], opportunity=made[0], stage=s["Won"].pk)
    client = api("rep1")

    def ids(query):
        out, cursor = [], None
        while True:
            body = client.get(
                f"/api/v1/opportunities?limit=2&{query}" + (f"&cursor={cursor}" if cursor else "")
            ).json()
            out += [i["name"] for i in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                return out

    assert ids("ordering=expected_close") == ["单0", "单2", "单4", "单6", "单1", "单3", "单5"]
    assert ids("ordering=-expected_close") == ["单6", "单4", "单2", "单0", "单5", "单3", "单1"]
    assert ids("ordering=-amount") == [f"单{i}" for i in range(6, -1, -1)]
    assert ids("stage_type=won") == ["单0"]
    assert ids("stage_type=open&amount_min=300&amount_max=500&ordering=amount") == ["单2", "单3", "单4"]
    assert ids(f"stage={s['Qualification'].pk}&expected_close_after=2026-03-01&ordering=name") == [
        "单2",
        "单4",
        "单6",
    ]
    assert ids("owner=rep1&ordering=name") == [f"单{i}" for i in range(7)]


def test_list_and_move_cost_few_queries(world, api, django_assert_max_num_queries):
    from guanxi.customers.directory import services as customers

    contact = customers.contact_create(
        actor=world["rep"], data={"name": "李工", "account": world["account"].pk}
    )
    for i in range(30):
        create(world, name=f"批量{i}", contacts=[{"contact": contact.pk, "role": "user"}])
    manager = api("manager1")
    with django_assert_max_num_queries(10):
        body = manager.get("/api/v1/opportunities?limit=100").json()
    assert len(body["items"]) == 30 and body["items"][0]["contacts"] == [
        {"contact": contact.pk, "role": "user"}
    ]
    pk = body["items"][0]["id"]
    # 4 per request (token, grants with shares, the department tree and its users), then the deal (its
    # account's visibility from the same row), the stage, UPDATE, history, audit (in a savepoint here),
    # and the answer's contacts
    with django_assert_max_num_queries(12):
        response = post_json(
            manager, f"/api/v1/opportunities/{pk}/move", {"stage": world["stages"]["Proposal"].pk}
        )
    assert response.status_code == 200
    with django_assert_max_num_queries(4):
        assert len(manager.get("/api/v1/pipelines").json()["items"]) == 1
