"""Sales dashboards: each metric's arithmetic on a small known data set, scoping per persona,
the filters' bad input, the page and its panels per persona, and query counts that do not grow
with the data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.customers.models import Account
from guanxi.engagement.models import Activity, ActivityKind
from guanxi.org.models import Department
from guanxi.sales.dashboards import selectors as s
from guanxi.sales.dashboards.filters import parse_filters, parse_period, view_of, visible_departments
from guanxi.sales.models import (
    Lead,
    LeadSource,
    LeadStatus,
    Opportunity,
    OpportunityStageChange,
    Pipeline,
    PoolEvent,
    Stage,
    Target,
)

UTC = dt.UTC
Q1 = {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"}


def at(month: int, day: int, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, 4, 0, tzinfo=UTC)  # noon in Asia/Shanghai


@pytest.fixture
def world(org):
    p = Pipeline.objects.create(name_en="Dashboard pipeline", order=99)
    st = {
        "s1": Stage.objects.create(pipeline=p, name_en="Prospect", probability=10, order=1),
        "s2": Stage.objects.create(pipeline=p, name_en="Proposal", probability=50, order=2),
        "won": Stage.objects.create(pipeline=p, name_en="Won", type=Stage.Type.WON, probability=100, order=3),
        "lost": Stage.objects.create(
            pipeline=p, name_en="Lost", type=Stage.Type.LOST, probability=0, order=4
        ),
    }
    other = Pipeline.objects.create(name_en="Other pipeline", order=100)
    x = Stage.objects.create(pipeline=other, name_en="Other stage", probability=40, order=1)
    accounts = {
        u: Account.objects.create(name=f"客户 {u}", owner=org[u], created_by=org[u])
        for u in ("rep1", "rep2", "rep3")
    }

    def opp(name, owner, amount, stage, created, moves, *, expected=None, pipeline=p):
        last = moves[-1][0] if moves else stage
        o = Opportunity.objects.create(
            name=name,
            account=accounts[owner],
            owner=org[owner],
            created_by=org[owner],
            pipeline=pipeline,
            stage=last,
            stage_type=last.type,
            probability=last.probability,
            amount=Decimal(amount),
            amount_base=Decimal(amount),
            expected_close=expected,
            created_at=created,
            closed_at=moves[-1][1] if last.type != Stage.Type.OPEN else None,
        )
        prev = None
        for stage_to, when in moves:
            OpportunityStageChange.objects.create(opportunity=o, from_stage=prev, to_stage=stage_to, at=when)
            prev = stage_to
        return o

    opps = {
        "o1": opp(
            "o1",
            "rep1",
            "1000",
            st["s1"],
            at(1, 5),
            [(st["s1"], at(1, 5)), (st["s2"], at(1, 20)), (st["won"], at(2, 10))],
        ),
        "o2": opp(
            "o2",
            "rep1",
            "500",
            st["s1"],
            at(1, 10),
            [(st["s1"], at(1, 10)), (st["s2"], at(2, 1))],
            expected=dt.date(2026, 3, 15),
        ),
        "o3": opp(
            "o3", "rep2", "2000.50", st["s1"], at(1, 1), [(st["s1"], at(1, 1)), (st["lost"], at(3, 1))]
        ),
        "o4": opp("o4", "rep2", "300", st["s1"], at(1, 15), [(st["s1"], at(1, 15)), (st["won"], at(3, 11))]),
        "o5": opp(
            "o5", "rep3", "700", st["s1"], at(2, 1), [(st["s1"], at(2, 1))], expected=dt.date(2026, 2, 28)
        ),
        "o6": opp("o6", "rep3", "9999", x, at(2, 1), [(x, at(2, 1))], pipeline=other),
        "o7": opp("o7", "rep1", "100", st["s1"], at(12, 1, 2025), [(st["s1"], at(12, 1, 2025))]),
    }
    for owner, n in (("rep1", 3), ("rep2", 1), ("rep3", 2)):
        for i in range(n):
            Activity.objects.create(
                kind=ActivityKind.CALL,
                owner=org[owner],
                created_by=org[owner],
                account=accounts[owner],
                occurred_at=at(2, 1 + i),
            )
    Activity.objects.create(
        kind=ActivityKind.CALL, owner=org["rep1"], account=accounts["rep1"], occurred_at=at(12, 15, 2025)
    )
    for owner, source, status, created in (
        ("rep1", LeadSource.WEB_FORM, LeadStatus.CONVERTED, at(1, 3)),
        ("rep1", LeadSource.WEB_FORM, LeadStatus.NEW, at(2, 3)),
        ("rep1", LeadSource.REFERRAL, LeadStatus.WORKING, at(3, 3)),
        ("rep2", LeadSource.WEB_FORM, LeadStatus.CONVERTED, at(1, 8)),
        ("rep3", LeadSource.PHONE, LeadStatus.NEW, at(2, 8)),
        ("rep1", LeadSource.WEB_FORM, LeadStatus.NEW, at(11, 8, 2025)),
    ):
        Lead.objects.create(
            name=f"线索 {owner} {source}", owner=org[owner], source=source, status=status, created_at=created
        )
    Target.objects.create(
        user=org["rep1"],
        period="2026-Q1",
        kind="quarter",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 3, 31),
        amount=Decimal("5000"),
    )
    Target.objects.create(
        user=org["rep1"],
        period="2026-01",
        kind="month",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 1, 31),
        amount=Decimal("1000"),
    )
    Target.objects.create(
        user=org["rep2"],
        period="2026-01",
        kind="month",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 1, 31),
        amount=Decimal("100"),
    )
    Target.objects.create(
        user=org["rep2"],
        period="2026-02",
        kind="month",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 2, 28),
        amount=Decimal("200"),
    )
    return {"pipeline": p, "other": other, "stages": st, "x": x, "accounts": accounts, "opps": opps}


def filters_for(user, world, **extra):
    return parse_filters(user, {**Q1, "pipeline": str(world["pipeline"].pk), **extra})


def counts_of(funnel):
    return [(step["name"], step["count"], step["conversion"], step["drop_off"]) for step in funnel["steps"]]


# --- arithmetic -------------------------------------------------------------------------------


def test_funnel_counts_deals_reaching_each_stage_or_later(org, world):
    f = s.funnel(org["director"], filters_for(org["director"], world))
    # o3 went to lost: it reached Prospect only; o4 jumped from Prospect to Won: it counts for Proposal;
    # o7 moved before the period; o6 is in another pipeline
    assert counts_of(f) == [
        ("Prospect", 5, Decimal("60.0"), 2),
        ("Proposal", 3, Decimal("66.7"), 1),
        ("Won", 2, None, None),
    ]
    assert f["steps"][2]["of_first"] == Decimal("40.0")
    assert f"stage={world['stages']['won'].pk}" in f["steps"][2]["url"]
    assert "stage_type=won" in f["steps"][2]["url"] and "closed_after=2026-01-01" in f["steps"][2]["url"]


def test_win_rate_average_deal_and_cycle(org, world):
    w = s.win_stats(org["director"], filters_for(org["director"], world))
    assert (w["won"], w["lost"]) == (2, 1)
    assert w["win_rate"] == Decimal("66.7")
    assert w["won_amount"] == Decimal("1300.00")
    assert w["average_deal"] == Decimal("650.00") and isinstance(w["average_deal"], Decimal)
    assert w["cycle_days"] == Decimal("45.5")  # (36 + 55) / 2
    assert "stage_type=won" in w["won_url"] and "closed_before=2026-03-31" in w["won_url"]


def test_no_closed_deals_gives_no_rates(org, world):
    w = s.win_stats(org["rep3"], filters_for(org["rep3"], world))
    assert (w["won"], w["lost"], w["win_rate"], w["average_deal"], w["cycle_days"]) == (
        0,
        0,
        None,
        None,
        None,
    )


def test_pipeline_by_stage_totals_and_weighted(org, world):
    p = s.pipeline_by_stage(org["director"], filters_for(org["director"], world))
    assert [(x["name"], x["count"], x["amount"], x["weighted"]) for x in p["stages"]] == [
        ("Prospect", 2, Decimal("800.00"), Decimal("80.00")),
        ("Proposal", 1, Decimal("500.00"), Decimal("250.00")),
    ]
    assert (p["count"], p["amount"], p["weighted"]) == (3, Decimal("1300.00"), Decimal("330.00"))
    mine = s.pipeline_by_stage(org["rep1"], filters_for(org["rep1"], world), mine=True)
    assert (mine["count"], mine["amount"], mine["weighted"]) == (2, Decimal("600.00"), Decimal("260.00"))
    assert "owner=rep1" in mine["stages"][0]["url"]


def test_pipeline_by_rep_stacks_stages(org, world):
    data = s.pipeline_by_rep(org["manager1"], filters_for(org["manager1"], world))
    assert [r["username"] for r in data["reps"]] == ["rep1"]  # rep2 has nothing open; rep3 is not East
    assert [x["data"][0]["value"] for x in data["series"]] == [Decimal("100.00"), Decimal("500.00")]


def test_forecast_by_rep_against_targets(org, world):
    data = s.forecast_by_rep(org["manager1"], filters_for(org["manager1"], world))
    rows = {r["username"]: r for r in data["reps"]}
    assert set(rows) == {"rep1", "rep2"}
    r1 = rows["rep1"]
    assert (r1["won"], r1["weighted"], r1["best_case"], r1["target"], r1["attainment"]) == (
        Decimal("1000.00"),
        Decimal("250.00"),
        Decimal("1500.00"),
        Decimal("5000.00"),
        Decimal("20.0"),
    )
    r2 = rows["rep2"]  # monthly targets only: their sum
    assert (r2["won"], r2["target"], r2["attainment"]) == (
        Decimal("300.00"),
        Decimal("300.00"),
        Decimal("100.0"),
    )
    assert data["target"] == Decimal("5300.00")


def test_followups_and_activity_per_rep(org, world):
    d = s.followups_by_rep(org["director"], filters_for(org["director"], world))
    assert [(r["name"], r["count"]) for r in d["reps"]] == [
        (str(org["rep1"]), 3),
        (str(org["rep3"]), 2),
        (str(org["rep2"]), 1),
    ]
    assert "owner=rep1" in d["reps"][0]["url"] and "occurred_before=2026-04-01" in d["reps"][0]["url"]
    a = s.activity_by_rep(org["director"], filters_for(org["director"], world))
    assert len(a["weeks"]) == 8 and a["weeks"][-1] == "2026-03-30"
    # the follow-ups were on Feb 1-3, more than 8 weeks before the end of March
    assert a["series"] == []
    a = s.activity_by_rep(
        org["director"], filters_for(org["director"], world, start="2026-01-01", end="2026-02-15")
    )
    totals = {x["username"]: x["total"] for x in a["series"]}
    assert totals == {"rep1": 3, "rep3": 2, "rep2": 1}
    week = a["weeks"].index("2026-01-26")  # Sunday Feb 1 is in the week of Monday Jan 26
    assert [x["data"][week]["value"] for x in a["series"] if x["username"] == "rep1"] == [1]


def test_leads_by_source_and_conversion(org, world):
    d = s.leads_by_source(org["director"], filters_for(org["director"], world))
    assert [(x["source"], x["count"], x["converted"]) for x in d["sources"]] == [
        ("web_form", 3, 2),
        ("phone", 1, 0),
        ("referral", 1, 0),
    ]
    assert (d["total"], d["converted"], d["conversion"]) == (5, 2, Decimal("40.0"))
    assert "source=web_form" in d["sources"][0]["url"]


def test_my_leads_and_followups_due(org, world):
    d = s.my_leads(org["rep1"], filters_for(org["rep1"], world))
    assert {x["status"]: x["count"] for x in d["by_status"]} == {"new": 2, "working": 1, "qualified": 0}
    assert [lead.name for lead in d["newest"]][0] == "线索 rep1 referral"
    due = s.followups_due(org["rep1"], filters_for(org["rep1"], world))
    assert due == {"accounts": 0, "contacts": 0, "tasks_overdue": 0, "tasks_today": 0}


def test_pool_statistics_count_team_moves(org, world):
    from guanxi.sales.models import Pool

    pool = Pool.objects.create(name="华东公海", kind=Pool.Kind.CUSTOMER)
    acc = world["accounts"]["rep1"]
    PoolEvent.objects.create(
        pool=pool,
        object_type="account",
        object_id=acc.pk,
        action=PoolEvent.Action.CLAIM,
        to_owner=org["rep1"],
        created_at=at(2, 2),
    )
    PoolEvent.objects.create(
        pool=pool,
        object_type="account",
        object_id=acc.pk,
        action=PoolEvent.Action.RECLAIM,
        from_owner=org["rep3"],
        created_at=at(2, 3),
    )
    PoolEvent.objects.create(
        pool=pool,
        object_type="account",
        object_id=acc.pk,
        action=PoolEvent.Action.RETURN,
        from_owner=org["rep2"],
        created_at=at(5, 3),
    )  # outside the period
    d = s.pool_statistics(org["manager1"], filters_for(org["manager1"], world))
    assert (d["claimed"], d["reclaimed"], d["returned"]) == (1, 0, 0)
    d = s.pool_statistics(org["director"], filters_for(org["director"], world))
    assert (d["claimed"], d["reclaimed"], d["returned"]) == (1, 1, 0)


# --- scoping ----------------------------------------------------------------------------------


def test_each_persona_sees_its_own_scope(org, world):
    assert counts_of(s.funnel(org["rep1"], filters_for(org["rep1"], world)))[0][1] == 2
    assert counts_of(s.funnel(org["manager1"], filters_for(org["manager1"], world)))[0][1] == 4
    assert counts_of(s.funnel(org["rep3"], filters_for(org["rep3"], world))) == [
        ("Prospect", 1, Decimal("0.0"), 1),
        ("Proposal", 0, None, 0),
        ("Won", 0, None, None),
    ]
    w = s.win_stats(org["rep1"], filters_for(org["rep1"], world))
    assert (w["won"], w["win_rate"], w["cycle_days"]) == (1, Decimal("100.0"), Decimal("36.0"))
    assert s.leads_by_source(org["manager1"], filters_for(org["manager1"], world))["conversion"] == Decimal(
        "50.0"
    )
    assert s.leads_by_source(org["rep1"], filters_for(org["rep1"], world))["total"] == 3
    assert [
        r["username"] for r in s.forecast_by_rep(org["rep1"], filters_for(org["rep1"], world))["reps"]
    ] == ["rep1"]
    assert s.followups_by_rep(org["inactive"], filters_for(org["inactive"], world))["reps"] == []


def test_department_filter(org, world):
    south = Department.objects.get(name="华南销售组")
    east = Department.objects.get(name="华东销售组")
    f = filters_for(org["director"], world, department=str(south.pk))
    assert counts_of(s.funnel(org["director"], f))[0][1] == 1
    sales = Department.objects.get(name="销售部")  # the parent takes its subtree
    assert (
        counts_of(s.funnel(org["director"], filters_for(org["director"], world, department=str(sales.pk))))[
            0
        ][1]
        == 5
    )
    assert (
        counts_of(s.funnel(org["manager1"], filters_for(org["manager1"], world, department=str(east.pk))))[0][
            1
        ]
        == 4
    )
    with pytest.raises(NotFound):
        filters_for(org["manager1"], world, department=str(south.pk))
    with pytest.raises(NotFound):
        filters_for(org["rep1"], world, department=str(east.pk))
    with pytest.raises(NotFound):
        filters_for(org["director"], world, department="999999")
    assert [d.pk for d in visible_departments(org["manager1"])] == [east.pk]
    assert visible_departments(org["rep1"]) == []


@pytest.mark.parametrize(
    "params, field",
    [
        ({"period": "decade"}, "period"),
        ({"period": "'; DROP TABLE sales_lead; --"}, "period"),
        ({"period": "custom", "start": "2026-02-30", "end": "2026-03-01"}, "start"),
        ({"period": "custom", "start": "=cmd|' /C calc'!A0", "end": "2026-03-01"}, "start"),
        ({"period": "custom", "start": "2026-03-01"}, "end"),
        ({"period": "custom", "start": "2026-03-01", "end": "2026-02-01"}, "end"),
        ({"period": "custom", "start": "2000-01-01", "end": "2026-02-01"}, "end"),
        ({"department": "abc"}, "department"),
        ({"department": "99999999999999999999999"}, "department"),
        ({"pipeline": "<script>"}, "pipeline"),
    ],
)
def test_bad_filters_are_field_errors(org, world, params, field):
    with pytest.raises(ValidationFailed) as exc:
        parse_filters(org["director"], params)
    assert field in exc.value.fields


def test_periods(org):
    today = dt.date(2026, 11, 17)
    p = parse_period(org["rep1"], "month", today=today)
    assert (p.start, p.end, p.target_period) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30), "2026-11")
    p = parse_period(org["rep1"], "quarter", today=today)
    assert (p.start, p.end, p.target_period) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31), "2026-Q4")
    p = parse_period(org["rep1"], "last_quarter", today=dt.date(2026, 2, 3))
    assert (p.start, p.end) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    p = parse_period(org["rep1"], "year", today=today)
    assert (p.start, p.end, p.target_period) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31), None)
    p = parse_period(org["rep1"], None, today=today)
    assert p.key == "quarter"
    # the period's bounds are the viewer's local midnights
    assert p.start_at.utcoffset() == dt.timedelta(hours=8)


# --- pages ------------------------------------------------------------------------------------

PERSONAS = ["admin", "director", "manager1", "rep1", "rep2", "rep3", "agent1", "marketer1"]


@pytest.mark.parametrize("username", PERSONAS)
def test_page_and_every_panel_render_per_persona(web, org, world, username):
    client = web(username)
    query = {**Q1, "pipeline": world["pipeline"].pk}
    page = client.get("/sales/dashboard/", query)
    assert page.status_code == 200
    html = page.content.decode()
    view = view_of(org[username])
    for name, _col in [
        *__import__("guanxi.sales.dashboards.views", fromlist=["PANELS"]).PANELS[view],
        *__import__("guanxi.sales.dashboards.views", fromlist=["ANALYTICS"]).ANALYTICS,
    ]:
        assert f'data-testid="panel-{name}"' in html
        r = client.get(f"/sales/dashboard/panel/{name}/", query)
        assert r.status_code == 200, (name, r.content[:300])
        assert b"<script>" not in r.content and b' style="' not in r.content


def test_rep_page_shows_rep_panels_and_director_the_department_filter(web, world):
    rep = web("rep1").get("/sales/dashboard/").content.decode()
    assert 'data-testid="panel-mine"' in rep and 'data-testid="panel-team_pipeline"' not in rep
    assert 'data-testid="dash-department"' not in rep
    director = web("director").get("/sales/dashboard/").content.decode()
    assert 'data-testid="panel-team_pipeline"' in director and 'data-testid="dash-department"' in director
    assert "华南销售组" in director


def test_panel_numbers_and_drill_down_links(web, world):
    q = {**Q1, "pipeline": world["pipeline"].pk}
    html = web("director").get("/sales/dashboard/panel/wins/", q).content.decode()
    assert 'data-testid="wins-rate"><span class="gx-dash-stat-value">66.7%' in html
    html = web("rep1").get("/sales/dashboard/panel/funnel/", q).content.decode()
    assert "gx-chart-funnel" in html and "/sales/opportunities/?pipeline=" in html
    html = web("manager1").get("/sales/dashboard/panel/forecast/", q).content.decode()
    assert html.count('data-testid="forecast-row"') == 2 and "20.0%" in html


def test_bad_filters_answer_400_with_a_message_never_500(web, org, world):
    r = web("director").get("/sales/dashboard/", {"period": "custom", "start": "nope", "end": "2026-01-01"})
    assert r.status_code == 400 and b'data-testid="dashboard-error"' in r.content
    assert b"YYYY-MM-DD" in r.content
    r = web("director").get("/sales/dashboard/panel/funnel/", {"period": "x<b>"})
    assert r.status_code == 400 and b"<b>" not in r.content
    south = Department.objects.get(name="华南销售组")
    assert web("manager1").get("/sales/dashboard/", {"department": south.pk}).status_code == 404
    assert web("manager1").get("/sales/dashboard/panel/funnel/", {"department": south.pk}).status_code == 404
    assert web("rep1").get("/sales/dashboard/panel/nope/").status_code == 404


def test_anonymous_is_sent_to_login(client, db):
    for url in ("/sales/dashboard/", "/sales/dashboard/panel/funnel/", "/sales/dashboard/home-widget/"):
        r = client.get(url)
        assert r.status_code == 302 and "login" in r["Location"]


def test_home_widget(web, org, world):
    home = web("rep1").get("/").content.decode()
    assert "/sales/dashboard/home-widget/" in home
    r = web("rep1").get("/sales/dashboard/home-widget/")
    assert r.status_code == 200 and b'data-testid="my-sales-widget"' in r.content
    assert b'data-testid="home-open-leads">3<' in r.content


# --- query counts -----------------------------------------------------------------------------


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def _more_data(org, world, tag):
    st, accounts = world["stages"], world["accounts"]
    for i in range(12):
        owner = ("rep1", "rep2", "rep3")[i % 3]
        o = Opportunity.objects.create(
            name=f"more {tag}{i}",
            account=accounts[owner],
            owner=org[owner],
            pipeline=world["pipeline"],
            stage=st["s2"],
            stage_type="open",
            probability=50,
            amount=Decimal(i),
            amount_base=Decimal(i),
            expected_close=dt.date(2026, 3, 1),
            created_at=at(1, 2),
        )
        OpportunityStageChange.objects.create(opportunity=o, to_stage=st["s2"], at=at(2, 2))
        Activity.objects.create(
            kind=ActivityKind.NOTE, owner=org[owner], account=accounts[owner], occurred_at=at(3, 20)
        )
        Lead.objects.create(
            name=f"more {tag}{i}", owner=org[owner], source=LeadSource.CAMPAIGN, created_at=at(2, 9)
        )
    Target.objects.create(
        user=org["director"],
        period=f"2026-0{'abc'.index(tag) + 1}",
        kind="month",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 1, 31),
        amount=Decimal("10"),
    )


@pytest.mark.parametrize("username", ["director", "manager1", "rep1"])
def test_query_counts_do_not_grow_with_the_data(web, org, world, username):
    from guanxi.sales.dashboards.views import ALL_PANELS

    client = web(username)
    q = {**Q1, "pipeline": world["pipeline"].pk}
    _more_data(org, world, "a")
    before = {name: _queries(client, f"/sales/dashboard/panel/{name}/", q) for name in sorted(ALL_PANELS)}
    before["page"] = _queries(client, "/sales/dashboard/", q)
    _more_data(org, world, "b")
    _more_data(org, world, "c")
    after = {name: _queries(client, f"/sales/dashboard/panel/{name}/", q) for name in sorted(ALL_PANELS)}
    after["page"] = _queries(client, "/sales/dashboard/", q)
    assert before == after
    assert max(after.values()) <= 16, after


def test_page_query_count_is_pinned(web, world, django_assert_max_num_queries):
    client = web("director")
    with django_assert_max_num_queries(12):
        client.get("/sales/dashboard/", {**Q1, "pipeline": world["pipeline"].pk})
