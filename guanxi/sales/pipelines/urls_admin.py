from django.urls import path

from . import views_admin

urlpatterns = [
    path("admin/pipelines/", views_admin.pipeline_admin_list, name="pipeline_admin_list"),
    path("admin/pipelines/new/", views_admin.pipeline_admin_edit, name="pipeline_admin_create"),
    path("admin/pipelines/<int:pk>/", views_admin.pipeline_admin_edit, name="pipeline_admin_edit"),
    path("admin/pipelines/<int:pk>/delete/", views_admin.pipeline_admin_delete, name="pipeline_admin_delete"),
    path(
        "admin/pipelines/<int:pk>/stages/<int:stage_pk>/delete/",
        views_admin.stage_admin_delete,
        name="stage_admin_delete",
    ),
    path("admin/exchange-rates/", views_admin.exchange_rate_admin, name="exchange_rate_admin"),
    path(
        "admin/exchange-rates/<str:currency>/delete/",
        views_admin.exchange_rate_admin_delete,
        name="exchange_rate_admin_delete",
    ),
]
