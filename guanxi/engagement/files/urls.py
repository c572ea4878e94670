from django.urls import path

from . import views

urlpatterns = [
    path("engagement/attachments/upload/", views.attachment_upload, name="attachment_upload"),
    path("engagement/attachments/panel/", views.attachment_panel, name="attachment_panel"),
    path("engagement/attachments/<int:pk>/download/", views.attachment_download, name="attachment_download"),
    path("engagement/attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("engagement/attachments/<int:pk>/restore/", views.attachment_restore, name="attachment_restore"),
]
