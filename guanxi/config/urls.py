from django.urls import include, path

from guanxi.config.api import api
from guanxi.web import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("guanxi.org.urls")),
    path("", include("guanxi.customers.urls")),
    path("", include("guanxi.engagement.urls")),
    path("", include("guanxi.sales.urls")),
    path("", include("guanxi.web.urls")),
]
