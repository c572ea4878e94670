from django.urls import path

from . import views

urlpatterns = [
    path("admin/lead-forms/", views.lead_form_list, name="lead_form_list"),
    path("admin/lead-forms/new/", views.lead_form_edit, name="lead_form_create"),
    path("admin/lead-forms/<int:pk>/", views.lead_form_edit, name="lead_form_edit"),
    path("admin/lead-forms/<int:pk>/delete/", views.lead_form_delete, name="lead_form_delete"),
    path("admin/lead-forms/<int:pk>/restore/", views.lead_form_restore, name="lead_form_restore"),
    path("f/<str:slug>", views.lead_form_public, name="lead_form_public"),
]
