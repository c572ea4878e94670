"""The shared pools (公海): a pool, its rules, and the events of records moving in and out.

Records in a pool have no owner (owner NULL, pool set): the access layer's owner condition
never matches them, so only the pool's own selectors (pools/selectors.py) show them, to the
pool's members, masked when the pool says so. Accounts carry the same three pool columns
(customers.Account.pool, owned_since, pool_locked) as leads."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import SoftDeletable, TimeStamped, Versioned


class Pool(TimeStamped, Versioned, SoftDeletable):
    """A shared pool of customers or leads that members may claim. Reclaim rules apply to the
    records owned by its members (pools/reclaim.py)."""

    POLICY_OBJECT_TYPE = "pool"

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Customers")
        LEAD = "lead", _("Leads")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=500, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="pools"
    )
    member_departments = models.ManyToManyField(
        "org.Department", verbose_name=_("member departments"), blank=True, related_name="pools"
    )  # with their sub-departments
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pool administrators"),
        blank=True,
        related_name="administered_pools",
    )
    daily_claim_limit = models.PositiveIntegerField(_("claims per user per day"), null=True, blank=True)
    ownership_cap = models.PositiveIntegerField(_("records a user may own at most"), null=True, blank=True)
    cap_counts_won = models.BooleanField(_("won customers count towards the cap"), default=True)
    former_owner_cooldown_days = models.PositiveIntegerField(
        _("days before a former owner may claim again"), default=0
    )
    reminder_days = models.PositiveIntegerField(_("remind owners this many days before reclaim"), default=0)
    lock_limit = models.PositiveIntegerField(_("locked records per user at most"), null=True, blank=True)
    mask_contact_info = models.BooleanField(_("mask phone numbers and emails until claimed"), default=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)  # the first pool of a member's takes reclaims

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("pool")
        verbose_name_plural = _("pools")

    def __str__(self) -> str:
        return self.name


class PoolRule(models.Model):
    """Automatic reclaim: a member's record goes back to the pool after `days` (per tier)."""

    class Kind(models.TextChoices):
        NO_FOLLOWUP = "no_followup", _("No follow-up for N days")
        NO_OPPORTUNITY = "no_opportunity", _("No open opportunity N days after claim")
        NOT_WON = "not_won", _("Not won N days after claim")

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("rule"), max_length=20, choices=Kind.choices)
    days = models.PositiveIntegerField(_("days"), validators=[MinValueValidator(1), MaxValueValidator(3650)])
    tier = models.CharField(_("tier"), max_length=1, blank=True)  # "" = every tier

    class Meta:
        ordering = ["pool", "kind", "tier", "id"]
        constraints = [models.UniqueConstraint(fields=["pool", "kind", "tier"], name="pool_rule_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.days} {self.tier}"


class PoolEvent(models.Model):
    """Every move in or out of a pool and every owner change it causes, with its reason."""

    class Action(models.TextChoices):
        CLAIM = "claim", _("Claimed")
        ASSIGN = "assign", _("Assigned")
        RETURN = "return", _("Returned")
        RECLAIM = "reclaim", _("Reclaimed automatically")
        ENTER = "enter", _("Put in the pool")
        LOCK = "lock", _("Locked")
        UNLOCK = "unlock", _("Unlocked")
        REMIND = "remind", _("Reclaim reminder")

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="events")
    object_type = models.CharField(max_length=20)  # "account" or "lead"
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["object_type", "object_id", "-created_at"], name="pool_event_object_idx"),
            models.Index(fields=["to_owner", "action", "created_at"], name="pool_event_claims_idx"),
            models.Index(
                fields=["from_owner", "object_type", "object_id", "-created_at"], name="pool_event_former_idx"
            ),
            models.Index(fields=["pool", "-created_at"], name="pool_event_pool_idx"),
        ]
