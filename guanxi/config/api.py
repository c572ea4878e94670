"""The API root: /api/v1/. Each domain app contributes a router."""

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from guanxi.core.api import BearerToken, JsonParser, install_error_handlers


class UnicodeJSONRenderer(JSONRenderer):
    """Chinese as characters, not \\u escapes: smaller bodies, readable logs."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=UnicodeJSONRenderer(),
    title="Guanxi CRM API",
    version="1",
    description="REST API of Guanxi CRM. Authenticate with POST /api/v1/auth/token, then send "
    "`Authorization: Bearer <token>`. See docs/api.md.",
    auth=BearerToken(),
    parser=JsonParser(),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
install_error_handlers(api)

from guanxi.core.api_saved_views import router as saved_views_router  # noqa: E402
from guanxi.custom_fields.api import router as custom_fields_router  # noqa: E402
from guanxi.customers.api_exports import router as export_jobs_router  # noqa: E402
from guanxi.customers.customer_settings.api import router as settings_router  # noqa: E402
from guanxi.customers.directory.api import accounts_router, contacts_router  # noqa: E402
from guanxi.customers.duplicates.api import router as duplicates_router  # noqa: E402
from guanxi.customers.lifecycle import api as lifecycle_api  # noqa: E402,F401
from guanxi.customers.relations import api as relations_api  # noqa: E402,F401
from guanxi.engagement.files.api import router as attachments_router  # noqa: E402
from guanxi.engagement.followups import api_timeline  # noqa: E402,F401  (adds the timeline routes)
from guanxi.engagement.followups.api import router as activities_router  # noqa: E402
from guanxi.engagement.tasks.api import notifications_router  # noqa: E402
from guanxi.engagement.tasks.api import router as tasks_router  # noqa: E402
from guanxi.org.api import router as auth_router  # noqa: E402
from guanxi.org.api_roles import router as roles_router  # noqa: E402
from guanxi.sales.assignment.api import router as assignment_rules_router  # noqa: E402
from guanxi.sales.forecast.api import forecast_router, leaderboard_router, targets_router  # noqa: E402
from guanxi.sales.leads.api import router as leads_router  # noqa: E402
from guanxi.sales.pipelines.api import router as opportunities_router  # noqa: E402
from guanxi.sales.pipelines.api_pipelines import pipelines_router, rates_router  # noqa: E402
from guanxi.sales.pools.api import router as pools_router  # noqa: E402
from guanxi.sales.scoring.api import router as scoring_rules_router  # noqa: E402
from guanxi.sales.webforms.api import router as lead_forms_router  # noqa: E402

api.add_router("/auth", auth_router)
api.add_router("/roles", roles_router)
api.add_router("/accounts", accounts_router)
api.add_router("/contacts", contacts_router)
api.add_router("/activities", activities_router)
api.add_router("/tasks", tasks_router)
api.add_router("/notifications", notifications_router)
api.add_router("/attachments", attachments_router)
api.add_router("/custom-fields", custom_fields_router)
api.add_router("/duplicates", duplicates_router)
api.add_router("/export-jobs", export_jobs_router)
api.add_router("/saved-views", saved_views_router)
api.add_router("/settings", settings_router)
api.add_router("/leads", leads_router)
api.add_router("/pools", pools_router)
api.add_router("/opportunities", opportunities_router)
api.add_router("/pipelines", pipelines_router)
api.add_router("/exchange-rates", rates_router)
api.add_router("/lead-forms", lead_forms_router)
api.add_router("/scoring-rules", scoring_rules_router)
api.add_router("/assignment-rules", assignment_rules_router)
api.add_router("/targets", targets_router)
api.add_router("/forecast", forecast_router)
api.add_router("/leaderboard", leaderboard_router)
