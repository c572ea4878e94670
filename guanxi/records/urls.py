from django.urls import path

from . import views

urlpatterns = [
    path("recycle-bin/", views.recycle_bin, name="records_bin"),
    path("recycle-bin/<str:kind>/<int:pk>/restore/", views.restore, name="records_restore"),
]
