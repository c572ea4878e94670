"""The API root: /api/v1/. Each app declares its routers in its registry.py (core.registry.api_route)."""

from django.utils.module_loading import import_string
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from guanxi.core import registry
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

# Every app declares its routers in its registry.py (core.registry.api_route); none is named here.
for route in registry.api_routes():
    api.add_router(route.prefix, import_string(route.router.replace(":", ".")))
