"""The main journeys of issue 2 in Chromium, with the screenshots of docs/screenshots/.

Each test fails on any console error, CSP violation, uncaught exception or failed sub-resource
load (see BrowserLog in conftest.py): the app runs under a strict CSP with no inline script or
style, so a library that injects either shows up here.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guanxi.core.validators import uscc_check_char
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.e2e

NEW_ACCOUNT = "杭州西湖数据科技有限公司"
DETAIL_URL = re.compile(r"/customers/accounts/\d+/$")


def _uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def _no_horizontal_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"{page.url} is {width}px wide on a {PHONE['width']}px phone"


def _top_bar_fits(page) -> None:
    """The top bar stays one row: its controls lie inside it and do not overlap one another."""
    bar = page.locator("header.gx-topbar").bounding_box()
    boxes = {}
    for sel in (
        "button[aria-controls=gx-sidebar]",
        "a.gx-brand",
        "#gx-search",
        "[data-testid=lang-menu]",
        "[data-testid=user-menu]",
    ):
        box = page.locator(f"header.gx-topbar {sel}").bounding_box()
        assert box and box["width"] > 0, sel
        assert bar["y"] <= box["y"] and box["y"] + box["height"] <= bar["y"] + bar["height"] + 0.5, (
            sel,
            box,
            bar,
        )
        assert box["x"] + box["width"] <= PHONE["width"] + 0.5, (sel, box)
        boxes[sel] = box
    logo = page.locator("header.gx-topbar .gx-logo").bounding_box()
    assert abs(logo["width"] - logo["height"]) <= 1, f"the logo is squashed: {logo}"
    ordered = sorted(boxes.items(), key=lambda kv: kv[1]["x"])
    for (a, ba), (b, bb) in zip(ordered, ordered[1:], strict=False):
        assert ba["x"] + ba["width"] <= bb["x"] + 0.5, f"{a} overlaps {b}"


def _table_fits(page) -> None:
    """At 1280 px the default list columns fit without a horizontal scroll bar."""
    scroll, client = page.locator(".gx-table-wrap").evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert scroll <= client + 1, (
        f"the table on {page.url} needs a horizontal scroll bar ({scroll} > {client})"
    )


def test_rep_creates_account_finds_it_by_pinyin_initials_and_switches_to_english(open_session):
    # No language cookie: the browser's Accept-Language (zh-CN) picks the first language.
    s = open_session(language=None)
    page, html = s.page, s.page.locator("html")
    s.goto("/accounts/login/")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("login-submit")).to_be_visible()
    s.screenshot("login.png")
    s.login("rep1")

    s.goto("/customers/accounts/")
    with page.expect_navigation():
        page.get_by_test_id("new-account").click()
    form = page.get_by_test_id("account-form")
    form.locator("#id_name").fill(NEW_ACCOUNT)
    form.locator("#id_uscc").fill(_uscc("91330106MA27H4K2L"))
    form.locator("#id_phone").fill("0571-8888 8000")
    form.locator("#id_address").fill("浙江省杭州市西湖区文三路 90 号")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page).to_have_url(DETAIL_URL)
    expect(page.get_by_test_id("record-title")).to_have_text(NEW_ACCOUNT)
    detail_url = page.url

    # Found from another page through the global search box by a prefix of its pinyin initials.
    s.goto("/")
    search = page.locator("#gx-search")
    search.click()
    search.press_sequentially("hzxhsj", delay=40)
    result = page.locator("#gx-search-results [data-testid=search-result]", has_text=NEW_ACCOUNT)
    expect(page.locator("#gx-search-results")).to_be_visible()
    expect(result).to_have_count(1)
    expect(result).to_contain_text("+86 571 8888 8000")
    with page.expect_navigation():
        result.click()
    assert page.url == detail_url
    expect(page.get_by_test_id("record-title")).to_have_text(NEW_ACCOUNT)
    expect(page.get_by_text("+86 571 8888 8000")).to_be_visible()
    expect(html).to_have_attribute("lang", "zh-hans")

    # Switch to English from the language menu: the same page comes back in English…
    page.get_by_test_id("lang-menu").click()
    expect(page.get_by_test_id("lang-zh-hans")).to_have_class(re.compile(r"\bactive\b"))
    with page.expect_navigation():
        page.get_by_test_id("lang-en").click()
    assert page.url == detail_url
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Key facts")).to_be_visible()
    expect(page.get_by_role("heading", name="Field history")).to_be_visible()
    expect(page.get_by_test_id("record-title")).to_have_text(NEW_ACCOUNT)

    # …and the choice persists on the next page loads.
    s.goto("/customers/accounts/")
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accounts")
    expect(page.locator("#gx-sidebar").get_by_role("link", name="Accounts")).to_be_visible()
    s.goto("/")
    expect(html).to_have_attribute("lang", "en")
    s.screenshot("home-en.png")
    s.log.assert_clean()

    # It is rep1's preference, not only this browser's cookie: a fresh browser gets English too.
    other = open_session(language=None)
    other.login("rep1")
    expect(other.page.locator("html")).to_have_attribute("lang", "en")
    other.log.assert_clean()


def test_main_pages_render_for_a_rep(open_session):
    s = open_session()
    page = s.page
    s.login("rep1")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert int(page.get_by_test_id("count-accounts").inner_text()) > 0
    assert int(page.get_by_test_id("count-contacts").inner_text()) > 0
    s.goto("/")  # again, without the "signed in" toast
    s.screenshot("home.png")

    s.goto("/customers/accounts/")
    rows = page.get_by_test_id("account-row")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 20
    _table_fits(page)
    s.screenshot("accounts.png")

    # A demo account (with contacts and history), not one another test may have just created.
    first = rows.filter(has_not_text=NEW_ACCOUNT).first.locator("a.gx-row-link")
    name = first.inner_text()
    with page.expect_navigation():
        first.click()
    expect(page).to_have_url(DETAIL_URL)
    expect(page.get_by_test_id("record-title")).to_have_text(name)
    expect(page.locator(".gx-facts").first).to_be_visible()
    expect(page.locator(".gx-history li").first).to_be_visible()  # field history of the creation
    expect(page.locator("table.gx-table tbody tr").first).to_be_visible()  # the account's contacts
    s.screenshot("account-detail.png")

    s.goto("/customers/contacts/")
    expect(page.locator("table.gx-table tbody tr").first).to_be_visible()
    _table_fits(page)
    s.screenshot("contacts.png")

    s.goto("/recycle-bin/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    s.log.assert_clean()


def test_account_form_shows_errors_beside_the_wrong_fields(open_session):
    s = open_session()
    page = s.page
    s.login("rep1")
    s.goto("/customers/accounts/new/")
    good = _uscc("91330106MA27H4K2L")
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    form = page.get_by_test_id("account-form")
    form.locator("#id_name").fill("宁波错误校验贸易有限公司")
    form.locator("#id_uscc").fill(wrong_check)
    form.locator("#id_phone").fill("12345")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/customers/accounts/new/$"))

    for field in ("uscc", "phone"):
        box = form.locator(f"#id_{field}")
        error = form.locator(f"#id_{field}-error")
        expect(box).to_have_class(re.compile(r"\bis-invalid\b"))
        expect(box).to_have_attribute("aria-invalid", "true")
        expect(box).to_have_attribute("aria-describedby", f"id_{field}-error")
        expect(error).to_be_visible()
        assert error.inner_text().strip()
        # Beside its field: in the same form group, just below the box and aligned with it.
        assert form.locator(f"#id_{field} ~ #id_{field}-error").count() == 1
        b, e = box.bounding_box(), error.bounding_box()
        assert 0 <= e["y"] - (b["y"] + b["height"]) <= 24, (field, b, e)
        assert abs(e["x"] - b["x"]) <= 2, (field, b, e)
    # The other fields are fine and keep what was typed.
    expect(form.locator("#id_name")).not_to_have_class(re.compile(r"\bis-invalid\b"))
    expect(form.locator("#id_name")).to_have_value("宁波错误校验贸易有限公司")
    expect(form.locator("#id_uscc")).to_have_value(wrong_check)
    expect(form.locator(".invalid-feedback")).to_have_count(2)
    s.screenshot("account-form-errors.png")

    # Nothing was saved.
    s.goto("/customers/accounts/?q=" + "宁波错误校验")
    expect(page.get_by_test_id("account-row")).to_have_count(0)
    s.log.assert_clean()


def test_phone_layout_without_horizontal_overflow_and_hamburger_menu(open_session):
    s = open_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = s.page
    s.login("rep1")
    _no_horizontal_overflow(page)
    _top_bar_fits(page)

    s.goto("/customers/accounts/")
    expect(page.get_by_test_id("account-row").first).to_be_visible()
    _no_horizontal_overflow(page)
    _top_bar_fits(page)
    expect(page.get_by_role("heading", level=1)).to_be_in_viewport(ratio=1)
    s.screenshot("accounts-phone.png")

    sidebar = page.locator("#gx-sidebar")
    expect(sidebar).not_to_be_in_viewport()
    page.locator("button[aria-controls=gx-sidebar]").click()
    expect(sidebar).to_have_class(re.compile(r"\bshow\b"))
    expect(sidebar).to_be_in_viewport()
    contacts_link = sidebar.locator("a[href='/customers/contacts/']")
    expect(contacts_link).to_be_visible()
    _no_horizontal_overflow(page)
    with page.expect_navigation():
        contacts_link.click()
    expect(page).to_have_url(re.compile(r"/customers/contacts/$"))
    _no_horizontal_overflow(page)

    s.goto("/customers/accounts/")
    link = page.get_by_test_id("account-row").first.locator("a.gx-row-link")
    with page.expect_navigation():
        link.click()
    expect(page.get_by_test_id("record-title")).to_be_visible()
    _no_horizontal_overflow(page)
    s.log.assert_clean()


def test_ctrl_k_focuses_search_and_the_keyboard_opens_a_result(open_session):
    s = open_session()
    page = s.page
    s.login("rep1")
    s.goto("/customers/accounts/")
    search = page.locator("#gx-search")
    expect(search).not_to_be_focused()
    page.keyboard.press("Control+k")
    expect(search).to_be_focused()

    page.keyboard.type("xihu", delay=40)
    results = page.locator("#gx-search-results [data-testid=search-result]")
    expect(page.locator("#gx-search-results")).to_be_visible()
    expect(results.first).to_be_visible()
    s.screenshot("search.png")

    page.keyboard.press("ArrowDown")
    expect(results.first).to_have_class(re.compile(r"\bactive\b"))
    href = results.first.get_attribute("href")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == s.url(href)
    expect(page.get_by_test_id("record-title")).to_be_visible()

    # Escape closes the palette.
    page.keyboard.press("Control+k")
    expect(search).to_be_focused()
    page.keyboard.type("xihu", delay=40)
    expect(page.locator("#gx-search-results")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#gx-search-results")).to_be_hidden()
    s.log.assert_clean()


def test_list_column_headers_follow_the_language(open_session):
    s = open_session(language="en")
    page = s.page
    s.login("rep1")
    s.goto("/customers/accounts/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("account-table").locator("thead")).to_contain_text("Phone", timeout=2000)
    s.goto("/customers/contacts/")
    expect(page.locator("table.gx-table thead")).to_contain_text("Mobile", timeout=2000)
