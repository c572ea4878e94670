from django.urls import path

from . import views

urlpatterns = [
    path("sales/dashboard/", views.dashboard, name="sales_dashboard"),
    path("sales/dashboard/panel/<str:panel>/", views.panel, name="sales_dashboard_panel"),
    path("sales/dashboard/home-widget/", views.home_widget, name="sales_home_widget"),
]
