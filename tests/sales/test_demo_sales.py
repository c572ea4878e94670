"""The sales demo data (guanxi/demo/sales/) and the sales volumes of the scale generator
(guanxi/demo/sales_scale.py): made once, consistent with what the services keep."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from guanxi.customers.models import Account, Contact
from guanxi.demo.generate import generate
from guanxi.demo.org import ensure_demo_org
from guanxi.demo.sales import make_sales_demo
from guanxi.demo.sales.data import RATES, month_bounds, quarter_bounds
from guanxi.engagement.models import Activity
from guanxi.sales.models import (
    AssignmentRule,
    ExchangeRate,
    Lead,
    LeadForm,
    LeadStatus,
    Opportunity,
    OpportunityContact,
    OpportunityStageChange,
    Pipeline,
    Pool,
    PoolEvent,
    ScoringRule,
    Stage,
    Target,
)
from guanxi.search.models import SearchDocument
from tests.helpers import module_transaction

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model._base_manager.count()
        for model in (
            Account,
            Contact,
            Lead,
            LeadForm,
            Opportunity,
            OpportunityStageChange,
            OpportunityContact,
            Pipeline,
            Stage,
            Pool,
            PoolEvent,
            ScoringRule,
            AssignmentRule,
            Target,
            ExchangeRate,
            Activity,
            SearchDocument,
        )
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo's customers (a smaller run) and the sales demo, made once for the module, and the
    moment they were made at (a test may run on another day than the module's first test)."""
    with module_transaction(django_db_blocker), django_db_blocker.unblock():
        generate(60, activities_per_account=3)
        users = ensure_demo_org()
        now = timezone.now()
        made = make_sales_demo(users, now=now)
        yield users, made, counts(), now


@pytest.fixture
def demo(world, db):
    return world[0], world[1]


def test_loader_runs_once_and_twice_changes_nothing(world, db):
    users, made, first, _now = world
    assert counts() == first
    assert made["opportunities"] == 60 and made["leads"] == 95
    assert first["Opportunity"] == 60 and first["Lead"] == 95
    assert first["Pool"] == 2 and first["Pipeline"] == 2 and first["Target"] == 14
    assert first["ScoringRule"] == 4 and first["AssignmentRule"] == 2 and first["LeadForm"] == 1
    assert first["ExchangeRate"] == 5 and first["PoolEvent"] >= 30
    assert make_sales_demo(ensure_demo_org()) == {}
    assert counts() == first


def test_pool_invariants(demo):
    east = Pool.objects.get(kind=Pool.Kind.CUSTOMER)
    lead_pool = Pool.objects.get(kind=Pool.Kind.LEAD)
    # owner NULL ⇔ in a pool, for accounts and leads alike
    assert not Account.objects.filter(
        Q(owner__isnull=True, pool__isnull=True) | Q(owner__isnull=False, pool__isnull=False)
    ).exists()
    assert not Lead.objects.filter(
        Q(owner__isnull=True, pool__isnull=True) | Q(owner__isnull=False, pool__isnull=False)
    ).exists()
    assert Account.objects.filter(pool=east).count() == 15
    assert Lead.objects.filter(pool=lead_pool).count() == 15
    assert not Account.objects.filter(pool__isnull=False, owned_since__isnull=False).exists()
    assert not Account.objects.filter(pool__isnull=False, pool_locked=True).exists()
    assert Account.objects.filter(pool_locked=True, owner__isnull=False).count() == 3
    # a pooled customer's contacts and search entries have no owner either
    pooled = Account.objects.filter(pool=east).values("pk")
    assert not Contact.objects.filter(account__in=pooled, owner__isnull=False).exists()
    assert not SearchDocument.objects.filter(
        object_type="account", object_id__in=pooled, owner_id__isnull=False
    ).exists()
    # the rules as the brief sets them
    rules = {(r.kind, r.tier): r.days for r in east.rules.all()}
    assert rules == {
        ("no_followup", "A"): 30,
        ("no_followup", "B"): 45,
        ("no_followup", "C"): 60,
        ("no_opportunity", ""): 60,
        ("not_won", ""): 180,
    }
    assert (
        east.daily_claim_limit,
        east.ownership_cap,
        east.former_owner_cooldown_days,
        east.reminder_days,
    ) == (5, 50, 7, 3)
    assert east.mask_contact_info and list(east.admins.values_list("username", flat=True)) == ["manager1"]
    # every pooled record says how it got there; returns carry a reason
    for record_type, pool in (("account", east), ("lead", lead_pool)):
        ids = set(
            (Account if record_type == "account" else Lead)
            .objects.filter(pool=pool)
            .values_list("pk", flat=True)
        )
        explained = set(
            PoolEvent.objects.filter(
                pool=pool, object_type=record_type, action__in=["return", "reclaim", "enter"]
            ).values_list("object_id", flat=True)
        )
        assert ids <= explained
    assert not PoolEvent.objects.filter(action__in=["return", "reclaim"], reason="").exists()
    # no owner holds more than the cap, so the members can still claim
    owned = (
        Account.objects.filter(owner__department=east.member_departments.get())
        .values("owner")
        .annotate(n=Count("id"))
    )
    assert max(row["n"] for row in owned) < 50


def test_opportunities_are_consistent(demo):
    rates = {k: Decimal(v) for k, v in RATES.items()}
    for opp in Opportunity.objects.select_related("stage", "account"):
        assert opp.stage.pipeline_id == opp.pipeline_id
        assert opp.stage_type == opp.stage.type
        assert opp.amount_base == (opp.amount * rates.get(opp.currency, Decimal(1))).quantize(Decimal("0.01"))
        assert Decimal("50000") * Decimal("0.8") <= opp.amount_base <= Decimal("2000000") * Decimal("1.01")
        assert opp.amount >= 0 and opp.amount == opp.amount.quantize(Decimal("0.01"))
        assert opp.owner_id == opp.account.owner_id  # the owner sees the customer
        assert (opp.closed_at is not None) == (opp.stage_type != "open")
        if opp.stage_type == "lost":
            assert opp.loss_reason
        if not opp.probability_manual:
            assert opp.probability == opp.stage.probability
        changes = list(opp.stage_changes.order_by("at", "id"))
        assert changes[0].from_stage_id is None and changes[0].at == opp.created_at
        assert changes[-1].to_stage_id == opp.stage_id and changes[-1].at == opp.stage_entered_at
        for before, after in zip(changes, changes[1:], strict=False):
            assert after.from_stage_id == before.to_stage_id
            assert after.seconds_in_stage == int((after.at - before.at).total_seconds()) > 0
        assert opp.stage_entered_at <= timezone.now()
    for pipeline in Pipeline.objects.all():  # every stage of both pipelines has cards
        assert set(pipeline.stages.values_list("pk", flat=True)) == set(
            pipeline.opportunities.values_list("stage", flat=True)
        )
    assert not OpportunityContact.objects.exclude(contact__account=F("opportunity__account")).exists()
    assert SearchDocument.objects.filter(object_type="opportunity").count() == 60


def test_leads_are_consistent(demo):
    assert set(Lead.objects.values_list("status", flat=True)) == set(LeadStatus.values)
    assert not Lead.objects.filter(status="unqualified", unqualified_reason="").exists()
    converted = Lead.objects.filter(status="converted")
    assert converted.count() >= 8
    for lead in converted:
        assert (
            lead.account_id
            and lead.contact_id
            and lead.converted_at
            and lead.contact.account_id == lead.account_id
        )
        if lead.opportunity_id:
            assert Opportunity.objects.get(pk=lead.opportunity_id).lead_id == lead.pk
    for lead in Lead.objects.all():  # the score is its reasons' sum
        assert lead.score == sum(r["points"] for r in lead.score_reasons)
    assert Lead.objects.filter(score__gt=0).count() > 40
    web = Lead.objects.filter(source="web_form", pool__isnull=True)
    assert web.exists() and not web.filter(Q(consent_text="") | Q(form__isnull=True)).exists()
    # new leads from Guangdong went to rep3 (converted ones took their customer's owner)
    guangdong = Lead.objects.filter(province="广东省", owner__isnull=False).exclude(status="converted")
    assert guangdong.exists() and not guangdong.exclude(owner__username="rep3").exists()
    assert Activity.objects.filter(lead__isnull=False).count() >= 20
    form = LeadForm.objects.get(slug="contact-us")
    assert form.consent_text_en and form.consent_text_zh_hans and form.consent_text_zh_hant
    assert SearchDocument.objects.filter(object_type="lead").count() == 95


def test_forecast_lands_near_target(world, db):
    from guanxi.sales.forecast.selectors import forecast

    users, _made, _counts, made_at = world
    today = timezone.localdate(made_at)  # the day the targets are for
    for _start, _end, code in (quarter_bounds(today), month_bounds(today)):
        assert Target.objects.filter(period=code).count() == 7
        for username in ("rep1", "rep2", "rep3", "manager1"):
            figures = forecast(users["director"], period=code, user=username)
            assert Decimal(40) <= figures["attainment"] <= Decimal(111), (code, username, figures)
        whole = forecast(users["director"], period=code)
        assert whole["target"] > 0 and whole["best_case"] >= whole["won"] > 0


def test_quarter_and_month_bounds():
    from datetime import date

    assert quarter_bounds(date(2026, 12, 2)) == (date(2026, 10, 1), date(2026, 12, 31), "2026-Q4")
    assert quarter_bounds(date(2026, 12, 2), 1) == (date(2027, 1, 1), date(2027, 3, 31), "2027-Q1")
    assert quarter_bounds(date(2026, 2, 28)) == (date(2026, 1, 1), date(2026, 3, 31), "2026-Q1")
    assert month_bounds(date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31), "2026-12")
    assert month_bounds(date(2028, 2, 10)) == (date(2028, 2, 1), date(2028, 2, 29), "2028-02")


def test_scale_adds_leads_and_opportunities():
    call_command("demo-data", "--scale", "400", "--activities-per-account", "0", "--big-customer", "0")
    from guanxi.demo.sales_scale import BOARD_OPEN

    assert Lead.objects.count() == 95 + 200
    assert Opportunity.objects.count() == 60 + 120
    channel = Pipeline.objects.get(name_en="Channel sales")
    board = Opportunity.objects.filter(pipeline=channel, stage_type="open").count()
    assert (
        min(BOARD_OPEN, 120 // 3) <= board <= min(BOARD_OPEN, 120 // 3) + 18
    )  # plus the demo's own channel deals
    assert not Opportunity.objects.exclude(stage__pipeline=F("pipeline")).exists()
    assert not Opportunity.objects.exclude(stage_type=F("stage__type")).exists()
    assert not Opportunity.objects.filter(stage_changes__isnull=True).exists()
    assert SearchDocument.objects.filter(object_type__in=["lead", "opportunity"]).count() == 295 + 180
    assert not Lead.objects.filter(
        Q(owner__isnull=True, pool__isnull=True) | Q(owner__isnull=False, pool__isnull=False)
    ).exists()


def test_customers_are_owned_since_at_most_40_days_and_never_before_creation():
    from datetime import timedelta

    from guanxi.demo.generate import OWNED_DAYS, owned_since

    now = timezone.now()
    for days in (0, 1, 39, 40, 41, 100, 719):
        created = now - timedelta(days=days, hours=3)
        since = owned_since(created, now)
        assert created <= since <= now
        assert now - since <= timedelta(days=OWNED_DAYS)
        if days > OWNED_DAYS:
            assert now - since >= timedelta(days=2)  # not today: the reclaim counts from then
