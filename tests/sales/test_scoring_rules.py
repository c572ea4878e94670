"""Lead scoring: rules, rescore() for one lead and for many, reasons, the API's validation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.helpers import assert_error, patch_json, post_json


def make_rule(org, **data):
    from guanxi.sales.scoring import services

    return services.scoring_rule_create(actor=org["admin"], data={"name": "r", "points": 10, **data})


def make_lead(org, owner="rep1", **data):
    from guanxi.sales.leads.services import lead_create

    return lead_create(actor=org[owner], data={"name": "王芳", **data})


def followup(lead, owner, *, days: float, direction: str = "", deleted: bool = False):
    from guanxi.engagement.models import Activity

    return Activity._base_manager.create(
        owner=owner,
        created_by=owner,
        kind="call",
        direction=direction,
        lead=lead,
        occurred_at=lead.created_at + dt.timedelta(days=days),
        deleted_at=timezone.now() if deleted else None,
    )


def fresh(lead):
    from guanxi.sales.models import Lead

    return Lead._base_manager.get(pk=lead.pk)


@pytest.mark.django_db
def test_field_rules_add_points_with_reasons(org):
    from guanxi.sales.scoring.services import rescore

    manufacturing = make_rule(
        org, name="Manufacturing", field="industry", operator="equals", value="manufacturing"
    )
    east = make_rule(
        org, name="East China", field="province", operator="in", value=["浙江省", "上海市"], points=5
    )
    bigcorp = make_rule(
        org, name="Big corp mail", field="email", operator="contains", value="@BigCorp.com", points=7
    )
    make_rule(org, name="Has mobile", field="mobile", operator="not_empty", points=3)
    make_rule(org, name="Cold call", field="source", operator="equals", value="cold_call", points=-4)
    make_rule(org, name="Inactive", field="company", operator="not_empty", points=100, active=False)
    lead = make_lead(org, industry="manufacturing", province=" 浙江省 ", email="li@bigcorp.com", company="X")
    rescore(lead)
    lead = fresh(lead)
    assert lead.score == 10 + 5 + 7
    assert lead.score_reasons == [
        {"rule": manufacturing.pk, "label": "Manufacturing", "points": 10},
        {"rule": east.pk, "label": "East China", "points": 5},
        {"rule": bigcorp.pk, "label": "Big corp mail", "points": 7},
    ]


@pytest.mark.django_db
def test_the_lead_service_rescores_on_create_and_update(org):
    from guanxi.sales.leads.services import lead_update

    make_rule(org, name="IT", field="industry", operator="equals", value="it", points=12)
    lead = make_lead(org, industry="it")
    assert fresh(lead).score == 12
    lead_update(actor=org["rep1"], lead=fresh(lead), data={"industry": "finance"}, version=None)
    assert fresh(lead).score == 0 and fresh(lead).score_reasons == []


@pytest.mark.django_db
def test_activity_rules(org):
    from guanxi.sales.scoring.services import rescore

    quick = make_rule(
        org,
        name="Followed up within 1 day",
        kind="activity",
        operator="followup_within_days",
        value=1,
        points=5,
    )
    make_rule(org, name="Three follow-ups", kind="activity", operator="followups_at_least", value=3, points=8)
    replied = make_rule(
        org, name="Replied within 2 days", kind="activity", operator="inbound_reply", value=2, points=20
    )
    lead = make_lead(org)
    rep = org["rep1"]
    followup(lead, rep, days=3)
    rescore(lead)
    assert fresh(lead).score == 0
    followup(lead, rep, days=1.5, direction="inbound")
    followup(lead, rep, days=0.5, deleted=True)  # deleted follow-ups do not count
    rescore(fresh(lead))
    assert fresh(lead).score == 20 and [r["rule"] for r in fresh(lead).score_reasons] == [replied.pk]
    followup(lead, rep, days=0.5, direction="outbound")
    rescore(fresh(lead))
    assert fresh(lead).score == 5 + 8 + 20
    assert [r["rule"] for r in fresh(lead).score_reasons][0] == quick.pk


@pytest.mark.django_db
def test_a_follow_up_logged_through_the_service_rescores_the_lead(org, django_capture_on_commit_callbacks):
    from guanxi.engagement.followups.services import activity_create

    make_rule(org, name="Replied", kind="activity", operator="inbound_reply", value=2, points=20)
    lead = make_lead(org)
    with django_capture_on_commit_callbacks(execute=True):  # sales rescores on `activity_logged`
        activity_create(
            actor=org["rep1"],
            data={"kind": "call", "direction": "inbound", "lead": lead.pk, "subject": "回电"},
        )
    assert fresh(lead).score == 20


@pytest.mark.django_db
def test_many_leads_set_based_and_version_untouched(org, django_assert_max_num_queries):
    from guanxi.sales.models import Lead
    from guanxi.sales.scoring.services import rescore, rescore_open_leads

    leads = [make_lead(org, industry="it" if i % 2 else "retail") for i in range(30)]
    versions = {lead.pk: fresh(lead).version for lead in leads}
    updated = {lead.pk: fresh(lead).updated_at for lead in leads}
    make_rule(org, name="IT", field="industry", operator="equals", value="it", points=9)
    make_rule(org, name="Replied", kind="activity", operator="inbound_reply", value=2, points=1)
    followup(leads[0], org["rep1"], days=1, direction="inbound")
    with django_assert_max_num_queries(
        5
    ):  # rules, ids, the batch with its follow-up figures, one bulk update, no more ids
        rescore(Lead._base_manager.filter(pk__in=[x.pk for x in leads]))
    scores = dict(Lead._base_manager.filter(pk__in=versions).values_list("id", "score"))
    assert scores[leads[0].pk] == 1 and scores[leads[1].pk] == 9 and scores[leads[2].pk] == 0
    assert all(fresh(x).version == versions[x.pk] and fresh(x).updated_at == updated[x.pk] for x in leads)
    # a list of leads works too, and nothing changes a second time
    rescore(leads[:3])
    assert rescore_open_leads() == 0


@pytest.mark.django_db
def test_rule_changes_rescore_open_leads_after_commit(org, django_capture_on_commit_callbacks):
    from guanxi.sales.scoring import services

    lead = make_lead(org, industry="energy")
    converted = make_lead(org, industry="energy")
    from guanxi.sales.models import Lead

    Lead._base_manager.filter(pk=converted.pk).update(status="converted")
    with django_capture_on_commit_callbacks() as callbacks:
        rule = make_rule(org, name="Energy", field="industry", operator="equals", value="energy", points=6)
    assert [cb.__name__ for cb in callbacks] == ["start_rescore_all"]
    assert services.rescore_open_leads() == 1  # what the background task runs
    assert fresh(lead).score == 6 and fresh(converted).score == 0
    with django_capture_on_commit_callbacks() as callbacks:
        services.scoring_rule_update(actor=org["admin"], rule=rule, data={"points": 4}, version=rule.version)
    assert len(callbacks) == 1
    services.rescore_open_leads()
    assert fresh(lead).score == 4 and fresh(lead).score_reasons[0]["points"] == 4
    services.scoring_rule_delete(actor=org["admin"], rule=rule, version=rule.version)
    services.rescore_open_leads()
    assert fresh(lead).score == 0


@pytest.mark.django_db
def test_api_round_trip_and_versions(api, org):
    client = api("admin")
    r = post_json(
        client,
        "/api/v1/scoring-rules",
        {
            "name": "Manufacturing",
            "field": "industry",
            "operator": "equals",
            "value": "manufacturing",
            "points": 10,
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["kind"], body["value"], body["points"], body["version"]) == ("field", "manufacturing", 10, 1)
    assert body["description"]
    url = f"/api/v1/scoring-rules/{body['id']}"
    assert client.get(url)["ETag"] == '"1"'
    assert_error(patch_json(client, url, {"points": 5}), 428)
    assert_error(patch_json(client, url, {"points": 5}, HTTP_IF_MATCH='"9"'), 412)
    r = patch_json(
        client, url, {"kind": "activity", "operator": "followups_at_least", "value": 3}, HTTP_IF_MATCH='"1"'
    )
    assert r.status_code == 200 and r.json()["field"] == "" and r.json()["version"] == 2
    assert_error(client.delete(url), 428)
    assert client.delete(url, HTTP_IF_MATCH='"2"').status_code == 204
    assert_error(client.get(url), 404)


BAD = [
    ({"points": 10}, "name"),
    ({"name": "x"}, "points"),
    ({"name": "x", "points": 0, "field": "industry", "value": "it"}, "points"),
    ({"name": "x", "points": 1001, "field": "industry", "value": "it"}, "points"),
    ({"name": "x", "points": "10", "field": "industry", "value": "it"}, "points"),
    ({"name": "x", "points": True, "field": "industry", "value": "it"}, "points"),
    ({"name": "x", "points": 5, "field": "owner", "value": "admin"}, "field"),
    ({"name": "x", "points": 5, "field": "industry'; --", "value": "it"}, "field"),
    ({"name": "x", "points": 5, "field": "industry", "value": "spaceships"}, "value"),
    (
        {"name": "x", "points": 5, "field": "source", "operator": "in", "value": ["web_form", "<script>"]},
        "value",
    ),
    ({"name": "x", "points": 5, "field": "city", "operator": "in", "value": []}, "value"),
    ({"name": "x", "points": 5, "field": "city", "operator": "equals", "value": "x" * 201}, "value"),
    ({"name": "x", "points": 5, "field": "city", "operator": "equals", "value": 7}, "value"),
    ({"name": "x", "points": 5, "field": "city", "operator": "followups_at_least", "value": 2}, "operator"),
    ({"name": "x", "points": 5, "kind": "activity", "operator": "equals", "value": "x"}, "operator"),
    ({"name": "x", "points": 5, "kind": "activity", "operator": "inbound_reply", "value": 0}, "value"),
    ({"name": "x", "points": 5, "kind": "activity", "operator": "inbound_reply", "value": 10**12}, "value"),
    ({"name": "x", "points": 5, "kind": "activity", "operator": "inbound_reply", "value": "=1+1"}, "value"),
    (
        {
            "name": "x",
            "points": 5,
            "kind": "activity",
            "operator": "inbound_reply",
            "value": 2,
            "field": "city",
        },
        "field",
    ),
    ({"name": "x", "points": 5, "kind": "magic"}, "kind"),
    ({"name": "", "points": 5, "field": "city", "value": "杭州"}, "name"),
    ({"name": "x" * 101, "points": 5, "field": "city", "value": "杭州"}, "name"),
    ({"name": "x", "points": 5, "field": "city", "value": "杭州", "score": 3}, "score"),
    ({"name": "x", "points": 5, "field": "city", "value": "杭州", "version": 3}, "version"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "field"), BAD)
def test_bad_rules_are_400_naming_the_field(api, org, body, field):
    from guanxi.sales.models import ScoringRule

    assert_error(post_json(api("admin"), "/api/v1/scoring-rules", body), 400, field)
    assert ScoringRule.objects.count() == 0


@pytest.mark.django_db
def test_admin_screens(web, org):
    from guanxi.sales.models import ScoringRule

    client = web("admin")
    assert client.get("/admin/scoring-rules/").status_code == 200
    r = client.post(
        "/admin/scoring-rules/new/",
        {
            "name": "East",
            "kind": "field",
            "field": "province",
            "operator": "in",
            "value": "浙江省，上海市",
            "points": "5",
            "active": "on",
        },
    )
    assert r.status_code == 302
    rule = ScoringRule.objects.get()
    assert rule.value == ["浙江省", "上海市"]
    page = client.get("/admin/scoring-rules/").content.decode()
    assert "East" in page and "+5" in page
    r = client.post(
        f"/admin/scoring-rules/{rule.pk}/",
        {
            "name": "East",
            "kind": "field",
            "field": "province",
            "operator": "in",
            "value": "",
            "points": "5",
            "version": rule.version,
        },
    )
    assert r.status_code == 200 and "Enter 1 to 50 values" in r.content.decode()
    assert (
        client.post(f"/admin/scoring-rules/{rule.pk}/delete/", {"version": rule.version}).status_code == 302
    )
    assert not ScoringRule.objects.exists()
    assert web("manager1").get("/admin/scoring-rules/").status_code == 403
    assert web("rep1").post("/admin/scoring-rules/new/", {"name": "x"}).status_code == 403
