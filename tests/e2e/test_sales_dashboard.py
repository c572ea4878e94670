"""The sales dashboard in Chromium: every panel loads (htmx) and draws its charts (ECharts, SVG renderer), for the director
and for a manager, at desktop and phone widths, without console or CSP errors. Screenshots in
docs/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP

pytestmark = pytest.mark.e2e

PHONE_390 = {"width": 390, "height": 844}


def _open_dashboard(session) -> None:
    page = session.page
    session.goto("/sales/dashboard/")
    panels = page.locator(".gx-dash-panel")
    assert panels.count() >= 3
    # every panel swapped in (no skeleton left) and the charts drawn (an svg inside each)
    expect(page.locator(".gx-dash-skeleton")).to_have_count(0, timeout=15_000)
    charts = page.locator("[data-gx-chart]")
    assert charts.count() >= 2
    for i in range(charts.count()):
        expect(charts.nth(i).locator("svg")).to_have_count(1)


@pytest.mark.parametrize("username", ["director", "manager1"])
def test_dashboard_panels_load_and_draw(open_session, username):
    session = open_session(viewport={**DESKTOP, "height": 1400})
    session.login(username)
    _open_dashboard(session)
    expect(session.page.get_by_test_id("dashboard-scope")).to_be_visible()
    session.screenshot(f"sales-dashboard-{username}.png")
    session.log.assert_clean()


def test_dashboard_on_a_phone(open_session):
    session = open_session(viewport=PHONE_390)
    session.login("rep1")
    _open_dashboard(session)
    width = session.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_390["width"], f"the page is {width}px wide on a 390px screen"
    session.screenshot("sales-dashboard-phone.png")
    session.log.assert_clean()
