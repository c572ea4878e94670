from django.urls import path

from . import views

urlpatterns = [
    path("admin/assignment-rules/", views.assignment_rule_list, name="assignment_rule_list"),
    path("admin/assignment-rules/new/", views.assignment_rule_edit, name="assignment_rule_create"),
    path("admin/assignment-rules/<int:pk>/", views.assignment_rule_edit, name="assignment_rule_edit"),
    path(
        "admin/assignment-rules/<int:pk>/delete/", views.assignment_rule_delete, name="assignment_rule_delete"
    ),
    path("admin/assignment-rules/<int:pk>/move/", views.assignment_rule_move, name="assignment_rule_move"),
]
