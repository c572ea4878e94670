from django.urls import path

from . import views

urlpatterns = [
    path("engagement/follow-ups/", views.followup_list, name="followup_list"),
    path("engagement/follow-ups/new/", views.followup_create, name="followup_create"),
    path("engagement/follow-ups/<int:pk>/", views.followup_edit, name="followup_edit"),
    path("engagement/follow-ups/<int:pk>/delete/", views.followup_delete, name="followup_delete"),
    path("engagement/timeline/<str:kind>/<int:pk>/", views.timeline_fragment, name="timeline_fragment"),
]
