from django.urls import path

from . import views, views_exports

urlpatterns = [
    path("recycle-bin/", views.recycle_bin, name="records_bin"),
    path("recycle-bin/<str:kind>/<int:pk>/restore/", views.restore, name="records_restore"),
    path("exports/<int:pk>/", views_exports.export_job_detail, name="export_job_detail"),
    path("exports/<int:pk>/download/", views_exports.export_job_download, name="export_job_download"),
]
