from django.urls import path

from . import views

urlpatterns = [
    path("sales/forecast/", views.forecast_page, name="sales_forecast"),
    path("sales/targets/", views.targets_page, name="sales_targets"),
    path("sales/targets/cell/", views.target_cell, name="sales_target_cell"),
]
