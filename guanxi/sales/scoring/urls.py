from django.urls import path

from . import views

urlpatterns = [
    path("admin/scoring-rules/", views.scoring_rule_list, name="scoring_rule_list"),
    path("admin/scoring-rules/new/", views.scoring_rule_edit, name="scoring_rule_create"),
    path("admin/scoring-rules/<int:pk>/", views.scoring_rule_edit, name="scoring_rule_edit"),
    path("admin/scoring-rules/<int:pk>/delete/", views.scoring_rule_delete, name="scoring_rule_delete"),
]
