import pytest
from django.test import Client


def test_healthz_and_readyz(db):
    c = Client()
    assert c.get("/healthz").status_code == 200
    r = c.get("/readyz")
    assert r.status_code == 200 and r.json()["checks"]["database"] == "ok"


def test_readyz_reports_a_broker_that_does_not_answer(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    r = Client().get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["broker"].startswith("error")


def test_security_headers_and_strict_csp(web):
    r = web("rep1").get("/")
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["X-Frame-Options"] == "DENY"
    assert r["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(web, org):
    from tests.factories import AccountFactory

    a = AccountFactory(owner=org["rep1"], name="<script>alert(1)</script>公司")
    client = web("rep1")
    for url in [
        "/",
        "/customers/accounts/",
        f"/customers/accounts/{a.pk}/",
        "/customers/accounts/new/",
        "/customers/contacts/",
        "/search/?q=gongsi",
        "/accounts/login/",
    ]:
        html = client.get(url).content.decode()
        assert "<script>" not in html, url  # every script has a src
        assert " style=" not in html and "<style" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "alert(1)" not in html, url


def test_anonymous_users_are_sent_to_login(db):
    r = Client().get("/customers/accounts/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_accept_language_picks_the_first_visit_language(db):
    r = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/accounts/login/")
    assert r["Content-Language"] == "en"
    r = Client(HTTP_ACCEPT_LANGUAGE="zh-TW,zh;q=0.9").get("/accounts/login/")
    assert r["Content-Language"] == "zh-hant"
    r = Client(HTTP_ACCEPT_LANGUAGE="zh-CN").get("/accounts/login/")
    assert r["Content-Language"] == "zh-hans"


def test_language_choice_persists_for_the_user(web, org):
    client = web("rep1")
    r = client.post("/i18n/language/", {"language": "en", "next": "/customers/accounts/"})
    assert r.status_code == 302 and r["Location"] == "/customers/accounts/"
    org["rep1"].refresh_from_db()
    assert org["rep1"].language == "en"
    fresh = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")  # another browser, no cookie
    fresh.force_login(org["rep1"])
    assert fresh.get("/")["Content-Language"] == "en"


def test_language_switch_refuses_foreign_redirects(web):
    r = web("rep1").post("/i18n/language/", {"language": "en", "next": "https://evil.example/"})
    assert r["Location"] == "/"


@pytest.mark.parametrize("username, ok", [("rep1", True), ("nobody", False)])
def test_logins_are_recorded_with_ip(org, username, ok):
    from guanxi.audit.models import LoginEvent

    c = Client(REMOTE_ADDR="203.0.113.9")
    c.post("/accounts/login/", {"login": username, "password": "guanxi-demo" if ok else "wrong"})
    event = LoginEvent.objects.latest("at")
    assert event.username == username and event.success is ok and event.ip == "203.0.113.9"


def test_dates_show_in_the_users_time_zone(web, org):
    """A fixed moment, so the day and hour differ in UTC, Shanghai (the site's zone) and New
    York. (It compared the creation's HH:MM with the page, which matched only the ISO time of
    the history entry written a few milliseconds later: false when a minute began in between.)"""
    import datetime as dt

    from guanxi.customers.models import Account
    from tests.factories import AccountFactory

    org["rep1"].time_zone = "America/New_York"
    org["rep1"].save()
    a = AccountFactory(owner=org["rep1"], name="时区测试有限公司")
    Account._base_manager.filter(pk=a.pk).update(created_at=dt.datetime(2026, 3, 1, 2, 30, tzinfo=dt.UTC))
    html = web("rep1").get(f"/customers/accounts/{a.pk}/").content.decode()
    assert "<dt>Created</dt><dd>02/28/2026 9:30 p.m.</dd>" in html


def test_invisible_records_show_a_friendly_404(web, org):
    from tests.factories import AccountFactory

    theirs = AccountFactory(owner=org["rep3"], name="看不见有限公司")
    r = web("rep1").get(f"/customers/accounts/{theirs.pk}/")
    assert r.status_code == 404 and "看不见有限公司" not in r.content.decode()
    assert "does not exist" in r.content.decode()


def test_failed_logins_show_in_the_targeted_users_history(org):
    from guanxi.audit.selectors import logins_for

    Client(REMOTE_ADDR="192.0.2.5").post("/accounts/login/", {"login": "rep1", "password": "nope"})
    assert any(not e.success and e.ip == "192.0.2.5" for e in logins_for(org["rep1"]))


def test_history_shows_choice_labels_and_relation_changes(db):
    """The field history reads like the form: 农业 rather than agriculture; relation keys that
    are not fields (attachments, linked accounts) get a label and never break the page."""
    from django.template import Context, Template
    from django.utils import translation

    from guanxi.customers.models import Account

    template = Template(
        '{% load gx %}{% change_display "agriculture" "industry" model %}|'
        '{% change_display "x.pdf" "attachments" model %}|{{ "attachments"|field_label:model }}|'
        '{{ "account_links"|field_label:model }}|{{ "nonsense"|field_label:model }}'
    )
    with translation.override("en"):
        assert (
            template.render(Context({"model": Account}))
            == "Agriculture|x.pdf|attachments|linked accounts|nonsense"
        )
