"""Health in the UI: the drifting list, the home widget, the account badges and lifecycle panel."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from guanxi.customers.models import Account, Health, Lifecycle, StageChange
from tests.factories import AccountFactory


def unhealthy(owner, name, *, health=Health.DRIFTING, silent_days=50, contacted=True) -> Account:
    account = AccountFactory(owner=owner, name=name)
    ref = timezone.now() - dt.timedelta(days=silent_days)
    Account._base_manager.filter(pk=account.pk).update(
        health=health,
        health_since=timezone.now(),
        lifecycle_stage=Lifecycle.AT_RISK,
        last_contact_at=ref if contacted else None,
        created_at=ref if not contacted else ref - dt.timedelta(days=10),
    )
    return account


def names(response) -> list[str]:
    return re.findall(
        r'class="gx-row-link" href="/customers/accounts/\d+/">([^<]+)</a>', response.content.decode()
    )


@pytest.fixture
def silent(org):
    rep1 = org["rep1"]
    return {
        "oldest": unhealthy(rep1, "最久客户有限公司", silent_days=55),
        "never": unhealthy(rep1, "从未联系有限公司", silent_days=45, contacted=False),
        "newer": unhealthy(rep1, "较近客户有限公司", silent_days=42),
        "dormant": unhealthy(rep1, "沉睡客户有限公司", health=Health.DORMANT, silent_days=80),
        "healthy": AccountFactory(owner=rep1, name="活跃客户有限公司"),
        "other": unhealthy(org["rep2"], "别人客户有限公司", silent_days=70),
    }


@pytest.mark.django_db
def test_drifting_list_in_scope_longest_silent_first(web, silent):
    response = web("rep1").get("/customers/drifting/")
    assert response.status_code == 200
    # never contacted first, then by last contact, oldest first; rep2's account is not in rep1's scope
    assert names(response) == ["从未联系有限公司", "最久客户有限公司", "较近客户有限公司"]
    body = response.content.decode()
    assert "55 days" in body and "Never" in body
    assert f'href="/customers/accounts/{silent["oldest"].pk}/#gx-log-followup"' in body
    dormant = web("rep1").get("/customers/drifting/?health=dormant")
    assert names(dormant) == ["沉睡客户有限公司"]


@pytest.mark.django_db
def test_drifting_list_manager_sees_department(web, silent):
    assert set(names(web("manager1").get("/customers/drifting/"))) == {
        "从未联系有限公司",
        "最久客户有限公司",
        "较近客户有限公司",
        "别人客户有限公司",
    }
    assert names(web("rep3").get("/customers/drifting/")) == []


@pytest.mark.django_db
def test_drifting_list_pages_by_keyset(web, org):
    for i in range(30):
        unhealthy(org["rep1"], f"分页客户{i:02d}有限公司", silent_days=100 - i, contacted=i % 3 != 0)
    client = web("rep1")
    seen, url = [], "/customers/drifting/"
    for _page in range(5):
        response = client.get(url, HTTP_HX_REQUEST="true") if seen else client.get(url)
        seen += names(response)
        more = re.search(r'hx-get="(\?health=drifting&amp;cursor=[^"]+)"', response.content.decode())
        if not more:
            break
        url = "/customers/drifting/" + more.group(1).replace("&amp;", "&")
    assert len(seen) == 30 and len(set(seen)) == 30
    never = [f"分页客户{i:02d}有限公司" for i in range(0, 30, 3)]
    assert seen[:10] == never  # the never-contacted, oldest created first
    assert seen[10] == "分页客户01有限公司"  # then the longest since a contact


@pytest.mark.django_db
@pytest.mark.parametrize("cursor", ["garbage", "c.xyz", "n.%00", "c." + "A" * 3000])
def test_drifting_list_bad_cursor_is_a_message(web, silent, cursor):
    response = web("rep1").get(f"/customers/drifting/?cursor={cursor}")
    assert response.status_code == 200
    assert b"The cursor is not valid." in response.content


@pytest.mark.django_db
def test_drifting_list_unknown_tab_shows_drifting(web, silent):
    assert names(web("rep1").get("/customers/drifting/?health=%3Cscript%3E")) == names(
        web("rep1").get("/customers/drifting/")
    )


@pytest.mark.django_db
def test_drifting_list_query_count(web, org, silent, django_assert_max_num_queries):
    for i in range(20):
        unhealthy(org["rep1"], f"计数客户{i}有限公司", silent_days=50 + i)
    client = web("rep1")
    client.get("/customers/drifting/")  # warm the session
    with django_assert_max_num_queries(9):
        response = client.get("/customers/drifting/")
    assert len(names(response)) == 23


@pytest.mark.django_db
def test_home_widget_counts_and_longest_silent(web, silent, org, django_assert_max_num_queries):
    for i in range(4):
        unhealthy(org["rep1"], f"首页客户{i}有限公司", silent_days=60 + i)
    client = web("rep1")
    client.get("/")
    with django_assert_max_num_queries(12):
        response = client.get("/")
    body = response.content.decode()
    assert re.search(r'data-testid="health-active">1<', body)
    assert re.search(r'data-testid="health-drifting">7<', body)
    assert re.search(r'data-testid="health-dormant">1<', body)
    rows = re.findall(r'data-testid="silent-row"><a class="text-break" href="[^"]+">([^<]+)</a>', body)
    assert rows == [
        "从未联系有限公司",
        "沉睡客户有限公司",
        "首页客户3有限公司",
        "首页客户2有限公司",
        "首页客户1有限公司",
    ]
    assert 'data-gx-donut="gx-health-data"' in body and "echarts.min.js" in body
    assert "<script>" not in body and ' style="' not in body  # CSP: no inline script or style


@pytest.mark.django_db
def test_home_widget_empty(web, org):
    body = web("rep3").get("/").content.decode()
    assert "No drifting or dormant customers." in body and "data-gx-donut" not in body


@pytest.mark.django_db
def test_account_page_badges_and_panel(web, silent, org):
    from guanxi.customers.lifecycle import services as lifecycle

    account = silent["oldest"]
    lifecycle.stage_set(
        actor=org["rep1"],
        account=Account._base_manager.get(pk=account.pk),
        field="relationship_level",
        value="proactive",
        reason="季度回顾",
    )
    body = web("rep1").get(f"/customers/accounts/{account.pk}/").content.decode()
    assert 'data-testid="health-badge"' in body and "Drifting" in body
    assert "At risk" in body and "Proactive" in body
    assert "季度回顾" in body and 'data-testid="stage-form"' in body
    reader = web("marketer1").get(f"/customers/accounts/{account.pk}/").content.decode()
    assert "Proactive" in reader and 'data-testid="stage-form"' not in reader


@pytest.mark.django_db
def test_automatic_history_shows_system_and_reason(web, silent, org):
    account = silent["oldest"]
    StageChange.objects.create(
        account=account,
        field="lifecycle_stage",
        old="active",
        new="at_risk",
        automatic=True,
        reason="No contact for two thirds of the dormancy threshold.",
    )
    body = web("rep1").get(f"/customers/accounts/{account.pk}/").content.decode()
    assert "No contact for two thirds of the dormancy threshold." in body and "System" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status", "changed"),
    [
        ("rep1", 302, True),
        ("agent1", 302, True),
        ("manager1", 302, True),
        ("marketer1", 403, False),
        ("rep2", 404, False),
        ("rep3", 404, False),
    ],
)
def test_stage_form_post(web, silent, persona, status, changed):
    account = silent["oldest"]
    response = web(persona).post(
        f"/customers/accounts/{account.pk}/stage/",
        {"field": "lifecycle_stage", "value": "lost", "reason": "价格", "version": "1"},
    )
    assert response.status_code == status
    assert (Account._base_manager.get(pk=account.pk).lifecycle_stage == Lifecycle.LOST) is changed
    assert StageChange.objects.filter(account=account).exists() is changed


@pytest.mark.django_db
def test_stage_form_bad_value_shows_message(web, silent):
    account = silent["oldest"]
    client = web("rep1")
    response = client.post(
        f"/customers/accounts/{account.pk}/stage/", {"field": "lifecycle_stage", "value": "vip"}, follow=True
    )
    assert b"Choose one of:" in response.content
    assert Account._base_manager.get(pk=account.pk).lifecycle_stage == Lifecycle.AT_RISK
    assert client.get(f"/customers/accounts/{account.pk}/stage/").status_code == 405


@pytest.mark.django_db
def test_accounts_list_health_filter_and_column(web, silent):
    client = web("rep1")
    response = client.get("/customers/accounts/?health=dormant")
    assert names(response) == ["沉睡客户有限公司"]
    body = response.content.decode()
    assert 'name="health"' in body and '<option value="dormant" selected>' in body
    assert "gx-health-dormant" in body
    bad = client.get("/customers/accounts/?health=sleepy")
    assert bad.status_code == 200 and b"Choose one of:" in bad.content


@pytest.mark.django_db
def test_sidebar_link(web, org):
    assert b'href="/customers/drifting/"' in web("rep1").get("/").content
