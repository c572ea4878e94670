"""lifecycle.py: follow-ups bring customers back; health thresholds; stage_set permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.core.errors import NotFound, PermissionDenied, ValidationFailed
from guanxi.customers.directory import selectors
from guanxi.customers.lifecycle import services as lifecycle
from guanxi.customers.models import Account, CustomerSettings, Health, Lifecycle, StageChange
from tests.factories import AccountFactory


def _set(account, **fields) -> Account:
    Account._base_manager.filter(pk=account.pk).update(**fields)
    return Account._base_manager.get(pk=account.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stage", "health", "expected_stage"),
    [
        (Lifecycle.AT_RISK, Health.DRIFTING, Lifecycle.ACTIVE),
        (Lifecycle.DORMANT, Health.DORMANT, Lifecycle.WON_BACK),
        (Lifecycle.LOST, Health.DORMANT, Lifecycle.WON_BACK),
    ],
)
def test_followup_brings_customer_back(org, stage, health, expected_stage):
    account = _set(
        AccountFactory(owner=org["rep1"]),
        lifecycle_stage=stage,
        health=health,
        last_contact_at=timezone.now() - dt.timedelta(days=200),
    )
    lifecycle.followup_logged(actor=org["rep1"], account=account, at=timezone.now())
    fresh = Account._base_manager.get(pk=account.pk)
    assert (fresh.lifecycle_stage, fresh.health) == (expected_stage, Health.ACTIVE)
    assert fresh.health_since is not None
    assert (account.lifecycle_stage, account.health) == (expected_stage, Health.ACTIVE)  # the object follows
    change = StageChange.objects.get(account=account)
    assert (change.old, change.new, change.automatic, change.actor_id) == (
        stage,
        expected_stage,
        True,
        org["rep1"].pk,
    )
    assert change.reason == "A follow-up was logged."


@pytest.mark.django_db
@pytest.mark.parametrize("stage", [Lifecycle.PROSPECT, Lifecycle.NEW, Lifecycle.ACTIVE, Lifecycle.WON_BACK])
def test_followup_keeps_other_stages_but_heals(org, stage):
    account = _set(AccountFactory(owner=org["rep1"]), lifecycle_stage=stage, health=Health.DRIFTING)
    lifecycle.followup_logged(actor=org["rep1"], account=account, at=timezone.now())
    fresh = Account._base_manager.get(pk=account.pk)
    assert (fresh.lifecycle_stage, fresh.health) == (stage, Health.ACTIVE)
    assert not StageChange.objects.exists()


@pytest.mark.django_db
def test_backdated_followup_changes_nothing(org):
    """A follow-up entered today for a call half a year ago does not make the customer active."""
    account = _set(
        AccountFactory(owner=org["rep1"], tier="A"),
        lifecycle_stage=Lifecycle.DORMANT,
        health=Health.DORMANT,
        last_contact_at=None,
    )
    lifecycle.followup_logged(actor=org["rep1"], account=account, at=timezone.now() - dt.timedelta(days=180))
    fresh = Account._base_manager.get(pk=account.pk)
    assert (fresh.lifecycle_stage, fresh.health) == (Lifecycle.DORMANT, Health.DORMANT)
    assert not StageChange.objects.exists()


@pytest.mark.django_db
def test_followup_on_healthy_account_writes_nothing(org, django_assert_max_num_queries):
    account = AccountFactory(owner=org["rep1"])
    CustomerSettings.load()
    with django_assert_max_num_queries(1):  # the settings row, nothing written
        lifecycle.followup_logged(actor=org["rep1"], account=account, at=timezone.now())
    assert not StageChange.objects.exists()


@pytest.mark.django_db
def test_health_for_thresholds():
    settings = CustomerSettings(
        dormancy_days_a=30, dormancy_days_b=60, dormancy_days_c=90, dormancy_days_other=15
    )
    at = timezone.now()
    assert (
        lifecycle.health_for(tier="A", reference=at - dt.timedelta(days=20), at=at, settings=settings)
        == Health.ACTIVE
    )
    assert (
        lifecycle.health_for(tier="A", reference=at - dt.timedelta(days=21), at=at, settings=settings)
        == Health.DRIFTING
    )
    assert (
        lifecycle.health_for(tier="A", reference=at - dt.timedelta(days=31), at=at, settings=settings)
        == Health.DORMANT
    )
    assert (
        lifecycle.health_for(tier="", reference=at - dt.timedelta(days=11), at=at, settings=settings)
        == Health.DRIFTING
    )
    assert (
        lifecycle.health_for(tier="C", reference=at - dt.timedelta(days=11), at=at, settings=settings)
        == Health.ACTIVE
    )


STAGE_BY_PERSONA = {
    "rep1": "ok",
    "manager1": "ok",
    "agent1": "ok",
    "director": "ok",
    "admin": "ok",
    "rep2": NotFound,
    "rep3": NotFound,
    "marketer1": PermissionDenied,
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", list(STAGE_BY_PERSONA))
def test_stage_set_by_hand_permissions(org, persona):
    """Reads go through the selector (404 for the invisible), the service requires update rights."""
    account = AccountFactory(owner=org["rep1"])
    expected = STAGE_BY_PERSONA[persona]
    if expected == "ok":
        visible = selectors.account_get(org[persona], account.pk)
        lifecycle.stage_set(actor=org[persona], account=visible, field="lifecycle_stage", value="active")
        assert Account._base_manager.get(pk=account.pk).lifecycle_stage == Lifecycle.ACTIVE
        return
    with pytest.raises(expected):
        visible = selectors.account_get(org[persona], account.pk)
        lifecycle.stage_set(actor=org[persona], account=visible, field="lifecycle_stage", value="active")
    with pytest.raises((NotFound, PermissionDenied)):  # the service itself refuses too
        lifecycle.stage_set(actor=org[persona], account=account, field="lifecycle_stage", value="active")
    assert Account._base_manager.get(pk=account.pk).lifecycle_stage == Lifecycle.PROSPECT
    assert not StageChange.objects.exists()


@pytest.mark.django_db
def test_stage_set_on_deleted_account_conflicts(org):
    from guanxi.core.errors import VersionConflict
    from guanxi.customers.directory import services

    account = AccountFactory(owner=org["rep1"])
    stale = Account._base_manager.get(pk=account.pk)
    services.account_delete(actor=org["rep1"], account=account, version=account.version)
    stale.deleted_at = None  # a copy read before the delete
    with pytest.raises((VersionConflict, PermissionDenied, NotFound)):
        lifecycle.stage_set(actor=org["rep1"], account=stale, field="lifecycle_stage", value="active")
    assert Account._base_manager.get(pk=account.pk).lifecycle_stage == Lifecycle.PROSPECT


@pytest.mark.django_db
def test_stage_set_validation_names_fields(org):
    account = AccountFactory(owner=org["rep1"])
    for kwargs, field in [
        ({"field": "owner", "value": "x"}, "field"),
        ({"field": "lifecycle_stage", "value": "x"}, "value"),
        ({"field": "lifecycle_stage", "value": "active", "reason": 5}, "reason"),
    ]:
        with pytest.raises(ValidationFailed) as exc:
            lifecycle.stage_set(actor=org["rep1"], account=account, **kwargs)
        assert field in exc.value.fields
