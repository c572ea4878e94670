"""The public page /f/<slug>: rendering, submissions, honeypot, rate limit, consent, hostile input."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from tests.helpers import assert_error

PAGE = "/f/expo"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the rate limit's counters live in the cache
    yield
    cache.clear()


@pytest.fixture
def lead_form(org):
    from guanxi.sales.webforms import services

    return services.lead_form_create(
        actor=org["admin"],
        data={
            "name": "Expo",
            "slug": "expo",
            "owner": "rep1",
            "fields": [
                "name",
                "company",
                {"name": "mobile", "required": True, "label": {"zh-hans": "手机号码"}},
                "email",
                "industry",
                "description",
            ],
            "title": {"en": "Meet us at the expo", "zh-hans": "展会咨询", "zh-hant": "展會諮詢"},
            "consent_text": {
                "en": "I agree to be contacted.",
                "zh-hans": "我同意被联系。",
                "zh-hant": "我同意被聯繫。",
            },
            "success_message": {"en": "Thanks, see you soon.", "zh-hans": "谢谢，我们会尽快联系您。"},
        },
    )


def visitor(**extra) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.7", **extra)


def leads():
    from guanxi.sales.models import Lead

    return list(Lead._base_manager.order_by("id"))


GOOD = {
    "name": "王芳",
    "company": "西湖科技",
    "mobile": "13800138000",
    "email": "wang@example.cn",
    "consent": "on",
}


def test_page_is_standalone_framable_and_in_the_visitors_language(lead_form):
    r = visitor().get(PAGE)
    assert r.status_code == 200
    html = r.content.decode()
    assert "Meet us at the expo" in html and "I agree to be contacted." in html
    assert 'name="website"' in html and "gx-hp" in html  # the honeypot, hidden by a class
    assert "gx-sidebar" not in html and "<script" not in html and "style=" not in html
    assert "frame-ancestors *" in r["Content-Security-Policy"]
    assert "X-Frame-Options" not in r
    zh = visitor().get(PAGE + "?lang=zh-hans").content.decode()
    assert '<html lang="zh-hans">' in zh and "展会咨询" in zh and "我同意被联系。" in zh and "手机号码" in zh
    hant = Client(HTTP_ACCEPT_LANGUAGE="zh-Hant").get(PAGE).content.decode()
    assert "展會諮詢" in hant
    # the rest of the site still refuses to be framed
    assert Client().get("/accounts/login/")["X-Frame-Options"] == "DENY"


def test_a_submission_creates_a_lead_with_the_consent_shown(lead_form, org, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        r = visitor().post(PAGE + "?lang=zh-hans", GOOD)
    assert r.status_code == 200
    assert "谢谢，我们会尽快联系您。" in r.content.decode()
    [lead] = leads()
    assert (lead.name, lead.company, lead.email, lead.form_id) == (
        "王芳",
        "西湖科技",
        "wang@example.cn",
        lead_form.pk,
    )
    assert lead.mobile.endswith("13800138000")
    assert lead.consent_text == "我同意被联系。" and lead.consent_at is not None
    assert lead.source == "web_form" and lead.owner == org["rep1"]
    lead_form.refresh_from_db()
    assert lead_form.submissions == 1


def test_the_posted_language_decides_the_consent_text(lead_form):
    visitor().post(PAGE, {**GOOD, "lang": "zh-hant"})
    assert leads()[0].consent_text == "我同意被聯繫。"


def test_json_answers(lead_form):
    r = visitor(HTTP_ACCEPT="application/json").post(PAGE, GOOD)
    assert r.status_code == 201 and r.json() == {"ok": True, "message": "Thanks, see you soon."}
    error = assert_error(visitor(HTTP_ACCEPT="application/json").post(PAGE, {"name": "x"}), 400, "mobile")
    assert "consent" in error["fields"]


def test_consent_is_required_when_the_form_has_a_text(lead_form):
    r = visitor().post(PAGE, {k: v for k, v in GOOD.items() if k != "consent"})
    assert r.status_code == 400
    assert "Please agree to continue." in r.content.decode()
    assert 'value="王芳"' in r.content.decode()  # what was typed stays
    assert leads() == []


def test_required_fields_errors_beside_the_fields(lead_form):
    r = visitor().post(PAGE, {"name": "", "consent": "on"})
    assert r.status_code == 400
    html = r.content.decode()
    assert 'id="lf-mobile-error"' in html and 'id="lf-name-error"' in html
    assert leads() == []


def test_a_filled_honeypot_pretends_success_and_creates_nothing(lead_form):
    r = visitor().post(PAGE, {**GOOD, "website": "http://spam.example"})
    assert r.status_code == 200 and "Thanks, see you soon." in r.content.decode()
    assert leads() == []
    lead_form.refresh_from_db()
    assert lead_form.submissions == 0


def test_a_flood_from_one_address_gets_429_and_no_more_leads(lead_form, settings):
    settings.LEAD_FORM_RATE_PER_MINUTE = 3
    client = visitor()
    statuses = [client.post(PAGE, {**GOOD, "mobile": f"1380013800{i}"}).status_code for i in range(6)]
    assert statuses == [200, 200, 200, 429, 429, 429]
    assert len(leads()) == 3
    r = client.post(PAGE, GOOD, HTTP_ACCEPT="application/json")
    assert_error(r, 429)
    assert "wait a minute" in client.post(PAGE, GOOD).content.decode()
    # another address is not affected
    assert Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.9").post(PAGE, GOOD).status_code == 200
    assert len(leads()) == 4


def test_bad_and_rejected_posts_count_towards_the_limit(lead_form, settings):
    settings.LEAD_FORM_RATE_PER_MINUTE = 2
    client = visitor()
    assert client.post(PAGE, {"website": "bot"}).status_code == 200
    assert client.post(PAGE, {"name": ""}).status_code == 400
    assert client.post(PAGE, GOOD).status_code == 429
    assert leads() == []


@pytest.mark.parametrize("slug", ["nope", "EXPO", "expo%00", "../admin", "x" * 70])
def test_unknown_addresses_are_404(lead_form, slug):
    assert visitor().get(f"/f/{slug}").status_code == 404
    assert visitor().post(f"/f/{slug}", GOOD).status_code == 404
    assert leads() == []


def test_inactive_and_deleted_forms_are_404(lead_form, org):
    from guanxi.sales.webforms import services

    services.lead_form_update(actor=org["admin"], form=lead_form, data={"active": False}, version=None)
    assert visitor().get(PAGE).status_code == 404
    assert visitor().post(PAGE, GOOD).status_code == 404
    services.lead_form_update(actor=org["admin"], form=lead_form, data={"active": True}, version=None)
    assert visitor().get(PAGE).status_code == 200
    services.lead_form_delete(actor=org["admin"], form=lead_form, version=None)
    assert visitor().post(PAGE, GOOD).status_code == 404
    assert leads() == []


def test_other_methods_are_refused(lead_form):
    assert visitor().put(PAGE, "x").status_code == 405
    assert visitor().delete(PAGE).status_code == 405


def test_markup_and_formulas_are_stored_as_text_and_shown_escaped(lead_form):
    hostile = {
        **GOOD,
        "name": "<script>alert(1)</script>",
        "company": "=cmd|' /C calc'!A0",
        "description": "'; DROP TABLE sales_lead; --",
    }
    assert visitor().post(PAGE, hostile).status_code == 200
    [lead] = leads()
    assert lead.name == "<script>alert(1)</script>" and lead.company.startswith("=cmd")
    assert lead.description == "'; DROP TABLE sales_lead; --"
    # re-rendered after an error, the markup is escaped
    r = visitor().post(PAGE, {**hostile, "consent": ""})
    assert r.status_code == 400
    assert "<script>alert(1)</script>" not in r.content.decode()
    assert "&lt;script&gt;" in r.content.decode()


def test_huge_values_are_400_not_500(lead_form):
    r = visitor().post(PAGE, {**GOOD, "company": "公" * 10_000, "description": "x" * 10_000})
    assert r.status_code == 400
    assert leads() == []
    r = visitor().post(PAGE, {**GOOD, "name": "n" * 150})
    assert r.status_code == 400


def test_unknown_fields_are_ignored(lead_form):
    r = visitor().post(
        PAGE, {**GOOD, "owner": "admin", "score": "999", "status": "converted", "pool": "1", "title": "CEO"}
    )  # title is not on this form
    assert r.status_code == 200
    [lead] = leads()
    assert (lead.score, lead.status, lead.title, lead.pool_id) == (0, "new", "", None)


def test_wrong_encodings_and_bytes_do_not_break_the_page(lead_form):
    client = visitor()
    body = b"name=%FF%FE%00bad&mobile=13800138000&consent=on"
    r = client.post(PAGE, body, content_type="application/x-www-form-urlencoded")
    assert r.status_code in (200, 400)
    r = client.generic(
        "POST",
        PAGE,
        b"name=%E7%8E%8B&mobile=13800138000&consent=on",
        content_type="application/x-www-form-urlencoded; charset=no-such-codec",
    )
    assert r.status_code in (200, 400)
    r = client.generic("POST", PAGE, b"\x00\x01\x02garbage", content_type="multipart/form-data; boundary=zz")
    assert r.status_code in (200, 400)
    r = client.generic(
        "POST",
        PAGE,
        "name=王&mobile=13800138000&consent=on".encode("gb18030"),
        content_type="application/x-www-form-urlencoded; charset=gb18030",
    )
    assert r.status_code in (200, 400)
    r = client.post(PAGE, {**GOOD, "email": "not-an-email", "mobile": "12"})
    assert r.status_code == 400 and "lf-email-error" in r.content.decode()
    for lead in leads():
        assert "\x00" not in lead.name


def test_a_form_that_sends_leads_to_a_pool(org):
    from guanxi.sales.models import Pool
    from guanxi.sales.webforms import services

    pool = Pool.objects.create(name="线索池", kind=Pool.Kind.LEAD)
    services.lead_form_create(
        actor=org["admin"],
        data={"name": "Pool form", "slug": "pooled", "fields": ["name", "email"], "pool": pool.pk},
    )
    assert visitor().post("/f/pooled", {"name": "李雷", "email": "li@example.cn"}).status_code == 200
    [lead] = leads()
    assert lead.pool_id == pool.pk and lead.owner_id is None and lead.consent_text == ""


def test_the_embedded_page_keeps_embed_mode_after_posting(lead_form):
    r = visitor().get(PAGE + "?embed=1")
    html = r.content.decode()
    assert "gx-public-embed" in html and 'action="?embed=1"' in html and "gx-public-langs" not in html
