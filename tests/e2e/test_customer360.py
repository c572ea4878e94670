"""The 360° page in Chromium: logging a follow-up on a phone in at most three taps, and the
timeline on a desktop (filter chips, infinite scroll). Screenshots in docs/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, SCREENSHOTS

pytestmark = pytest.mark.e2e

PHONE_390 = {"width": 390, "height": 844}
DETAIL_URL = re.compile(r"/customers/accounts/\d+/$")


def _open_first_account(s) -> None:
    page = s.page
    s.goto("/customers/accounts/")
    link = page.get_by_test_id("account-row").first.locator("a.gx-row-link")
    with page.expect_navigation():
        link.click()
    expect(page).to_have_url(DETAIL_URL)


def test_log_a_follow_up_on_a_phone_in_three_taps(open_session):
    s = open_session(viewport=PHONE_390, language="en")
    page = s.page
    s.login("rep1")
    _open_first_account(s)
    taps = 0

    page.get_by_test_id("log-followup").click()  # tap 1: opens the form, "call" preselected
    taps += 1
    form = page.get_by_test_id("followup-form")
    expect(form).to_be_visible()
    expect(form.get_by_test_id("kind-call")).to_be_checked()
    # the off-canvas slides in: measure it once Bootstrap's transition is over
    page.wait_for_function(
        "() => { const el = document.querySelector('#gx-log-followup');"
        " return el && el.classList.contains('show') && !el.classList.contains('showing'); }"
    )
    box = page.locator("#gx-log-followup").bounding_box()
    assert box["x"] >= -0.5 and box["x"] + box["width"] <= PHONE_390["width"] + 0.5, box
    form.locator("[name=subject]").fill("电话回访：确认报价")  # typing, focused on open
    taps += 1  # counted as the tap into the field, although the field has the focus already
    form.locator("[name=content]").fill("客户同意下周签约")
    s.screenshot("log-followup-phone.png")
    with page.expect_navigation():
        form.get_by_test_id("followup-submit").click()  # tap 3
    taps += 1
    assert taps <= 3
    expect(page).to_have_url(DETAIL_URL)
    first = page.get_by_test_id("timeline-entry").first
    expect(first).to_contain_text("电话回访：确认报价")
    expect(page.get_by_test_id("fact-last-followup")).to_have_text("电话回访：确认报价")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_390["width"] + 1, f"the 360° page is {width}px wide on a 390px phone"
    s.log.assert_clean()


def test_customer_360_on_desktop(open_session):
    s = open_session(viewport=DESKTOP, language="en")
    page = s.page
    s.login("rep1")
    _open_first_account(s)
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_be_visible()
    entries = page.get_by_test_id("timeline-entry")
    expect(entries.first).to_be_visible()
    expect(page.get_by_test_id("fact-last-contact")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # the whole page: key facts, timeline, side panels
    page.screenshot(
        path=str(SCREENSHOTS / "customer-360.png"), full_page=True, animations="disabled", caret="hide"
    )

    before = entries.count()
    if page.get_by_test_id("timeline-more").count():
        page.get_by_test_id("timeline-more").scroll_into_view_if_needed()
        expect(entries).not_to_have_count(before)  # the next page arrived when revealed
        assert entries.count() > before

    page.get_by_test_id("timeline-chip-changes").click()
    expect(page.get_by_test_id("timeline-chip-changes")).to_have_attribute("aria-pressed", "true")
    expect(entries.first).to_be_visible()
    assert set(entries.evaluate_all("els => els.map(e => e.dataset.type)")) <= {"change", "stage"}
    page.get_by_test_id("timeline-chip-followups").click()
    expect(page.get_by_test_id("timeline-chip-followups")).to_have_attribute("aria-pressed", "true")
    types = set(page.get_by_test_id("timeline-entry").evaluate_all("els => els.map(e => e.dataset.type)"))
    assert types <= {"activity"}
    s.log.assert_clean()
