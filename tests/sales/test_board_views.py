"""The opportunity UI: the kanban board (columns, figures, filters, scope, fixed query count),
moving cards (drag and drop / "Move to…" endpoint), quick edit, the list, the detail page, the
form and the account's 360° panel."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.sales.models import Opportunity, OpportunityStageChange, Pipeline, Stage
from guanxi.sales.pipelines import services
from tests.factories import AccountFactory, ContactFactory
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db


def _pipeline():
    return Pipeline.objects.get(is_default=True)


def _stages(pipeline=None):
    stages = list(Stage.objects.filter(pipeline=pipeline or _pipeline(), active=True).order_by("order", "id"))
    open_ = [s for s in stages if s.type == "open"]
    won = next(s for s in stages if s.type == "won")
    lost = next(s for s in stages if s.type == "lost")
    return open_, won, lost


def _opp(owner, account, stage=None, amount="1000", **extra):
    data = {"name": extra.pop("name", f"Deal {amount}"), "account": account.pk, "amount": amount, **extra}
    if stage is not None:
        data["stage"] = stage.pk
        if stage.type == "lost":
            data.setdefault("loss_reason", "price")
    return services.opportunity_create(actor=owner, data=data)


@pytest.fixture
def world(org):
    """rep1: two deals in the first open stage, one in the second; rep2 (same team): one; rep3
    (another department): one. Amounts chosen so sums tell which deals were counted."""
    open_, won, lost = _stages()
    a1 = AccountFactory(owner=org["rep1"], name="华东一号客户")
    a2 = AccountFactory(owner=org["rep2"], name="华东二号客户")
    a3 = AccountFactory(owner=org["rep3"], name="华南客户")
    deals = {
        "r1a": _opp(org["rep1"], a1, open_[0], "100.00", name="Alpha pumps"),
        "r1b": _opp(org["rep1"], a1, open_[0], "200.50", name="Beta valves", expected_close="2020-01-15"),
        "r1c": _opp(org["rep1"], a1, open_[1], "400", name="Gamma motors"),
        "r2": _opp(org["rep2"], a2, open_[0], "1000", name="Delta line"),
        "r3": _opp(org["rep3"], a3, open_[0], "10000", name="Epsilon plant"),
    }
    return {"open": open_, "won": won, "lost": lost, "accounts": (a1, a2, a3), "deals": deals}


def _column(html: str, stage) -> str:
    m = re.search(rf'<section class="gx-col[^"]*" id="col-{stage.pk}".*?</section>', html, re.S)
    assert m, f"no column for stage {stage.pk}"
    return m.group(0)


def _count(col_html: str) -> int:
    return int(re.search(r'data-testid="column-count"[^>]*>(\d+)<', col_html).group(1))


def _total(col_html: str) -> Decimal:
    return Decimal(re.search(r'data-total="([0-9.]+)"', col_html).group(1))


def _names(col_html: str) -> set[str]:
    return set(re.findall(r'data-testid="card-name">([^<]+)<', col_html))


# --- the board --------------------------------------------------------------------------------


def test_board_columns_in_stage_order_with_counts_and_totals(web, world):
    html = web("rep1").get("/sales/pipelines/board/").content.decode()
    open_, won, lost = world["open"], world["won"], world["lost"]
    positions = [html.index(f'id="col-{s.pk}"') for s in [*open_, won, lost]]
    assert positions == sorted(positions), "open stages by order, then won, then lost"
    first = _column(html, open_[0])
    assert _names(first) == {"Alpha pumps", "Beta valves"}  # rep1's own, not rep2's or rep3's
    assert _count(first) == 2
    assert _total(first) == Decimal("300.50")
    weighted = Decimal(re.search(r'data-weighted="([0-9.]+)"', first).group(1))
    assert weighted == (Decimal("300.50") * open_[0].probability / 100).quantize(Decimal("0.01"))
    assert _names(_column(html, open_[1])) == {"Gamma motors"}


def test_manager_sees_the_team_and_not_the_other_department(web, world):
    html = web("manager1").get("/sales/pipelines/board/").content.decode()
    first = _column(html, world["open"][0])
    assert _names(first) == {"Alpha pumps", "Beta valves", "Delta line"}
    assert _total(first) == Decimal("1300.50")
    director = web("director").get("/sales/pipelines/board/").content.decode()
    assert "Epsilon plant" in _column(director, world["open"][0])


def test_board_filters_owner_amount_period_search(web, world, org):
    c = web("manager1")
    mine = c.get("/sales/pipelines/board/", {"owner": "rep2"}).content.decode()
    assert _names(_column(mine, world["open"][0])) == {"Delta line"}
    big = c.get("/sales/pipelines/board/", {"amount_min": "150", "amount_max": "999"}).content.decode()
    assert _names(_column(big, world["open"][0])) == {"Beta valves"}
    assert _names(_column(big, world["open"][1])) == {"Gamma motors"}
    overdue = c.get("/sales/pipelines/board/", {"period": "overdue"}).content.decode()
    assert _names(_column(overdue, world["open"][0])) == {"Beta valves"}
    found = c.get("/sales/pipelines/board/", {"q": "Gamma"}).content.decode()
    assert _names(_column(found, world["open"][1])) == {"Gamma motors"}
    assert _count(_column(found, world["open"][0])) == 0
    me = web("rep1").get("/sales/pipelines/board/", {"owner": "me"}).content.decode()
    assert _count(_column(me, world["open"][0])) == 2
    team = c.get("/sales/pipelines/board/", {"owner": "team"}).content.decode()
    assert _names(_column(team, world["open"][0])) == {"Alpha pumps", "Beta valves", "Delta line"}


@pytest.mark.parametrize(
    "params",
    [
        {"amount_min": "-5"},
        {"amount_max": "1e999"},
        {"amount_min": "=cmd|' /C calc'!A0"},
        {"period": "'; DROP TABLE x"},
        {"close_after": "2026-13-45"},
        {"q": "<script>alert(1)</script>"},
        {"owner": "nobody\x00"},
    ],
)
def test_bad_filters_are_a_message_not_a_500(web, world, params):
    r = web("rep1").get("/sales/pipelines/board/", params)
    assert r.status_code == 200
    assert b"<script>alert(1)</script>" not in r.content


def test_overdue_card_is_highlighted(web, world):
    html = web("rep1").get("/sales/pipelines/board/").content.decode()
    card = re.search(rf'<article class="[^"]*" id="opp-card-{world["deals"]["r1b"].pk}"', html).group(0)
    assert "is-overdue" in card
    card = re.search(rf'<article class="[^"]*" id="opp-card-{world["deals"]["r1a"].pk}"', html).group(0)
    assert "is-overdue" not in card


def test_closed_columns_show_recent_unless_all(web, world, org):
    lost = world["lost"]
    old = _opp(org["rep1"], world["accounts"][0], lost, "50", name="Old loss")
    Opportunity.objects.filter(pk=old.pk).update(closed_at=timezone.now() - dt.timedelta(days=90))
    _opp(org["rep1"], world["accounts"][0], lost, "60", name="Fresh loss")
    html = web("rep1").get("/sales/pipelines/board/").content.decode()
    assert _names(_column(html, lost)) == {"Fresh loss"}
    html = web("rep1").get("/sales/pipelines/board/", {"closed": "all"}).content.decode()
    assert _names(_column(html, lost)) == {"Old loss", "Fresh loss"}


def test_board_query_count_does_not_grow_with_the_data(web, world, org, django_assert_max_num_queries):
    c = web("manager1")
    c.get("/sales/pipelines/board/")  # warm the session
    with django_assert_max_num_queries(14) as small:
        assert c.get("/sales/pipelines/board/").status_code == 200
    a = world["accounts"][0]
    for i in range(60):  # more than a column shows: the column gets "load more"
        _opp(org["rep1"], a, world["open"][0], str(10 + i), name=f"Bulk {i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        r = c.get("/sales/pipelines/board/")
    first = _column(r.content.decode(), world["open"][0])
    assert first.count('data-testid="board-card"') == 50
    assert 'data-testid="column-more"' in first
    assert _count(first) == 63


def test_load_more_continues_the_column(web, world, org):
    a = world["accounts"][0]
    for i in range(55):
        _opp(org["rep1"], a, world["open"][0], "1", name=f"Bulk {i}")
    c = web("rep1")
    html = _column(c.get("/sales/pipelines/board/").content.decode(), world["open"][0])
    more = (
        re.search(r'hx-get="([^"]+)"', html[html.index('data-testid="column-more"') - 400 :])
        .group(1)
        .replace("&amp;", "&")
    )
    page = c.get(more, HTTP_HX_REQUEST="true").content.decode()
    first_names = _names(html)
    rest = set(re.findall(r'data-testid="card-name">([^<]+)<', page))
    assert len(first_names) == 50 and len(rest) == 7 and not first_names & rest
    assert 'data-testid="column-more"' not in page
    bad = c.get(
        f"/sales/pipelines/{_pipeline().pk}/board/column/{world['open'][0].pk}/", {"cursor": "garbage"}
    )
    assert bad.status_code == 400


def test_another_pipelines_board_and_absent_pipeline(web, world):
    assert web("rep1").get("/sales/pipelines/999999/board/").status_code == 404
    assert web("rep1").get(f"/sales/pipelines/{_pipeline().pk}/board/").status_code == 200


def test_board_needs_login(client, world):
    r = client.get("/sales/pipelines/board/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


# --- moving -----------------------------------------------------------------------------------


def _move(client, opp, stage, reason="", version=None, query=""):
    return client.post(
        f"/sales/opportunities/{opp.pk}/move/{query}",
        {
            "stage": stage.pk if hasattr(stage, "pk") else stage,
            "reason": reason,
            "version": opp.version if version is None else version,
        },
        HTTP_ACCEPT="application/json",
    )


def test_move_returns_the_card_and_every_columns_figures(web, world):
    opp = world["deals"]["r1a"]
    target = world["open"][1]
    r = _move(web("rep1"), opp, target)
    assert r.status_code == 200, r.content
    body = r.json()
    assert f'id="opp-card-{opp.pk}"' in body["card"] and f'data-stage-id="{target.pk}"' in body["card"]
    assert body["version"] == opp.version + 1
    assert f'data-total="{Decimal("500.00")}"' in body["figures"][str(target.pk)]  # 400 + 100
    assert 'data-count="1"' in body["figures"][str(world["open"][0].pk)]
    opp.refresh_from_db()
    assert opp.stage_id == target.pk
    assert OpportunityStageChange.objects.filter(opportunity=opp, to_stage=target).exists()


def test_move_keeps_the_boards_filters_in_the_figures(web, world):
    c = web("manager1")
    r = _move(c, world["deals"]["r2"], world["open"][1], query="?owner=rep2")
    assert 'data-count="1"' in r.json()["figures"][str(world["open"][1].pk)]  # only rep2's deal counts


def test_move_to_lost_without_reason_changes_nothing(web, world):
    opp = world["deals"]["r1a"]
    before = (
        snapshot(),
        list(Opportunity.objects.order_by("id").values_list("id", "version", "stage_id", "loss_reason")),
    )
    r = _move(web("rep1"), opp, world["lost"])
    assert r.status_code == 400
    assert "reason" in r.json()["error"]["message"].lower() or "loss_reason" in r.json()["error"]["fields"]
    assert (
        snapshot(),
        list(Opportunity.objects.order_by("id").values_list("id", "version", "stage_id", "loss_reason")),
    ) == before
    r = _move(web("rep1"), opp, world["lost"], reason="预算被砍 <b>x</b>")
    assert r.status_code == 200
    opp.refresh_from_db()
    assert opp.stage_type == "lost" and opp.loss_reason == "预算被砍 <b>x</b>"
    assert "<b>x</b>" not in r.json()["card"]


def test_move_stale_version_is_412_and_nothing_changes(web, world):
    opp = world["deals"]["r1a"]
    r = _move(web("rep1"), opp, world["open"][1], version=opp.version - 1 if opp.version > 1 else 999)
    assert r.status_code == 412
    assert r.json()["error"]["message"]
    opp.refresh_from_db()
    assert opp.stage_id == world["open"][0].pk


def test_move_to_another_pipelines_stage_or_garbage_is_400(web, world):
    other = Pipeline.objects.create(name_en="Projects", order=5)
    foreign = Stage.objects.create(pipeline=other, name_en="Scoping", type="open", probability=10, order=1)
    opp = world["deals"]["r1a"]
    for stage in (foreign.pk, "abc", "1 OR 1=1", "", "9" * 30):
        r = _move(web("rep1"), opp, stage)
        assert r.status_code == 400, (stage, r.status_code)
    opp.refresh_from_db()
    assert opp.stage_id == world["open"][0].pk


def test_move_someone_elses_deal_is_404_or_403(web, world):
    r = _move(web("rep1"), world["deals"]["r3"], world["open"][1])
    assert r.status_code == 404
    r = _move(web("marketer1"), world["deals"]["r3"], world["open"][1])  # may read all, update only own
    assert r.status_code in (403, 404)
    world["deals"]["r3"].refresh_from_db()
    assert world["deals"]["r3"].stage_id == world["open"][0].pk


def test_move_from_the_detail_page_redirects(web, world):
    opp = world["deals"]["r1a"]
    r = web("rep1").post(
        f"/sales/opportunities/{opp.pk}/move/",
        {"stage": world["won"].pk, "reason": "", "version": opp.version},
    )
    assert r.status_code == 302 and r["Location"].endswith(f"/sales/opportunities/{opp.pk}/")
    opp.refresh_from_db()
    assert opp.stage_type == "won" and opp.probability == 100


# --- quick edit -------------------------------------------------------------------------------


def test_quick_edit_saves_with_the_version_and_refreshes_the_board(web, world):
    opp = world["deals"]["r1a"]
    c = web("rep1")
    form = c.get(f"/sales/opportunities/{opp.pk}/quick-edit/", HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and b'name="version"' in form.content
    r = c.post(
        f"/sales/opportunities/{opp.pk}/quick-edit/",
        {
            "amount": "12345.60",
            "expected_close": "2030-06-30",
            "probability": "",
            "next_step": "寄样品",
            "stage": str(world["open"][1].pk),
            "version": opp.version,
        },
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200
    assert r["HX-Trigger"] == "gx-quick-saved"
    html = r.content.decode()
    assert f'data-gx-oob-card="{opp.pk}"' in html and "data-gx-oob-stats" in html
    opp.refresh_from_db()
    assert opp.amount == Decimal("12345.60") and opp.next_step == "寄样品"
    assert opp.expected_close == dt.date(2030, 6, 30) and opp.stage_id == world["open"][1].pk


@pytest.mark.parametrize("amount", ["-1", "1.234", "abc", "1e9999"])
def test_quick_edit_bad_amount_shows_the_error_beside_the_field(web, world, amount):
    opp = world["deals"]["r1a"]
    r = web("rep1").post(
        f"/sales/opportunities/{opp.pk}/quick-edit/",
        {
            "amount": amount,
            "expected_close": "",
            "probability": "",
            "next_step": "",
            "stage": str(opp.stage_id),
            "version": opp.version,
        },
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200 and "HX-Trigger" not in r
    assert (
        re.search(r'id="qe-amount"[^>]*>\s*<div class="invalid-feedback">', r.content.decode())
        or b'is-invalid" id="qe-amount"' in r.content
    )
    opp.refresh_from_db()
    assert opp.amount == Decimal("100.00") and opp.version == world["deals"]["r1a"].version


def test_quick_edit_stale_version_says_so(web, world):
    opp = world["deals"]["r1a"]
    r = web("rep1").post(
        f"/sales/opportunities/{opp.pk}/quick-edit/",
        {"amount": "5", "stage": str(opp.stage_id), "version": opp.version + 7},
        HTTP_HX_REQUEST="true",
    )
    assert b"changed this opportunity meanwhile" in r.content
    opp.refresh_from_db()
    assert opp.amount == Decimal("100.00")


def test_quick_edit_of_an_invisible_deal_is_404(web, world):
    assert web("rep1").get(f"/sales/opportunities/{world['deals']['r3'].pk}/quick-edit/").status_code == 404


# --- list -------------------------------------------------------------------------------------


def test_list_filters_and_totals(web, world, django_assert_max_num_queries):
    c = web("manager1")
    c.get("/sales/opportunities/")
    with django_assert_max_num_queries(16):
        r = c.get("/sales/opportunities/")
    html = r.content.decode()
    assert html.count('data-testid="opportunity-row"') == 4 and "Epsilon plant" not in html
    assert "1,700.50" in re.search(r'data-testid="list-totals".*?</div>', html, re.S).group(0)
    r = c.get("/sales/opportunities/", {"owner": "rep2"}).content.decode()
    assert r.count('data-testid="opportunity-row"') == 1 and "Delta line" in r
    r = c.get("/sales/opportunities/", {"stage": world["open"][1].pk}).content.decode()
    assert r.count('data-testid="opportunity-row"') == 1 and "Gamma motors" in r
    r = c.get(
        "/sales/opportunities/", {"amount_min": "150", "amount_max": "450", "ordering": "-amount"}
    ).content.decode()
    assert r.index("Gamma motors") < r.index("Beta valves") and "Alpha pumps" not in r
    r = c.get("/sales/opportunities/", {"expected_close_before": "2021-01-01"}).content.decode()
    assert r.count('data-testid="opportunity-row"') == 1
    r = c.get("/sales/opportunities/", {"stage_type": "won"}).content.decode()
    assert 'data-testid="opportunity-row"' not in r
    r = c.get("/sales/opportunities/", {"amount_min": "-3"})
    assert r.status_code == 200 and b'data-testid="list-error"' in r.content


def test_list_pages_with_a_cursor(web, world, org):
    for i in range(30):
        _opp(org["rep1"], world["accounts"][0], world["open"][0], "1", name=f"Bulk {i}")
    c = web("rep1")
    html = c.get("/sales/opportunities/").content.decode()
    assert html.count('data-testid="opportunity-row"') == 25
    url = re.search(r'data-testid="list-more"\s+hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    more = c.get("/sales/opportunities/" + url, HTTP_HX_REQUEST="true").content.decode()
    assert more.count('data-testid="opportunity-row"') == 8


# --- detail, form, delete, transfer -----------------------------------------------------------


def test_detail_shows_stage_bar_history_and_contacts(web, world, org):
    opp = world["deals"]["r1a"]
    contact = ContactFactory(owner=org["rep1"], name="王经理", account=world["accounts"][0].pk)
    c = web("rep1")
    services.opportunity_move(actor=org["rep1"], opportunity=opp, stage=world["open"][1], version=opp.version)
    r = c.post(f"/sales/opportunities/{opp.pk}/contacts/", {"contact": contact.pk, "role": "decision_maker"})
    assert r.status_code == 302
    html = c.get(f"/sales/opportunities/{opp.pk}/").content.decode()
    assert 'data-testid="stage-bar"' in html and "is-current" in html
    assert html.count('<tr><td class="gx-cell-main"><time') == 2  # created + moved
    assert "王经理" in re.search(r'data-testid="opp-contacts".*?</ul>', html, re.S).group(0)
    r = c.post(f"/sales/opportunities/{opp.pk}/contacts/", {"remove": contact.pk})
    assert r.status_code == 302
    assert 'data-testid="opp-contacts"' not in c.get(f"/sales/opportunities/{opp.pk}/").content.decode()
    assert web("rep3").get(f"/sales/opportunities/{opp.pk}/").status_code == 404


def test_create_from_the_account_page_and_errors_beside_fields(web, world, org):
    from guanxi.sales.models import ExchangeRate

    ExchangeRate.objects.update_or_create(currency="USD", defaults={"rate": Decimal("7.1")})
    c = web("rep1")
    account = world["accounts"][0]
    page = c.get(f"/sales/opportunities/new/?account={account.pk}").content.decode()
    assert f'name="account" value="{account.pk}"' in page and account.name in page
    r = c.post(
        "/sales/opportunities/new/",
        {
            "name": "",
            "account": "",
            "amount": "-5",
            "currency": "CNY",
            "pipeline": str(_pipeline().pk),
            "stage": "",
            "expected_close": "",
            "probability": "",
            "next_step": "",
            "competitors": "",
            "description": "",
        },
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert (
        html.count("invalid-feedback") >= 2 and "cannot be negative" in html
    )  # name, amount (account: once those pass)
    r = c.post(
        "/sales/opportunities/new/",
        {
            "name": "新商机 =cmd|' /C calc'!A0",
            "account": str(account.pk),
            "amount": "88.5",
            "currency": "USD",
            "pipeline": str(_pipeline().pk),
            "stage": str(world["open"][1].pk),
            "expected_close": "2030-01-31",
            "probability": "35",
            "next_step": "报价",
            "competitors": "甲公司，乙公司, 丙",
            "description": "",
        },
    )
    assert r.status_code == 302
    opp = Opportunity.objects.get(name__startswith="新商机")
    assert opp.competitors == ["甲公司", "乙公司", "丙"] and opp.probability == 35 and opp.probability_manual
    assert opp.owner == org["rep1"] and opp.currency == "USD" and opp.amount_base == Decimal("628.35")


def test_create_with_an_invisible_account_fails_on_the_field(web, world):
    r = web("rep1").post(
        "/sales/opportunities/new/",
        {
            "name": "x",
            "account": str(world["accounts"][2].pk),
            "amount": "1",
            "currency": "CNY",
            "pipeline": str(_pipeline().pk),
        },
    )
    assert r.status_code == 200 and not Opportunity.objects.filter(name="x").exists()


def test_edit_needs_the_current_version(web, world):
    opp = world["deals"]["r1a"]
    data = {
        "name": "Renamed",
        "account": str(opp.account_id),
        "amount": "100",
        "currency": "CNY",
        "pipeline": str(opp.pipeline_id),
        "stage": str(opp.stage_id),
        "version": opp.version + 3,
    }
    r = web("rep1").post(f"/sales/opportunities/{opp.pk}/edit/", data)
    assert r.status_code == 200 and b"changed this opportunity meanwhile" in r.content
    data["version"] = opp.version
    assert web("rep1").post(f"/sales/opportunities/{opp.pk}/edit/", data).status_code == 302
    opp.refresh_from_db()
    assert opp.name == "Renamed"


def test_delete_restore_and_transfer(web, world, org):
    opp = world["deals"]["r1a"]
    c = web("rep1")
    assert c.post(f"/sales/opportunities/{opp.pk}/delete/", {"version": opp.version}).status_code == 302
    assert c.get(f"/sales/opportunities/{opp.pk}/").status_code == 404
    assert c.post(f"/sales/opportunities/{opp.pk}/restore/").status_code == 302
    assert c.get(f"/sales/opportunities/{opp.pk}/").status_code == 200
    r = web("manager1").post(f"/sales/opportunities/{opp.pk}/transfer/", {"owner": "rep2"})
    assert r.status_code == 302
    opp.refresh_from_db()
    assert opp.owner == org["rep2"]


def test_account_search_lists_only_visible_accounts(web, world):
    r = web("rep1").get("/sales/opportunities/account-search/", {"q": "客户"}).content.decode()
    assert "华东一号客户" in r and "华东二号客户" not in r and "华南客户" not in r
    assert web("rep1").get("/sales/opportunities/account-search/", {"q": "' OR 1=1 --"}).status_code == 200


# --- the account's 360° panel -----------------------------------------------------------------


def test_account_panel_lists_open_first_with_a_fixed_query_count(
    web, world, org, django_assert_max_num_queries
):
    from guanxi.sales.pipelines.panels import account_opportunities

    account = world["accounts"][0]
    _opp(org["rep1"], account, world["won"], "70", name="Won earlier")

    class Req:
        user = org["rep1"]
        GET: dict = {}

    with django_assert_max_num_queries(3):
        ctx = account_opportunities(Req(), account)["opportunities_panel"]
    names = [o.name for o in ctx["items"]]
    assert names[-1] == "Won earlier" and len(names) == 4
    assert ctx["open_total"] == Decimal("700.50") and ctx["open_count"] == 3
    for i in range(12):
        _opp(org["rep1"], account, world["open"][0], "1", name=f"Bulk {i}")
    with django_assert_max_num_queries(3):
        ctx = account_opportunities(Req(), account)["opportunities_panel"]
    assert len(ctx["items"]) == 8 and ctx["more"]


def test_account_page_shows_the_panel(web, world):
    html = web("rep1").get(f"/customers/accounts/{world['accounts'][0].pk}/").content.decode()
    assert 'data-testid="account-opportunities"' in html
    assert "Alpha pumps" in html and f"/sales/opportunities/new/?account={world['accounts'][0].pk}" in html


def test_pages_render_in_chinese(web, world, org):
    from django.conf import settings

    c = web("rep1")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    for url in (
        "/sales/pipelines/board/",
        "/sales/opportunities/",
        f"/sales/opportunities/{world['deals']['r1a'].pk}/",
        "/sales/opportunities/new/",
    ):
        assert c.get(url).status_code == 200, url


def test_nul_bytes_and_markup_in_list_and_search_are_harmless(web, world):
    c = web("rep1")
    for url, params in (
        ("/sales/opportunities/", {"q": "a\x00b"}),
        ("/sales/opportunities/", {"owner": "rep1\x00"}),
        ("/sales/opportunities/account-search/", {"q": "客户\x00"}),
        ("/sales/pipelines/board/", {"q": "\x00", "owner": "me"}),
    ):
        r = c.get(url, params)
        assert r.status_code == 200, (url, params, r.status_code)
