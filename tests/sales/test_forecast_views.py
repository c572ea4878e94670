"""The forecast page and the targets grid: what each persona sees, inline saving, query counts."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from .forecast_helpers import at, opportunity


@pytest.fixture
def deals(org, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    from guanxi.sales.models import Target

    opportunity(org["rep1"], amount="1200.50", stage_type="won", closed_at=at("2026-11-03T09:00:00+08:00"))
    opportunity(org["rep2"], amount="800", probability=50, expected_close=dt.date(2026, 12, 1))
    opportunity(org["rep3"], amount="5000", stage_type="won", closed_at=at("2026-10-03T09:00:00+08:00"))
    Target.objects.create(
        user=org["rep1"],
        period="2026-Q4",
        kind="quarter",
        starts_on=dt.date(2026, 10, 1),
        ends_on=dt.date(2026, 12, 31),
        amount=Decimal("2401"),
    )
    return org


def chart_data(html: str) -> dict:
    start = html.index('<script id="gx-forecast-data" type="application/json">') + len(
        '<script id="gx-forecast-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_director_sees_the_company(deals, web):
    response = web("director").get("/sales/forecast/", {"period": "2026-Q4"})
    html = response.content.decode()
    assert response.status_code == 200
    # the card shows whole units (rounded), the exact amount in its title
    assert 'data-testid="kpi-won" title="6,200.50">6,201<' in html
    data = chart_data(html)
    # one top department with anything in it (销售部): the bars are per rep instead
    assert data["per_rep"] is True and data["labels"] == ["张伟", "李明", "王芳"]
    assert data["won"] == ["5000.00", "1200.50", "0.00"] and data["weighted"] == ["0.00", "0.00", "400.00"]
    assert data["target"] == [None, "2401.00", None]
    assert "<script>" not in html.split("</head>")[1].replace(
        '<script id="gx-forecast-data" type="application/json">', ""
    )
    assert 'style="' not in html and "onclick" not in html
    # the leaderboard drills down to the opportunity list
    assert (
        "/sales/opportunities/?owner=rep3&amp;stage_type=won&amp;closed_after=2026-10-01&amp;closed_before=2026-12-31"
        in html
    )


def test_manager_sees_the_team_and_reps_themselves(deals, web):
    html = web("manager1").get("/sales/forecast/", {"period": "2026-Q4"}).content.decode()
    assert 'data-testid="forecast-of">华东销售组<' in html
    assert "李明" in html and "王芳" in html and "张伟" not in html
    data = chart_data(html)
    assert set(data["labels"]) >= {"李明", "王芳"} and data["won"][data["labels"].index("李明")] == "1200.50"
    rep = web("rep1").get("/sales/forecast/", {"period": "2026-Q4"}).content.decode()
    assert 'data-testid="kpi-attainment">50.0 %<' in rep and "王芳" not in rep
    assert web("rep1").get("/sales/forecast/", {"period": "2026-Q4", "user": "rep3"}).status_code == 404


def test_bad_period_falls_back_with_a_message(deals, web):
    response = web("director").get("/sales/forecast/", {"period": "2026-Q5"})
    assert response.status_code == 200 and 'data-testid="forecast-error"' in response.content.decode()
    both = web("director").get("/sales/forecast/", {"period": "2026-Q4", "user": "rep1", "department": "1"})
    assert both.status_code == 200 and 'data-testid="forecast-error"' in both.content.decode()


@pytest.mark.parametrize("lang", ["en", "zh-hans", "zh-hant"])
def test_pages_render_in_every_language(deals, web, lang):
    from django.conf import settings

    client = web("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    assert client.get("/sales/forecast/", {"period": "2026"}).status_code == 200
    assert client.get("/sales/targets/", {"kind": "month"}).status_code == 200


def test_forecast_page_query_count(deals, web, django_assert_max_num_queries):
    client = web("manager1")
    client.get("/sales/forecast/")  # warm the session
    with django_assert_max_num_queries(30):
        assert client.get("/sales/forecast/", {"period": "2026-Q4"}).status_code == 200


def grid(html: str) -> str:
    start = html.index('data-testid="targets-grid"')
    return html[start : html.index("</table>", start)]


def test_targets_grid_rows_per_persona(deals, web):
    page = web("manager1").get("/sales/targets/", {"year": "2026"}).content.decode()
    html = grid(page)
    assert "李明" in html and "王芳" in html and "华东销售组" in html
    assert "张伟" not in html and "陈经理" not in html  # not rep3, not their own row
    assert 'value="2401.00"' in html  # rep1's Q4 target
    director = grid(web("director").get("/sales/targets/").content.decode())
    assert "张伟" in director and "陈经理" in director and "周总监" not in director
    rep = web("rep1").get("/sales/targets/").content.decode()
    assert 'data-testid="targets-grid"' not in rep  # nobody to set targets for: the empty state


def test_targets_grid_saves_inline(deals, web):
    from guanxi.sales.models import Target

    client = web("manager1")
    response = client.post(
        "/sales/targets/cell/",
        {"user": "rep2", "period": "2027-01", "amount": "3000.5"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and 'data-testid="target-saved"' in response.content.decode()
    assert Target.objects.get(user=deals["rep2"], period="2027-01").amount == Decimal("3000.50")
    bad = client.post("/sales/targets/cell/", {"user": "rep2", "period": "2027-01", "amount": "1.999"})
    assert "Use at most two decimals." in bad.content.decode()
    assert Target.objects.get(user=deals["rep2"], period="2027-01").amount == Decimal("3000.50")
    own = client.post("/sales/targets/cell/", {"user": "manager1", "period": "2027-01", "amount": "1"})
    assert 'data-testid="target-error"' in own.content.decode()
    assert not Target.objects.filter(user=deals["manager1"]).exists()
    assert (
        client.post("/sales/targets/cell/", {"user": "rep3", "period": "2027-01", "amount": "1"}).status_code
        == 404
    )
    assert (
        client.post("/sales/targets/cell/", {"user": "rep2", "period": "2027-Q5", "amount": "1"}).status_code
        == 400
    )
    cleared = client.post("/sales/targets/cell/", {"user": "rep2", "period": "2027-01", "amount": ""})
    assert (
        cleared.status_code == 200
        and not Target.objects.filter(user=deals["rep2"], period="2027-01").exists()
    )
    dept = client.post(
        "/sales/targets/cell/",
        {"department": str(deals["rep1"].department_id), "period": "2027-Q1", "amount": "90000"},
    )
    assert (
        dept.status_code == 200
        and Target.objects.filter(department=deals["rep1"].department, period="2027-Q1").exists()
    )


def test_targets_page_query_count(deals, web, django_assert_max_num_queries):
    client = web("admin")
    client.get("/sales/targets/")
    with django_assert_max_num_queries(15):
        assert client.get("/sales/targets/", {"kind": "month"}).status_code == 200
