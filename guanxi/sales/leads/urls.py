from django.urls import path

from . import views

urlpatterns = [
    path("sales/leads/", views.lead_list, name="lead_list"),
    path("sales/leads/new/", views.lead_create, name="lead_create"),
    path("sales/leads/recycle-bin/", views.lead_recycle_bin, name="lead_recycle_bin"),
    path("sales/leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("sales/leads/<int:pk>/edit/", views.lead_edit, name="lead_edit"),
    path("sales/leads/<int:pk>/status/", views.lead_status, name="lead_status"),
    path("sales/leads/<int:pk>/follow-up/", views.lead_followup, name="lead_followup"),
    path("sales/leads/<int:pk>/transfer/", views.lead_transfer, name="lead_transfer"),
    path("sales/leads/<int:pk>/delete/", views.lead_delete, name="lead_delete"),
    path("sales/leads/<int:pk>/restore/", views.lead_restore, name="lead_restore"),
    path("sales/leads/<int:pk>/convert/", views.lead_convert, name="lead_convert"),
]
