"""The administrators' pipeline and exchange-rate screens: superusers only, rules of the services."""

from __future__ import annotations

import pytest


def _stage_post(pipeline, *, extra: list[dict] | None = None, change=None) -> dict:
    stages = list(pipeline.stages.all()) if pipeline else []
    rows = [
        {
            "id": s.pk,
            "name_en": s.name_en,
            "name_zh_hans": s.name_zh_hans,
            "name_zh_hant": s.name_zh_hant,
            "type": s.type,
            "probability": s.probability,
            "order": s.order,
            "active": "on",
        }
        for s in stages
    ]
    rows += extra or []
    if change:
        change(rows)
    data = {
        "stages-TOTAL_FORMS": str(len(rows)),
        "stages-INITIAL_FORMS": str(len(stages)),
        "stages-MIN_NUM_FORMS": "0",
        "stages-MAX_NUM_FORMS": "30",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if value is not None:
                data[f"stages-{i}-{key}"] = value
    return data


def test_only_administrators_see_the_screens(web):
    for persona in ("director", "rep1"):
        client = web(persona)
        assert client.get("/admin/pipelines/").status_code == 403
        assert client.get("/admin/exchange-rates/").status_code == 403
        assert client.post("/admin/exchange-rates/", {"currency": "USD", "rate": "7"}).status_code == 403
    admin = web("admin")
    page = admin.get("/admin/pipelines/")
    assert page.status_code == 200 and "Sales pipeline" in page.content.decode()
    assert 'href="/admin/pipelines/"' in page.content.decode()  # the sidebar entry


def test_create_a_pipeline_with_its_stages(web, db):
    from guanxi.sales.models import Pipeline

    admin = web("admin")
    assert admin.get("/admin/pipelines/new/").status_code == 200
    data = {
        "name_en": "Projects <b>",
        "name_zh_hans": "项目",
        "name_zh_hant": "",
        "active": "on",
        **_stage_post(
            None,
            extra=[
                {"name_en": "Bid", "type": "open", "probability": "25", "order": "1", "active": "on"},
                {"name_en": "Won", "type": "won", "probability": "100", "order": "2", "active": "on"},
                {"name_en": "Lost", "type": "lost", "probability": "0", "order": "3", "active": "on"},
                {"name_en": "", "type": "open", "probability": "", "order": ""},
            ],
        ),
    }
    response = admin.post("/admin/pipelines/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    pipeline = Pipeline.objects.get(name_en="Projects <b>")
    assert [(s.name_en, s.probability) for s in pipeline.stages.all()] == [
        ("Bid", 25),
        ("Won", 100),
        ("Lost", 0),
    ]
    listing = admin.get("/admin/pipelines/").content.decode()
    assert "Projects &lt;b&gt;" in listing and "Projects <b>" not in listing


def test_a_pipeline_without_a_lost_stage_is_refused_beside_the_form(web, db):
    from guanxi.sales.models import Pipeline

    admin = web("admin")
    data = {
        "name_en": "Half",
        "active": "on",
        **_stage_post(
            None,
            extra=[
                {"name_en": "Bid", "type": "open", "probability": "25", "active": "on"},
                {"name_en": "Won", "type": "won", "probability": "100", "active": "on"},
            ],
        ),
    }
    response = admin.post("/admin/pipelines/new/", data)
    assert response.status_code == 200
    assert "A pipeline needs at least one open, one won and one lost stage." in response.content.decode()
    assert not Pipeline.objects.filter(name_en="Half").exists()


def test_rename_and_move_a_stage_and_empty_a_stage_into_another(web, org):
    from guanxi.customers.directory import services as customers
    from guanxi.sales.models import Opportunity, Pipeline
    from guanxi.sales.pipelines import services

    pipeline = Pipeline.objects.get(is_default=True)
    account = customers.account_create(actor=org["rep1"], data={"name": "管道页面有限公司"})
    opp = services.opportunity_create(actor=org["rep1"], data={"name": "单", "account": account.pk})
    admin = web("admin")

    def rename(rows):
        rows[0]["name_zh_hans"] = "初次接触"
        rows[0]["order"] = 99

    data = {
        "name_en": "Sales pipeline",
        "name_zh_hans": "销售漏斗",
        "name_zh_hant": "銷售漏斗",
        "active": "on",
        "is_default": "on",
        "version": str(pipeline.version),
        **_stage_post(pipeline, change=rename),
    }
    response = admin.post(f"/admin/pipelines/{pipeline.pk}/", data)
    assert response.status_code == 302
    first = pipeline.stages.get(name_en="Qualification")
    assert first.name_zh_hans == "初次接触" and first.order == 99
    # a change of the stages alone is a new version of the pipeline, and of nothing else
    assert Pipeline.objects.get(pk=pipeline.pk).version == pipeline.version + 1
    assert Opportunity.objects.get(pk=opp.pk).version == opp.version

    # removing the stage that holds the deal is refused
    pipeline.refresh_from_db()

    def drop(rows):
        rows[[r["name_en"] for r in rows].index("Qualification")]["remove"] = "on"

    data.update(version=str(pipeline.version), **_stage_post(pipeline, change=drop))
    response = admin.post(f"/admin/pipelines/{pipeline.pk}/", data)
    assert (
        response.status_code == 200
        and "Stages with opportunities cannot be removed" in response.content.decode()
    )
    page = admin.get(f"/admin/pipelines/{pipeline.pk}/").content.decode()
    assert 'data-testid="stage-move"' in page
    proposal = pipeline.stages.get(name_en="Proposal")
    response = admin.post(
        f"/admin/pipelines/{pipeline.pk}/stages/{first.pk}/delete/", {"move_to": proposal.pk}
    )
    assert response.status_code == 302
    assert Opportunity.objects.get(pk=opp.pk).stage == proposal


@pytest.mark.parametrize("rate, ok", [("7.1", True), ("-1", False), ("abc", False), ("1e9", False)])
def test_exchange_rates_page(web, db, rate, ok):
    from guanxi.sales.models import ExchangeRate

    admin = web("admin")
    response = admin.post("/admin/exchange-rates/", {"currency": "usd", "rate": rate})
    assert (response.status_code == 302) is ok
    assert ExchangeRate.objects.filter(currency="USD").exists() is ok
    if ok:
        assert "7.1" in admin.get("/admin/exchange-rates/").content.decode()
        assert admin.post("/admin/exchange-rates/USD/delete/").status_code == 302
        assert not ExchangeRate.objects.exists()
    else:
        assert "Enter a positive rate" in response.content.decode()
