from django.urls import path

from . import views

urlpatterns = [
    # administrators' screens
    path("admin/custom-fields/", views.custom_field_list, name="custom_field_list"),
    path("admin/custom-fields/new/", views.custom_field_edit, name="custom_field_create"),
    path("admin/custom-fields/<int:pk>/", views.custom_field_edit, name="custom_field_edit"),
    path("admin/custom-fields/<int:pk>/archive/", views.custom_field_archive, name="custom_field_archive"),
    path("admin/custom-fields/<int:pk>/move/", views.custom_field_move, name="custom_field_move"),
]
