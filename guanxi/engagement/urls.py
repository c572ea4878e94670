from django.urls import include, path

urlpatterns = [
    path("", include("guanxi.engagement.followups.urls")),
    path("", include("guanxi.engagement.tasks.urls")),
    path("", include("guanxi.engagement.files.urls")),
]
