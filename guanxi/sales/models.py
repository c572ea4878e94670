"""Sales: leads (线索), web-to-lead forms, scoring and assignment rules, the shared pools (公海),
pipelines and opportunities (商机), targets (业绩目标) and exchange rates for the forecast.

Records in a pool have no owner (owner NULL, pool set): the access layer's owner condition
never matches them, so only the pool's own selectors (pools/selectors.py) show them, to the
pool's members, masked when the pool says so. Accounts carry the same three pool columns
(customers.Account.pool, owned_since, pool_locked) as leads."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import CustomerRecord, SoftDeletable, TimeStamped, Versioned
from guanxi.core.validators import format_phone
from guanxi.customers.models import Account, Contact, ContactRole, Industry
from guanxi.search.tokenizers import Terms

LIVE = Q(deleted_at__isnull=True)


def localized(obj, prefix: str = "name") -> str:
    """`name_en`, `name_zh_hans` or `name_zh_hant` for the active language, English when empty."""
    lang = (translation.get_language() or "en").lower()
    suffix = (
        "zh_hant"
        if lang.startswith("zh-hant") or lang in ("zh-tw", "zh-hk")
        else "zh_hans"
        if lang.startswith("zh")
        else "en"
    )
    return getattr(obj, f"{prefix}_{suffix}", "") or getattr(obj, f"{prefix}_en", "")


# --- leads ------------------------------------------------------------------------------------


class LeadStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("lead status", "New")
    WORKING = "working", _("Working")
    QUALIFIED = "qualified", _("Qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")
    CONVERTED = "converted", _("Converted")


OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED)


class LeadSource(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    WEBSITE = "website", _("Website")
    PHONE = "phone", _("Inbound call")
    REFERRAL = "referral", _("Referral")
    CAMPAIGN = "campaign", _("Campaign")
    TRADE_SHOW = "trade_show", _("Trade show")
    ADVERTISING = "advertising", _("Advertising")
    PARTNER = "partner", _("Partner")
    COLD_CALL = "cold_call", _("Cold call")
    IMPORT = "import", _("Import")
    OTHER = "other", _("Other")


class Lead(CustomerRecord):
    """A person or company that may become a customer, before qualification."""

    POLICY_OBJECT_TYPE = "lead"

    # NULL while the lead sits in a pool (公海).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    name = models.CharField(_("name"), max_length=100)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    phone = models.CharField(_("office phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    wechat = models.CharField(_("WeChat ID"), max_length=50, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=LeadSource.choices, default=LeadSource.OTHER
    )
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    industry = models.CharField(_("industry"), max_length=30, blank=True, choices=Industry.choices)
    status = models.CharField(_("status"), max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW)
    unqualified_reason = models.CharField(_("reason unqualified"), max_length=300, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    # Kept by scoring/services.py: the total and why ([{"rule": id, "label": …, "points": n}]).
    score = models.IntegerField(_("score"), default=0, editable=False)
    score_reasons = models.JSONField(default=list, blank=True, editable=False)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True, editable=False)
    # Where it came from: the web form, and the consent text the person saw there.
    form = models.ForeignKey(
        "LeadForm",
        verbose_name=_("web form"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        editable=False,
    )
    consent_text = models.TextField(_("consent given"), blank=True, editable=False)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True, editable=False)
    # The shared pool: pool set and owner NULL while in it; owned_since counts the reclaim days.
    pool = models.ForeignKey(
        "Pool",
        verbose_name=_("pool"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        editable=False,
    )
    owned_since = models.DateTimeField(_("owned since"), null=True, blank=True, editable=False)
    pool_locked = models.BooleanField(_("locked"), default=False, editable=False)
    # Conversion (leads/conversion.py): what the lead became.
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True, editable=False)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        editable=False,
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        editable=False,
    )
    opportunity = models.ForeignKey(
        "Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["-updated_at", "-id"], condition=LIVE, name="lead_updated_idx"),
            models.Index(fields=["-created_at", "-id"], condition=LIVE, name="lead_created_idx"),
            models.Index(
                fields=["owner", "-updated_at", "-id"], condition=LIVE, name="lead_owner_updated_idx"
            ),
            models.Index(fields=["owner", "status"], condition=LIVE, name="lead_owner_status_idx"),
            models.Index(fields=["status", "-updated_at", "-id"], condition=LIVE, name="lead_status_idx"),
            models.Index(fields=["source", "-created_at", "-id"], condition=LIVE, name="lead_source_idx"),
            models.Index(fields=["-score", "-id"], condition=LIVE, name="lead_score_idx"),
            models.Index(fields=["province", "city"], condition=LIVE, name="lead_region_idx"),
            models.Index(
                fields=["pool", "-updated_at", "-id"],
                condition=LIVE & Q(pool__isnull=False),
                name="lead_pool_idx",
            ),
            models.Index(fields=["mobile"], condition=~Q(mobile=""), name="lead_mobile_idx"),
            models.Index(fields=["email"], condition=~Q(email=""), name="lead_email_idx"),
            models.Index(
                fields=["form", "-created_at"], condition=Q(form__isnull=False), name="lead_form_idx"
            ),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="lead_bin_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.company}" if self.company else self.name

    @property
    def mobile_display(self) -> str:
        return format_phone(self.mobile)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_LEAD_STATUSES

    def search_terms(self) -> Terms:
        return Terms(
            text=[self.name, self.company, self.wechat], phones=[self.mobile, self.phone], emails=[self.email]
        )


# --- web-to-lead forms ------------------------------------------------------------------------


class LeadForm(TimeStamped, Versioned, SoftDeletable):
    """A public form (/f/<slug>) whose submissions become leads. Administrators build them."""

    POLICY_OBJECT_TYPE = "lead_form"

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("address"), max_length=60, unique=True)
    # [{"name": "mobile", "required": true, "label_en": "", "label_zh_hans": "", "label_zh_hant": ""}, …]
    # names are Lead fields (webforms/services.py FORM_FIELDS); empty labels use the field's own.
    fields = models.JSONField(_("fields"), default=list)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_zh_hans = models.CharField(_("title (Simplified Chinese)"), max_length=200, blank=True)
    title_zh_hant = models.CharField(_("title (Traditional Chinese)"), max_length=200, blank=True)
    consent_text_en = models.TextField(_("consent text (English)"), max_length=2000, blank=True)
    consent_text_zh_hans = models.TextField(
        _("consent text (Simplified Chinese)"), max_length=2000, blank=True
    )
    consent_text_zh_hant = models.TextField(
        _("consent text (Traditional Chinese)"), max_length=2000, blank=True
    )
    success_message_en = models.CharField(_("success message (English)"), max_length=500, blank=True)
    success_message_zh_hans = models.CharField(
        _("success message (Simplified Chinese)"), max_length=500, blank=True
    )
    success_message_zh_hant = models.CharField(
        _("success message (Traditional Chinese)"), max_length=500, blank=True
    )
    source = models.CharField(
        _("lead source"), max_length=20, choices=LeadSource.choices, default=LeadSource.WEB_FORM
    )
    # Where new leads go: a pool, else a user, else the assignment rules.
    pool = models.ForeignKey(
        "Pool", verbose_name=_("pool"), null=True, blank=True, on_delete=models.SET_NULL, related_name="forms"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner of new leads"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)
    submissions = models.PositiveIntegerField(_("submissions"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")

    def __str__(self) -> str:
        return self.name

    @property
    def title(self) -> str:
        return localized(self, "title") or self.name

    @property
    def consent_text(self) -> str:
        return localized(self, "consent_text")

    @property
    def success_message(self) -> str:
        return localized(self, "success_message")


# --- scoring and assignment -------------------------------------------------------------------


class ScoringRule(TimeStamped, Versioned):
    """Points a lead earns for a field value or for activity (scoring/services.py)."""

    POLICY_OBJECT_TYPE = "scoring_rule"

    class Kind(models.TextChoices):
        FIELD = "field", _("Field value")
        ACTIVITY = "activity", _("Activity")

    class Operator(models.TextChoices):
        EQUALS = "equals", _("is")
        IN = "in", _("is one of")
        CONTAINS = "contains", _("contains")
        NOT_EMPTY = "not_empty", _("is filled in")
        # activity rules
        FOLLOWUP_WITHIN_DAYS = "followup_within_days", _("followed up within N days of creation")
        FOLLOWUPS_AT_LEAST = "followups_at_least", _("at least N follow-ups")
        INBOUND_REPLY = "inbound_reply", _("replied (inbound follow-up) within N days")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FIELD)
    field = models.CharField(_("field"), max_length=40, blank=True)
    operator = models.CharField(
        _("condition"), max_length=30, choices=Operator.choices, default=Operator.EQUALS
    )
    value = models.JSONField(_("value"), default=str, blank=True)  # text, list of texts, or N
    points = models.IntegerField(_("points"), validators=[MinValueValidator(-1000), MaxValueValidator(1000)])
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")

    def __str__(self) -> str:
        return self.name


class AssignmentRule(TimeStamped, Versioned):
    """Who gets a new lead: the first active rule (by order) whose conditions all match."""

    POLICY_OBJECT_TYPE = "assignment_rule"

    class Method(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("Round robin")
        FEWEST_OPEN = "fewest_open", _("Fewest open leads")
        POOL = "pool", _("To a pool")

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    # {"source": ["web_form"], "province": ["广东省"], "city": [], "industry": [], "form": [3]}:
    # every non-empty list must contain the lead's value.
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, default=Method.ROUND_ROBIN)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("users"), blank=True, related_name="+"
    )
    pool = models.ForeignKey(
        "Pool", verbose_name=_("pool"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A user at the cap (open leads) is skipped; when everyone is, the lead goes to the pool (or stays unassigned).
    capacity = models.PositiveIntegerField(_("open leads per user at most"), null=True, blank=True)
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )  # round-robin pointer

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")

    def __str__(self) -> str:
        return self.name


# --- the shared pool (公海) --------------------------------------------------------------------


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


# --- pipelines and opportunities --------------------------------------------------------------


class Pipeline(TimeStamped, Versioned, SoftDeletable):
    POLICY_OBJECT_TYPE = "pipeline"

    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=100, blank=True)
    name_zh_hant = models.CharField(_("name (Traditional Chinese)"), max_length=100, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self)


class Stage(models.Model):
    """A pipeline stage; configuration as data (frappe/crm's crm_deal_status)."""

    class Type(models.TextChoices):
        OPEN = "open", pgettext_lazy("stage type", "Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=100, blank=True)
    name_zh_hant = models.CharField(_("name (Traditional Chinese)"), max_length=100, blank=True)
    type = models.CharField(_("type"), max_length=5, choices=Type.choices, default=Type.OPEN)
    probability = models.PositiveSmallIntegerField(_("probability (%)"), validators=[MaxValueValidator(100)])
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["pipeline", "order", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self)


class Opportunity(CustomerRecord):
    """A deal (商机) with an account, moving through a pipeline's stages."""

    POLICY_OBJECT_TYPE = "opportunity"
    POLICY_VIA = ("account",)  # whoever may read the account reads its opportunities

    name = models.CharField(_("name"), max_length=200)
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="opportunities"
    )
    contacts = models.ManyToManyField(
        Contact,
        verbose_name=_("contacts"),
        through="OpportunityContact",
        related_name="opportunities",
        blank=True,
    )
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    # The amount in the base currency at the rate when it was saved: what forecasts sum in SQL.
    amount_base = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"), editable=False)
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="opportunities"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities"
    )
    stage_type = models.CharField(
        max_length=5, choices=Stage.Type.choices, default=Stage.Type.OPEN, editable=False
    )  # copied from the stage: open/won/lost filters without a join
    probability = models.PositiveSmallIntegerField(_("probability (%)"), validators=[MaxValueValidator(100)])
    probability_manual = models.BooleanField(default=False, editable=False)  # overridden, not from the stage
    expected_close = models.DateField(_("expected close date"), null=True, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    competitors = models.JSONField(_("competitors"), default=list, blank=True)
    loss_reason = models.CharField(_("loss reason"), max_length=500, blank=True)
    win_reason = models.CharField(_("win reason"), max_length=500, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    stage_entered_at = models.DateTimeField(_("in this stage since"), default=timezone.now, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    lead = models.ForeignKey(
        Lead,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["-updated_at", "-id"], condition=LIVE, name="opp_updated_idx"),
            models.Index(
                fields=["owner", "-updated_at", "-id"], condition=LIVE, name="opp_owner_updated_idx"
            ),
            models.Index(fields=["account", "-updated_at", "-id"], condition=LIVE, name="opp_account_idx"),
            # the kanban: one pipeline's open cards per stage
            models.Index(
                fields=["pipeline", "stage", "-updated_at", "-id"], condition=LIVE, name="opp_board_idx"
            ),
            # forecasts: open by expected close, won by close date
            models.Index(
                fields=["stage_type", "expected_close"], condition=LIVE, name="opp_forecast_open_idx"
            ),
            models.Index(fields=["stage_type", "closed_at"], condition=LIVE, name="opp_forecast_closed_idx"),
            models.Index(
                fields=["owner", "stage_type", "expected_close"],
                condition=LIVE,
                name="opp_owner_forecast_idx",
            ),
            models.Index(fields=["expected_close", "id"], condition=LIVE, name="opp_close_idx"),
            models.Index(fields=["-amount_base", "-id"], condition=LIVE, name="opp_amount_idx"),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="opp_bin_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.stage_type == Stage.Type.OPEN

    @property
    def weighted_amount(self) -> Decimal:
        return (self.amount * self.probability / Decimal(100)).quantize(Decimal("0.01"))

    def search_terms(self) -> Terms:
        return Terms(text=[self.name, *[str(c) for c in self.competitors or []]], phones=[], emails=[])


class OpportunityContact(models.Model):
    """A contact's role in a deal (decision maker, influencer…)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="contact_roles")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="opportunity_roles")
    role = models.CharField(_("role"), max_length=20, blank=True, choices=ContactRole.choices)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["opportunity", "contact"], name="opp_contact_unique")]
        indexes = [models.Index(fields=["contact", "opportunity"], name="opp_contact_contact_idx")]


class OpportunityStageChange(models.Model):
    """Every stage move, with how long the deal sat in the stage it left."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, null=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    seconds_in_stage = models.PositiveBigIntegerField(null=True)  # time spent in from_stage
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    probability = models.PositiveSmallIntegerField(null=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["opportunity", "-at", "-id"], name="opp_stage_change_opp_idx"),
            models.Index(fields=["to_stage", "at"], name="opp_stage_change_to_idx"),  # funnel
        ]


class ExchangeRate(models.Model):
    """How many units of the base currency (settings.BASE_CURRENCY) one unit of `currency` buys."""

    currency = models.CharField(_("currency"), max_length=3, unique=True)
    rate = models.DecimalField(
        _("rate"), max_digits=18, decimal_places=8, validators=[MinValueValidator(Decimal("0.00000001"))]
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["currency"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")

    def __str__(self) -> str:
        return f"{self.currency} {self.rate}"


# --- targets ----------------------------------------------------------------------------------


class Target(TimeStamped, Versioned):
    """A sales target (业绩目标) for a user or a department, for a month or a quarter."""

    POLICY_OBJECT_TYPE = "target"

    class Kind(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sales_targets",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sales_targets",
    )
    period = models.CharField(_("period"), max_length=7)  # "2026-11" or "2026-Q4"
    kind = models.CharField(max_length=7, choices=Kind.choices, editable=False)
    starts_on = models.DateField(editable=False)
    ends_on = models.DateField(editable=False)  # inclusive
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["period", "id"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, department__isnull=True)
                | Q(user__isnull=True, department__isnull=False),
                name="target_user_xor_department",
            ),
            models.UniqueConstraint(
                fields=["user", "period"], condition=Q(user__isnull=False), name="target_user_unique"
            ),
            models.UniqueConstraint(
                fields=["department", "period"],
                condition=Q(department__isnull=False),
                name="target_department_unique",
            ),
        ]
        indexes = [models.Index(fields=["starts_on", "ends_on"], name="target_period_idx")]

    def __str__(self) -> str:
        return f"{self.user or self.department} {self.period}"
