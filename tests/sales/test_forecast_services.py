"""Periods, the forecast's arithmetic and roll-ups, scoping per persona, targets' rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from guanxi.core.errors import NotFound, PermissionDenied, ValidationFailed
from guanxi.sales.forecast import periods, selectors, services

from .forecast_helpers import at, opportunity

D = Decimal


# --- periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("2026-11", "month", dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
        ("2028-02", "month", dt.date(2028, 2, 1), dt.date(2028, 2, 29)),
        ("2026-12", "month", dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
        ("2026-Q4", "quarter", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        ("2026-q1", "quarter", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        (" 2026-Q2 ", "quarter", dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        ("2026", "year", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    ],
)
def test_periods_parse(text, kind, start, end):
    p = periods.parse(text)
    assert (p.kind, p.start, p.end) == (kind, start, end)
    assert periods.parse(p.code) == p


@pytest.mark.parametrize(
    "text",
    [
        "2026-Q5",
        "2026-Q0",
        "2026-13",
        "2026-00",
        "2026-1",
        "26-Q4",
        "2026-Q4x",
        "",
        "1999-01",
        "2101",
        "２０２６-Q4",
        "2026-Q4'; DROP TABLE x;--",
        "=cmd|' /C calc'!A0",
        None,
        2026,
        ["2026"],
        "9" * 5000,
    ],
)
def test_periods_reject(text):
    with pytest.raises(ValidationFailed) as exc:
        periods.parse(text)
    assert "period" in exc.value.fields


def test_periods_shift_and_months():
    q4 = periods.parse("2026-Q4")
    assert q4.next().code == "2027-Q1" and q4.previous().code == "2026-Q3"
    assert periods.parse("2026-01").previous().code == "2025-12"
    assert [m.code for m in q4.months()] == ["2026-10", "2026-11", "2026-12"]
    assert [q.code for q in periods.parse("2026").quarters()] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert periods.parse("2026").next().code == "2027"


def test_period_bounds_are_the_company_days(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    start, stop = periods.parse("2026-Q4").bounds()
    assert start == at("2026-09-30T16:00:00+00:00") and stop == at("2026-12-31T16:00:00+00:00")


# --- the forecast -----------------------------------------------------------------------------


@pytest.fixture
def sales(org, settings):
    """Deals in and around 2026-Q4 (company time zone Asia/Shanghai) and targets."""
    settings.TIME_ZONE = "Asia/Shanghai"
    from guanxi.org.models import Department
    from guanxi.sales.models import Target

    r1, r2, r3 = org["rep1"], org["rep2"], org["rep3"]
    opportunity(r1, amount="100000.10", stage_type="won", closed_at=at("2026-10-15T10:00:00+08:00"))
    opportunity(
        r1, amount="0.20", stage_type="won", closed_at=at("2026-09-30T16:00:00+00:00")
    )  # 1 Oct 00:00 local
    opportunity(
        r1, amount="999", stage_type="won", closed_at=at("2026-09-30T15:59:59+00:00")
    )  # still Q3 locally
    opportunity(r1, amount="50000.00", probability=50, expected_close=dt.date(2026, 11, 20))
    opportunity(r1, amount="333.33", probability=33, expected_close=dt.date(2026, 12, 31))
    opportunity(r1, amount="7777", stage_type="lost", closed_at=at("2026-11-02T10:00:00+08:00"))
    opportunity(r1, amount="8888", probability=90, expected_close=dt.date(2027, 1, 1))  # next quarter
    opportunity(r1, amount="5555", stage_type="won", closed_at=at("2026-11-02T10:00:00+08:00"), deleted=True)
    opportunity(r1, amount="4444", probability=40, expected_close=None)  # no date: in no forecast
    opportunity(r2, amount="200000", stage_type="won", closed_at=at("2026-11-01T00:00:00+08:00"))
    opportunity(r2, amount="10000", probability=10, expected_close=dt.date(2026, 10, 1))
    opportunity(r3, amount="300000", stage_type="won", closed_at=at("2026-12-31T23:59:59+08:00"))
    opportunity(r3, amount="1", stage_type="won", closed_at=at("2027-01-01T00:00:00+08:00"))
    depts = {d.name: d for d in Department.objects.all()}
    Target.objects.bulk_create(
        [
            Target(
                user=r1,
                period="2026-Q4",
                kind="quarter",
                starts_on=dt.date(2026, 10, 1),
                ends_on=dt.date(2026, 12, 31),
                amount=D("120000"),
            ),
            Target(
                user=r2,
                period="2026-10",
                kind="month",
                starts_on=dt.date(2026, 10, 1),
                ends_on=dt.date(2026, 10, 31),
                amount=D("50000"),
            ),
            Target(
                user=r2,
                period="2026-11",
                kind="month",
                starts_on=dt.date(2026, 11, 1),
                ends_on=dt.date(2026, 11, 30),
                amount=D("50000"),
            ),
            Target(
                user=r2,
                period="2026-12",
                kind="month",
                starts_on=dt.date(2026, 12, 1),
                ends_on=dt.date(2026, 12, 31),
                amount=D("100000.50"),
            ),
            Target(
                department=depts["华南销售组"],
                period="2026-Q4",
                kind="quarter",
                starts_on=dt.date(2026, 10, 1),
                ends_on=dt.date(2026, 12, 31),
                amount=D("250000"),
            ),
            Target(
                user=r3,
                period="2026-Q4",
                kind="quarter",
                starts_on=dt.date(2026, 10, 1),
                ends_on=dt.date(2026, 12, 31),
                amount=D("999"),
            ),  # South has its own target: this one does not roll up
        ]
    )
    return {"depts": depts, **org}


def figures(result) -> tuple:
    return tuple(result[k] for k in ("won", "weighted", "best_case", "target", "attainment"))


def test_forecast_of_a_rep_is_exact(sales):
    result = selectors.forecast(sales["admin"], period="2026-Q4", user="rep1")
    # won 100000.10 + 0.20; weighted 50000 × 50 % + 333.33 × 33 % = 25109.9989 → 25110.00
    assert figures(result) == (D("100000.30"), D("25110.00"), D("150333.63"), D("120000.00"), D("83.3"))
    assert result["won_count"] == 2 and result["open_count"] == 2
    assert result["gap"] == D("19999.70") and result["currency"] == "CNY" and result["period"] == "2026-Q4"
    assert all(isinstance(v, Decimal) for v in figures(result))


def test_quarter_target_sums_the_months(sales):
    result = selectors.forecast(sales["admin"], period="2026-Q4", user="rep2")
    assert figures(result) == (D("200000.00"), D("1000.00"), D("210000.00"), D("200000.50"), D("100.0"))
    month = selectors.forecast(sales["admin"], period="2026-11", user="rep2")
    assert figures(month) == (D("200000.00"), D("0.00"), D("200000.00"), D("50000.00"), D("400.0"))


def test_department_rolls_up_and_own_target_wins(sales):
    east = sales["depts"]["华东销售组"]
    south = sales["depts"]["华南销售组"]
    sales_dept = sales["depts"]["销售部"]
    result = selectors.forecast(sales["admin"], period="2026-Q4", department=east.pk)
    assert figures(result) == (D("300000.30"), D("26110.00"), D("360333.63"), D("320000.50"), D("93.7"))
    result = selectors.forecast(sales["admin"], period="2026-Q4", department=south.pk)
    assert figures(result)[:4] == (D("300000.00"), D("0.00"), D("300000.00"), D("250000.00"))
    result = selectors.forecast(sales["admin"], period="2026-Q4", department=sales_dept.pk)
    assert figures(result)[:4] == (D("600000.30"), D("26110.00"), D("660333.63"), D("570000.50"))
    company = selectors.forecast(sales["admin"], period="2026-Q4")
    assert company["entity"].kind == "company"
    assert figures(company)[:4] == (D("600000.30"), D("26110.00"), D("660333.63"), D("570000.50"))


def test_year_and_no_target(sales):
    year = selectors.forecast(sales["admin"], period="2026", user="rep1")
    assert year["won"] == D("100999.30") and year["target"] == D(
        "120000.00"
    )  # the Q3 deal counts in the year
    nothing = selectors.forecast(sales["admin"], period="2025-Q1", user="rep1")
    assert figures(nothing) == (D("0.00"), D("0.00"), D("0.00"), D("0.00"), None)
    assert nothing["has_target"] is False and nothing["gap"] is None


def test_scoping_per_persona(sales):
    # rep1 sees only their own: default is themselves, rep3 is a 404
    mine = selectors.forecast(sales["rep1"], period="2026-Q4")
    assert mine["entity"].user == sales["rep1"] and mine["won"] == D("100000.30")
    with pytest.raises(NotFound):
        selectors.forecast(sales["rep1"], period="2026-Q4", user="rep3")
    with pytest.raises(NotFound):
        selectors.forecast(sales["rep1"], period="2026-Q4", department=sales["depts"]["华东销售组"].pk)
    # manager1: the East team by default; South and rep3 are invisible
    team = selectors.forecast(sales["manager1"], period="2026-Q4")
    assert team["entity"].department.name == "华东销售组" and team["won"] == D("300000.30")
    assert selectors.forecast(sales["manager1"], period="2026-Q4", user="rep2")["won"] == D("200000.00")
    for kwargs in (
        {"user": "rep3"},
        {"department": sales["depts"]["华南销售组"].pk},
        {"department": sales["depts"]["销售部"].pk},
        {"user": "nobody"},
        {"department": 10**9},
        {"department": "1 OR 1=1"},
    ):
        with pytest.raises(NotFound):
            selectors.forecast(sales["manager1"], period="2026-Q4", **kwargs)
    # director: the whole company
    company = selectors.forecast(sales["director"], period="2026-Q4")
    assert company["entity"].kind == "company" and company["won"] == D("600000.30")


def test_forecast_bad_input(sales):
    with pytest.raises(ValidationFailed) as exc:
        selectors.forecast(sales["admin"], period="2026-Q5")
    assert "period" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        selectors.forecast(
            sales["admin"], period="2026-Q4", user="rep1", department=sales["depts"]["销售部"].pk
        )
    assert set(exc.value.fields) == {"user", "department"}


def test_breakdown_one_level_down_and_per_month(sales):
    result = selectors.forecast_breakdown(
        sales["admin"], period="2026-Q4", department=sales["depts"]["销售部"].pk
    )
    rows = {r.label: r.figures.as_dict(r.target) for r in result["rows"]}
    assert set(rows) == {"华东销售组", "华南销售组", "周总监"}
    assert rows["华东销售组"]["won"] == D("300000.30") and rows["华东销售组"]["target"] == D("320000.50")
    assert rows["华南销售组"]["target"] == D("250000.00")
    assert rows["周总监"]["won"] == D("0.00") and rows["周总监"]["has_target"] is False
    assert result["total"]["won"] == D("600000.30")
    months = {m["period"]: (m["won"], m["weighted"], m["target"]) for m in result["months"]}
    assert months == {
        "2026-10": (D("100000.30"), D("1000.00"), D("50000.00")),
        "2026-11": (D("200000.00"), D("25000.00"), D("50000.00")),
        "2026-12": (D("300000.00"), D("110.00"), D("100000.50")),
    }  # South has no month targets
    # the months add up to the quarter (weighted rounds once per month, so allow the cents)
    assert sum(m["won"] for m in result["months"]) == result["total"]["won"]


def test_breakdown_of_a_rep_is_one_row(sales):
    result = selectors.forecast_breakdown(sales["rep1"], period="2026-Q4")
    assert [r.label for r in result["rows"]] == ["李明"]
    assert [m["period"] for m in result["months"]] == ["2026-10", "2026-11", "2026-12"]


def test_leaderboard_ranks_by_won(sales):
    board = selectors.leaderboard(sales["director"], period="2026-Q4")
    ranked = [
        (r["rank"], r["username"], r["won"], r["won_count"], r["target"], r["attainment"])
        for r in board["items"]
    ]
    assert ranked == [
        (1, "rep3", D("300000.00"), 1, D("999.00"), D("30030.0")),
        (2, "rep2", D("200000.00"), 1, D("200000.50"), D("100.0")),
        (3, "rep1", D("100000.30"), 2, D("120000.00"), D("83.3")),
    ]
    team = selectors.leaderboard(sales["manager1"], period="2026-Q4")
    assert [r["username"] for r in team["items"]] == ["rep2", "rep1", "manager1"]
    assert [r["username"] for r in selectors.leaderboard(sales["rep1"], period="2026-Q4")["items"]] == [
        "rep1"
    ]


def test_query_counts(sales, django_assert_max_num_queries):
    admin = sales["admin"]
    # the access layer's shares (1), the aggregate (1), departments, users and targets (3)
    with django_assert_max_num_queries(5):
        selectors.forecast(admin, period="2026-Q4")
    manager = sales["manager1"]
    # + grants, the actor's department, the East subtree and its members (the access layer)
    with django_assert_max_num_queries(9):
        selectors.forecast(manager, period="2026-Q4")
    with django_assert_max_num_queries(8):
        selectors.forecast_breakdown(admin, period="2026-Q4", department=sales["depts"]["销售部"].pk)
    with django_assert_max_num_queries(6):
        selectors.leaderboard(admin, period="2026")


def test_one_aggregate_query_over_many_deals(sales, django_assert_num_queries):
    """More deals, same number of queries (no per-deal Python)."""
    for i in range(30):
        opportunity(
            sales["rep2"],
            amount=f"{i}.01",
            stage_type="won",
            closed_at=at("2026-10-20T10:00:00+08:00"),
            account=None,
        )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = selectors.forecast(sales["admin"], period="2026-Q4", user="rep2")
    assert len(queries) <= 4  # the user, the access layer's shares, the aggregate, the targets
    assert result["won"] == D("200000") + sum(D(f"{i}.01") for i in range(30))


# --- targets ----------------------------------------------------------------------------------


def test_target_set_creates_then_updates_and_audits(sales):
    from guanxi.audit.models import AuditEvent

    director = sales["director"]
    target, created = services.target_set(actor=director, user="rep3", period="2027-Q1", amount="80000.50")
    assert created and target.amount == D("80000.50") and target.kind == "quarter"
    assert (target.starts_on, target.ends_on) == (dt.date(2027, 1, 1), dt.date(2027, 3, 31))
    again, created = services.target_set(actor=director, user="rep3", period="2027-Q1", amount=90000)
    assert (
        not created
        and again.pk == target.pk
        and again.amount == D("90000.00")
        and again.version == target.version + 1
    )
    verbs = list(
        AuditEvent.objects.filter(object_type="target", object_id=target.pk)
        .order_by("id")
        .values_list("verb", "changes")
    )
    assert verbs == [
        ("create", {"period": [None, "2027-Q1"], "amount": [None, "80000.50"]}),
        ("update", {"amount": ["80000.50", "90000.00"]}),
    ]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1.005", "Use at most two decimals."),
        (1.005, "Use at most two decimals."),
        ("-1", "The amount cannot be negative."),
        ("-0.01", "The amount cannot be negative."),
        ("-0", "The amount cannot be negative."),
        ("abc", "Enter an amount such as 12500.00."),
        ("=cmd|' /C calc'!A0", "Enter an amount such as 12500.00."),
        ("NaN", "Enter an amount such as 12500.00."),
        ("Infinity", "Enter an amount such as 12500.00."),
        ("1e400", "Enter an amount such as 12500.00."),
        ("1e-400", "Enter an amount such as 12500.00."),
        ("1e5", "Enter an amount such as 12500.00."),
        ("100000000000000", "Enter an amount up to 99999999999999.99."),
        (True, "Enter an amount such as 12500.00."),
        ("", "Enter an amount such as 12500.00."),
        (None, "Enter an amount such as 12500.00."),
    ],
)
def test_target_amount_errors(sales, amount, message):
    from guanxi.sales.models import Target

    before = Target.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.target_set(actor=sales["admin"], user="rep1", period="2027-01", amount=amount)
    assert exc.value.fields == {"amount": [message]} or exc.value.fields["amount"][0].startswith(message[:20])
    assert Target.objects.count() == before


def test_target_other_bad_input(sales):
    east = sales["depts"]["华东销售组"].pk
    with pytest.raises(ValidationFailed) as exc:
        services.target_set(actor=sales["admin"], user="rep1", department=east, period="2027-01", amount="1")
    assert set(exc.value.fields) == {"user", "department"}
    with pytest.raises(ValidationFailed) as exc:
        services.target_set(actor=sales["admin"], period="2027-01", amount="1")
    assert set(exc.value.fields) == {"user", "department"}
    for period in ("2026-Q5", "2027", "<b>2027-01</b>"):
        with pytest.raises(ValidationFailed) as exc:
            services.target_set(actor=sales["admin"], user="rep1", period=period, amount="1")
        assert set(exc.value.fields) == {"period"}


def test_who_may_set_targets(sales):
    east, south, top = (sales["depts"][n] for n in ("华东销售组", "华南销售组", "销售部"))
    ok = [
        ("admin", {"user": "rep1"}),
        ("admin", {"user": "director"}),
        ("admin", {"department": top.pk}),
        ("director", {"user": "rep3"}),
        ("director", {"user": "manager1"}),
        ("director", {"department": south.pk}),
        ("director", {"department": top.pk}),
        ("manager1", {"user": "rep1"}),
        ("manager1", {"department": east.pk}),
    ]
    for who, kwargs in ok:
        services.target_set(actor=sales[who], period="2027-02", amount="1", **kwargs)
    forbidden = [
        ("director", {"user": "director"}),
        ("manager1", {"user": "manager1"}),
        ("rep1", {"user": "rep1"}),
        ("agent1", {"user": "rep1"}),
        ("marketer1", {"department": east.pk}),
        ("agent1", {"department": top.pk}),
    ]
    for who, kwargs in forbidden:
        with pytest.raises(PermissionDenied):
            services.target_set(actor=sales[who], period="2027-02", amount="1", **kwargs)
    invisible = [
        ("manager1", {"user": "rep3"}),
        ("manager1", {"department": south.pk}),
        ("manager1", {"department": top.pk}),
        ("rep1", {"user": "rep2"}),
        ("rep1", {"department": east.pk}),
        ("rep1", {"user": "ghost"}),
    ]
    for who, kwargs in invisible:
        with pytest.raises(NotFound):
            services.target_set(actor=sales[who], period="2027-02", amount="1", **kwargs)


def test_target_update_and_delete_check_versions(sales):
    from guanxi.core.errors import VersionConflict
    from guanxi.sales.models import Target

    target, _ = services.target_set(actor=sales["manager1"], user="rep2", period="2027-03", amount="10")
    with pytest.raises(VersionConflict):
        services.target_update(
            actor=sales["manager1"], target=target, amount="11", version=target.version + 5
        )
    services.target_update(actor=sales["manager1"], target=target, amount="11", version=target.version)
    target.refresh_from_db()
    assert target.amount == D("11.00")
    with pytest.raises(PermissionDenied):
        services.target_delete(actor=sales["rep2"], target=target, version=target.version)
    with pytest.raises(VersionConflict):
        services.target_delete(actor=sales["manager1"], target=target, version=1)
    services.target_delete(actor=sales["manager1"], target=target, version=target.version)
    assert not Target.objects.filter(pk=target.pk).exists()
