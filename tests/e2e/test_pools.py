"""The shared pool in Chromium: a rep opens the pool, sees masked phones, claims a record and
finds it unmasked among their accounts. The pool and its record are made through the API (an
administrator creates the pool, rep3 returns one of their accounts). Screenshots in
docs/screenshots/pool-*.png at desktop and phone widths."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PASSWORD

pytestmark = pytest.mark.e2e

PHONE_390 = {"width": 390, "height": 844}


def _call(base: str, method: str, path: str, body=None, token: str | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path,
        data=data,
        method=method,
        headers={
            "Content-Type": "application/json",
            "Accept-Language": "en",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read() or b"null")


def _token(base: str, username: str) -> str:
    return _call(base, "POST", "/api/v1/auth/token", {"username": username, "password": PASSWORD})["token"]


@pytest.fixture(scope="module")
def pooled(server):
    admin, rep3 = _token(server, "admin"), _token(server, "rep3")
    pool = _call(
        server,
        "POST",
        "/api/v1/pools",
        {
            "name": "浏览器测试公海",
            "kind": "customer",
            "members": ["rep1", "rep2", "rep3"],
            "admins": ["manager1"],
            "daily_claim_limit": 5,
            "ownership_cap": 500,
            "mask_contact_info": True,
            "rules": [{"kind": "no_followup", "days": 30, "tier": None}],
        },
        admin,
    )
    accounts = [
        a for a in _call(server, "GET", "/api/v1/accounts?limit=50", token=rep3)["items"] if a["phone"]
    ][:2]
    assert accounts, "the demo data gives rep3 accounts with phones"
    _call(
        server,
        "POST",
        f"/api/v1/pools/{pool['id']}/return",
        {"ids": [a["id"] for a in accounts], "reason": "浏览器测试：客户暂无需求"},
        rep3,
    )
    return {"pool": pool["id"], "accounts": accounts}


def test_claim_from_the_pool_on_desktop(open_session, pooled):
    s = open_session(viewport=DESKTOP, language="en")
    page = s.page
    s.login("rep1")
    s.goto("/sales/pools/")
    with page.expect_navigation():
        page.get_by_role("link", name="浏览器测试公海").click()
    rows = page.get_by_test_id("pool-row")
    expect(rows).to_have_count(len(pooled["accounts"]))
    target = pooled["accounts"][0]
    row = rows.filter(has_text=target["name"])
    phone = row.get_by_test_id("masked-phone")
    expect(phone).to_contain_text("****")
    expect(page.get_by_test_id("my-limits")).to_contain_text("Claimed 0 of 5 today")
    s.screenshot("pool-desktop.png")
    row.locator("input[name=ids]").check()
    with page.expect_navigation():
        page.get_by_test_id("claim").click()
    expect(page.get_by_test_id("my-limits")).to_contain_text("Claimed 1 of 5 today")
    expect(page.get_by_test_id("pool-row")).to_have_count(len(pooled["accounts"]) - 1)
    s.goto(f"/customers/accounts/{target['id']}/")
    body = page.locator("main")
    expect(body).to_contain_text(target["name"])
    assert "****" not in body.inner_text()
    expect(page.get_by_test_id("pool-return")).to_be_visible()
    s.log.assert_clean()


def test_pool_on_a_phone(open_session, pooled):
    s = open_session(viewport=PHONE_390, language="zh-hans")
    page = s.page
    s.login("rep2")
    s.goto(f"/sales/pools/{pooled['pool']}/")
    expect(page.get_by_test_id("my-limits")).to_be_visible()
    s.screenshot("pool-phone.png")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_390["width"] + 1, f"the pool page is {width}px wide on a 390px phone"
    s.log.assert_clean()
