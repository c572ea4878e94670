from django.urls import include, path

urlpatterns = [
    # path("", include("guanxi.sales.leads.urls")), … one line per feature package
    path("", include("guanxi.sales.leads.urls")),
    path("", include("guanxi.sales.pipelines.urls")),
    path("", include("guanxi.sales.pipelines.urls_admin")),
    path("", include("guanxi.sales.dashboards.urls")),
    path("", include("guanxi.sales.forecast.urls")),
    path("", include("guanxi.sales.webforms.urls")),
    path("", include("guanxi.sales.scoring.urls")),
    path("", include("guanxi.sales.assignment.urls")),
    path("", include("guanxi.sales.pools.urls")),
]
