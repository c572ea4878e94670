"""What sales declares to the registry (guanxi/core/registry.py): leads, opportunities, pools, web
forms, pipelines, scoring and assignment rules, targets; its administration rights and verbs."""

from django.utils.translation import gettext_lazy as _

from guanxi.core import registry
from guanxi.core.registry import (
    HomeWidget,
    Kind,
    NavEntry,
    OnParentDelete,
    Panel,
    Parent,
    Permission,
    Section,
)
from guanxi.customers.background import notify_new_owner
from guanxi.records import events

from .pipelines import panels as pipeline_panels
from .pools import panels as pool_panels

registry.permission(Permission(code="manage_pipelines", label=_("Manage pipelines and stages"), order=40))
registry.permission(Permission(code="manage_exchange_rates", label=_("Manage exchange rates"), order=41))
registry.permission(Permission(code="manage_pools", label=_("Manage shared pools"), order=42))
registry.permission(Permission(code="manage_lead_forms", label=_("Manage web-to-lead forms"), order=43))
registry.permission(Permission(code="manage_targets", label=_("Set everyone's sales targets"), order=46))
registry.permission(Permission(code="manage_scoring_rules", label=_("Manage lead scoring rules"), order=44))
registry.permission(
    Permission(code="manage_assignment_rules", label=_("Manage lead assignment rules"), order=45)
)

registry.verb("convert", _("converted"))  # a lead became an account, a contact (and an opportunity)

registry.kind(
    Kind(
        name="lead",
        model="sales.Lead",
        label=_("lead"),
        plural=_("leads"),
        icon="bi-person-plus",
        detail_url="lead_detail",
        list_url="lead_list",
        grants=registry.ACTIONS,
        searchable=True,
        search_detail=lambda lead: " ".join(
            filter(None, [lead.get_status_display(), lead.mobile, lead.email])
        ),
        recycle_bin=True,
        parents=(
            # a lead in a pool belongs to the pool until someone claims it
            Parent(field="pool", on_delete=OnParentDelete.PROTECT),
            Parent(field="form", on_delete=OnParentDelete.DETACH),
            Parent(field="account", on_delete=OnParentDelete.DETACH),
            Parent(field="contact", on_delete=OnParentDelete.DETACH),
            Parent(field="opportunity", on_delete=OnParentDelete.DETACH),
        ),
        order=60,
    )
)
# the new owner of a lead is told by mail, as for accounts and contacts
events.on("record_transferred", kind="lead")(notify_new_owner)


@events.on("activity_logged")
@events.on("activity_updated")
@events.on("record_deleted", kind="activity")
@events.on("record_restored", kind="activity")
def _rescore_leads_of_followups(event) -> None:
    """Activity scoring rules count a lead's follow-ups: rescore the leads a follow-up was logged
    on, moved between, binned or restored on (after commit: engagement does not import sales)."""
    from guanxi.sales.models import Lead
    from guanxi.sales.scoring import services as scoring

    ids = event.payload.get("leads") or [event.payload.get("lead") or getattr(event.obj, "lead_id", None)]
    ids = [i for i in ids if i]
    if ids:
        scoring.rescore(Lead._base_manager.filter(pk__in=ids))


registry.kind(
    Kind(
        name="opportunity",
        model="sales.Opportunity",
        label=_("opportunity"),
        plural=_("opportunities"),
        icon="bi-briefcase",
        detail_url="opportunity_detail",
        list_url="opportunity_list",
        grants=registry.ACTIONS,
        searchable=True,
        search_detail=lambda deal: f"{deal.currency} {deal.amount:,}",
        recycle_bin=True,
        parents=(
            # a deal is its account's: it goes to the bin with it and comes back with it
            Parent(field="account", on_delete=OnParentDelete.BIN),
            Parent(field="lead", on_delete=OnParentDelete.DETACH),
        ),
        order=70,
    )
)
registry.kind(
    Kind(
        name="pool",
        model="sales.Pool",
        label=_("shared pool"),
        plural=_("shared pools"),
        icon="bi-inboxes",
        detail_url="pool_detail",
        list_url="pool_list",
        recycle_bin=True,
        manage_permission="manage_pools",
        order=80,
    )
)
registry.kind(
    Kind(
        name="lead_form",
        model="sales.LeadForm",
        label=_("web form"),
        plural=_("web forms"),
        icon="bi-ui-radios",
        detail_url="lead_form_edit",
        list_url="lead_form_list",
        recycle_bin=True,
        parents=(Parent(field="pool", on_delete=OnParentDelete.DETACH),),
        manage_permission="manage_lead_forms",
        order=81,
    )
)
registry.kind(
    Kind(
        name="pipeline",
        model="sales.Pipeline",
        label=_("pipeline"),
        plural=_("pipelines"),
        icon="bi-kanban",
        detail_url="pipeline_admin_edit",
        list_url="pipeline_admin_list",
        recycle_bin=True,
        manage_permission="manage_pipelines",
        order=82,
    )
)
registry.kind(
    Kind(
        name="scoring_rule",
        model="sales.ScoringRule",
        label=_("scoring rule"),
        plural=_("scoring rules"),
        icon="bi-speedometer2",
        detail_url="scoring_rule_edit",
        list_url="scoring_rule_list",
        manage_permission="manage_scoring_rules",
        order=83,
    )
)
registry.kind(
    Kind(
        name="assignment_rule",
        model="sales.AssignmentRule",
        label=_("assignment rule"),
        plural=_("assignment rules"),
        icon="bi-signpost-split",
        detail_url="assignment_rule_edit",
        list_url="assignment_rule_list",
        parents=(Parent(field="pool", on_delete=OnParentDelete.DETACH),),
        manage_permission="manage_assignment_rules",
        order=84,
    )
)
registry.kind(
    Kind(
        name="target",
        model="sales.Target",
        label=_("sales target"),
        plural=_("sales targets"),
        icon="bi-bullseye",
        list_url="sales_targets",
        order=85,
    )
)

registry.section(Section(name="sales", label=_("Sales"), order=30))
for entry in (
    NavEntry(
        name="sales_dashboard",
        section="sales",
        label=_("Sales dashboard"),
        url="sales_dashboard",
        icon="bi-speedometer2",
        order=310,
    ),
    NavEntry(
        name="leads",
        section="sales",
        label=_("Leads"),
        url="lead_list",
        icon="bi-person-raised-hand",
        kind="lead",
        order=320,
    ),
    NavEntry(
        name="opportunities",
        section="sales",
        label=_("Opportunities"),
        url="opportunity_list",
        icon="bi-briefcase",
        kind="opportunity",
        order=330,
    ),
    NavEntry(
        name="pipeline_board",
        section="sales",
        label=_("Pipeline board"),
        url="pipeline_board",
        icon="bi-kanban",
        active="/sales/pipelines/",
        kind="opportunity",
        order=340,
    ),
    NavEntry(
        name="forecast",
        section="sales",
        label=_("Forecast"),
        url="sales_forecast",
        icon="bi-graph-up-arrow",
        order=350,
    ),
    NavEntry(
        name="targets",
        section="sales",
        label=_("Targets"),
        url="sales_targets",
        icon="bi-bullseye",
        order=360,
    ),
    NavEntry(
        name="pools", section="sales", label=_("Shared pool"), url="pool_list", icon="bi-water", order=370
    ),
    NavEntry(
        name="lead_forms",
        section="admin",
        label=_("Web forms"),
        url="lead_form_list",
        icon="bi-ui-radios",
        permission="manage_lead_forms",
        order=860,
    ),
    NavEntry(
        name="scoring_rules",
        section="admin",
        label=_("Lead scoring"),
        url="scoring_rule_list",
        icon="bi-speedometer2",
        permission="manage_scoring_rules",
        order=870,
    ),
    NavEntry(
        name="assignment_rules",
        section="admin",
        label=_("Assignment rules"),
        url="assignment_rule_list",
        icon="bi-signpost-split",
        permission="manage_assignment_rules",
        order=880,
    ),
    NavEntry(
        name="admin_pools",
        section="admin",
        label=_("Pools"),
        url="admin_pool_list",
        icon="bi-water",
        permission="manage_pools",
        order=890,
    ),
    NavEntry(
        name="pipelines",
        section="admin",
        label=_("Pipelines"),
        url="pipeline_admin_list",
        icon="bi-kanban",
        permission="manage_pipelines",
        order=900,
    ),
    NavEntry(
        name="exchange_rates",
        section="admin",
        label=_("Exchange rates"),
        url="exchange_rate_admin",
        icon="bi-currency-exchange",
        permission="manage_exchange_rates",
        order=910,
    ),
):
    registry.nav(entry)

# loaded over htmx (dashboards views.home_widget): the home page pays no query for it
registry.widget(HomeWidget(name="my_sales", template="sales/dashboards/home_widget.html", order=20))

# Sales' panels on the account's detail page (core/panels.py).
registry.panel(
    Panel(
        name="pool_actions",
        kinds=("account",),
        slot="actions",
        template="sales/pools/record_actions.html",
        provider=pool_panels.pool_actions_panel,
        order=20,
    )
)
registry.panel(
    Panel(
        name="opportunities",
        kinds=("account",),
        slot="side",
        template="sales/opportunities/account_panel.html",
        provider=pipeline_panels.account_opportunities,
        order=10,
    )
)

registry.api_route("/leads", "guanxi.sales.leads.api:router", order=140)
registry.api_route("/pools", "guanxi.sales.pools.api:router", order=150)
registry.api_route("/opportunities", "guanxi.sales.pipelines.api:router", order=160)
registry.api_route("/pipelines", "guanxi.sales.pipelines.api_pipelines:pipelines_router", order=170)
registry.api_route("/exchange-rates", "guanxi.sales.pipelines.api_pipelines:rates_router", order=180)
registry.api_route("/lead-forms", "guanxi.sales.webforms.api:router", order=190)
registry.api_route("/scoring-rules", "guanxi.sales.scoring.api:router", order=200)
registry.api_route("/assignment-rules", "guanxi.sales.assignment.api:router", order=210)
registry.api_route("/targets", "guanxi.sales.forecast.api:targets_router", order=220)
registry.api_route("/forecast", "guanxi.sales.forecast.api:forecast_router", order=230)
registry.api_route("/leaderboard", "guanxi.sales.forecast.api:leaderboard_router", order=240)
