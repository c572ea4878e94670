"""The URL root: health checks, the API, allauth, then every Guanxi app's own `urls` module
(found by name, in INSTALLED_APPS order: an app adds its pages without touching this file)."""

from django.apps import apps
from django.urls import include, path, re_path
from django.utils.module_loading import module_has_submodule

from guanxi.config.api import api
from guanxi.core.api import not_found
from guanxi.web import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    re_path(r"^api/", not_found),  # after the API's routes: what they do not match
    path("accounts/", include("allauth.urls")),
]
urlpatterns += [
    path("", include(f"{config.name}.urls"))
    for config in apps.get_app_configs()
    if config.name.startswith("guanxi.") and module_has_submodule(config.module, "urls")
]
