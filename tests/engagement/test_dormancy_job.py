"""The dormancy job: thresholds per tier, boundaries, lifecycle moves, notifications, idempotence."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from guanxi.customers.models import Account, CustomerSettings, Health, Lifecycle, StageChange
from guanxi.engagement.dormancy import services
from guanxi.engagement.models import Notification
from tests.factories import AccountFactory

AS_OF = dt.date(2026, 3, 1)
AT = timezone.make_aware(dt.datetime(2026, 3, 1, 0, 0))  # the job evaluates at the start of the day
SECOND = dt.timedelta(seconds=1)


def make(
    owner,
    *,
    tier="B",
    ref: dt.datetime,
    contacted=True,
    stage=Lifecycle.ACTIVE,
    health=Health.ACTIVE,
    **fields,
) -> Account:
    """An account whose last interaction was `ref` (a follow-up, or only its creation)."""
    account = AccountFactory(owner=owner, tier=tier, **fields)
    Account._base_manager.filter(pk=account.pk).update(
        last_contact_at=ref if contacted else None,
        created_at=ref if not contacted else ref - dt.timedelta(days=400),
        lifecycle_stage=stage,
        health=health,
    )
    return Account._base_manager.get(pk=account.pk)


def health_of(account) -> str:
    return Account._base_manager.values_list("health", flat=True).get(pk=account.pk)


def stage_of(account) -> str:
    return Account._base_manager.values_list("lifecycle_stage", flat=True).get(pk=account.pk)


def days(n) -> dt.timedelta:
    return dt.timedelta(days=n)


@pytest.mark.django_db
@pytest.mark.parametrize(("tier", "threshold"), [("A", 30), ("B", 60), ("C", 90), ("", 90)])
def test_boundaries_per_tier_default_thresholds(org, tier, threshold):
    drift = dt.timedelta(seconds=threshold * 86400 * 2 // 3)
    cases = {
        "at_drift_point": (AT - drift, Health.ACTIVE),  # exactly 2T/3: not yet
        "just_past_drift": (AT - drift - SECOND, Health.DRIFTING),
        "at_threshold": (AT - days(threshold), Health.DRIFTING),  # exactly T: not yet dormant
        "just_past_threshold": (AT - days(threshold) - SECOND, Health.DORMANT),
        "recent": (AT - days(1), Health.ACTIVE),
    }
    accounts = {name: make(org["rep1"], tier=tier, ref=ref) for name, (ref, _h) in cases.items()}
    services.dormancy_check(as_of=AS_OF)
    assert {n: health_of(a) for n, a in accounts.items()} == {n: h for n, (_r, h) in cases.items()}


@pytest.mark.django_db
def test_thresholds_come_from_settings_and_tiers_are_separate(org):
    CustomerSettings.objects.filter(pk=CustomerSettings.load().pk).update(
        dormancy_days_a=3, dormancy_days_b=6, dormancy_days_c=9, dormancy_days_other=12
    )
    ref = AT - days(5)  # 5 days silent
    a, b, c, none = (make(org["rep1"], tier=t, ref=ref) for t in ("A", "B", "C", ""))
    services.dormancy_check(as_of=AS_OF)
    # A: dormant after 3; B: drifting after 4, dormant after 6; C: drifting after 6; none: after 8
    assert [health_of(x) for x in (a, b, c, none)] == [
        Health.DORMANT,
        Health.DRIFTING,
        Health.ACTIVE,
        Health.ACTIVE,
    ]


@pytest.mark.django_db
def test_never_contacted_counts_from_creation(org):
    old = make(org["rep1"], tier="A", ref=AT - days(31), contacted=False)
    young = make(org["rep1"], tier="A", ref=AT - days(5), contacted=False)
    services.dormancy_check(as_of=AS_OF)
    assert health_of(old) == Health.DORMANT
    assert health_of(young) == Health.ACTIVE


@pytest.mark.django_db
def test_lifecycle_moves_and_history(org):
    rep1 = org["rep1"]
    drifting_ref, dormant_ref = AT - days(45), AT - days(70)  # tier B: drifting after 40, dormant after 60
    moved = {
        "active→at_risk": (make(rep1, ref=drifting_ref, stage=Lifecycle.ACTIVE), Lifecycle.AT_RISK),
        "new→at_risk": (make(rep1, ref=drifting_ref, stage=Lifecycle.NEW), Lifecycle.AT_RISK),
        "won_back→at_risk": (make(rep1, ref=drifting_ref, stage=Lifecycle.WON_BACK), Lifecycle.AT_RISK),
        "active→dormant": (make(rep1, ref=dormant_ref, stage=Lifecycle.ACTIVE), Lifecycle.DORMANT),
        "at_risk→dormant": (
            make(rep1, ref=dormant_ref, stage=Lifecycle.AT_RISK, health=Health.DRIFTING),
            Lifecycle.DORMANT,
        ),
    }
    kept = {
        "prospect drifting": (make(rep1, ref=drifting_ref, stage=Lifecycle.PROSPECT), Lifecycle.PROSPECT),
        "prospect dormant": (make(rep1, ref=dormant_ref, stage=Lifecycle.PROSPECT), Lifecycle.PROSPECT),
        "lost dormant": (make(rep1, ref=dormant_ref, stage=Lifecycle.LOST), Lifecycle.LOST),
        "at_risk drifting": (make(rep1, ref=drifting_ref, stage=Lifecycle.AT_RISK), Lifecycle.AT_RISK),
        "active and active": (make(rep1, ref=AT - days(2), stage=Lifecycle.ACTIVE), Lifecycle.ACTIVE),
    }
    before = timezone.now()
    services.dormancy_check(as_of=AS_OF)
    for name, (account, expected) in {**moved, **kept}.items():
        assert stage_of(account) == expected, name
    rows = {r.account_id: r for r in StageChange.objects.all()}
    assert set(rows) == {a.pk for a, _s in moved.values()}
    for name, (account, expected) in moved.items():
        row = rows[account.pk]
        assert (row.field, row.old, row.new, row.automatic, row.actor_id) == (
            "lifecycle_stage",
            name.split("→")[0],
            expected,
            True,
            None,
        ), name
        assert row.at >= before
    assert rows[moved["active→dormant"][0].pk].reason == "No contact for longer than the dormancy threshold."
    assert (
        rows[moved["active→at_risk"][0].pk].reason == "No contact for two thirds of the dormancy threshold."
    )


@pytest.mark.django_db
def test_one_notification_per_owner_with_counts(org):
    for _i in range(3):
        make(org["rep1"], ref=AT - days(45))  # drifting
    make(org["rep1"], ref=AT - days(70))  # dormant
    make(org["rep2"], ref=AT - days(70))  # dormant
    make(org["rep3"], ref=AT - days(1))  # active: nothing to say
    services.dormancy_check(as_of=AS_OF)
    notes = {n.user.username: n for n in Notification.objects.select_related("user")}
    assert set(notes) == {"rep1", "rep2"}
    assert notes["rep1"].kind == Notification.Kind.DORMANCY
    assert notes["rep1"].url == "/customers/drifting/"
    assert "3" in notes["rep1"].title and "1" in notes["rep1"].title


@pytest.mark.django_db
def test_notification_in_the_owners_language(org):
    rep1 = org["rep1"]
    rep1.language = "en"
    rep1.save(update_fields=["language"])
    make(rep1, ref=AT - days(45))
    make(rep1, ref=AT - days(46))
    services.dormancy_check(as_of=AS_OF)
    assert Notification.objects.get(user=rep1).title == "2 customers are drifting away"


@pytest.mark.django_db
def test_second_run_changes_nothing_and_notifies_once(org):
    drifting = make(org["rep1"], ref=AT - days(45))
    dormant = make(org["rep1"], ref=AT - days(70))
    first = services.dormancy_check(as_of=AS_OF)
    assert (first.drifting, first.dormant, first.notifications) == (1, 1, 1)
    since = dict(Account._base_manager.values_list("id", "health_since"))
    assert since[drifting.pk] is not None and since[dormant.pk] is not None
    snapshot = (
        list(
            Account._base_manager.order_by("id").values_list(
                "health", "lifecycle_stage", "health_since", "version", "updated_at"
            )
        ),
        StageChange.objects.count(),
        Notification.objects.count(),
    )
    second = services.dormancy_check(as_of=AS_OF)
    assert (second.drifting, second.dormant, second.active, second.stage_changes, second.notifications) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert snapshot == (
        list(
            Account._base_manager.order_by("id").values_list(
                "health", "lifecycle_stage", "health_since", "version", "updated_at"
            )
        ),
        StageChange.objects.count(),
        Notification.objects.count(),
    )


@pytest.mark.django_db
def test_later_day_moves_drifting_to_dormant(org):
    account = make(org["rep1"], ref=AT - days(45))
    services.dormancy_check(as_of=AS_OF)
    assert (health_of(account), stage_of(account)) == (Health.DRIFTING, Lifecycle.AT_RISK)
    services.dormancy_check(as_of=AS_OF + days(20))  # now 65 days silent
    assert (health_of(account), stage_of(account)) == (Health.DORMANT, Lifecycle.DORMANT)
    assert list(StageChange.objects.filter(account=account).order_by("id").values_list("old", "new")) == [
        ("active", "at_risk"),
        ("at_risk", "dormant"),
    ]
    assert Notification.objects.filter(user=org["rep1"]).count() == 2


@pytest.mark.django_db
def test_recent_contact_makes_active_again_without_stage_move(org):
    account = make(org["rep1"], ref=AT - days(2), stage=Lifecycle.AT_RISK, health=Health.DRIFTING)
    result = services.dormancy_check(as_of=AS_OF)
    assert health_of(account) == Health.ACTIVE
    assert stage_of(account) == Lifecycle.AT_RISK  # only a follow-up moves the stage back
    assert (result.active, result.notifications, StageChange.objects.count()) == (1, 0, 0)


@pytest.mark.django_db
def test_deleted_accounts_untouched(org):
    from guanxi.customers.directory import services as customer_services

    account = make(org["rep1"], ref=AT - days(200))
    customer_services.account_delete(actor=org["rep1"], account=account, version=account.version)
    before = Account._base_manager.values_list("health", "lifecycle_stage", "health_since").get(pk=account.pk)
    result = services.dormancy_check(as_of=AS_OF)
    assert (
        Account._base_manager.values_list("health", "lifecycle_stage", "health_since").get(pk=account.pk)
        == before
    )
    assert (result.dormant, result.notifications, StageChange.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_deactivated_owner_gets_no_notification_but_health_moves(org):
    account = make(org["rep2"], ref=AT - days(70))
    org["rep2"].is_active = False
    org["rep2"].save(update_fields=["is_active"])
    services.dormancy_check(as_of=AS_OF)
    assert health_of(account) == Health.DORMANT
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_fixed_number_of_queries(org, django_assert_max_num_queries):
    for i in range(30):
        make(org[("rep1", "rep2", "rep3")[i % 3]], tier="ABC"[i % 3], ref=AT - days(i * 4))
    CustomerSettings.load()  # the row exists in every real installation
    with django_assert_max_num_queries(
        9
    ):  # settings, stage history, per-owner counts, users, notifications, 2 updates
        result = services.dormancy_check(as_of=AS_OF)
    assert result.drifting + result.dormant > 10


@pytest.mark.django_db
def test_runjob_command_with_as_of(org):
    account = make(org["rep1"], ref=AT - days(70))
    out = StringIO()
    call_command("runjob", "dormancy", "--as-of", "2026-03-01", stdout=out)
    assert health_of(account) == Health.DORMANT
    assert "1 dormant" in out.getvalue()
    listing = StringIO()
    call_command("runjob", "--list", stdout=listing)
    assert "dormancy" in listing.getvalue()
