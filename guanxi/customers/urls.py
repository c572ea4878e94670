from django.urls import path

from . import views

urlpatterns = [
    path("customers/accounts/", views.account_list, name="account_list"),
    path("customers/accounts/new/", views.account_create, name="account_create"),
    path("customers/accounts/export.csv", views.account_export, name="account_export"),
    path("customers/accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("customers/accounts/<int:pk>/edit/", views.account_edit, name="account_edit"),
    path("customers/accounts/<int:pk>/delete/", views.account_delete, name="account_delete"),
    path("customers/accounts/<int:pk>/transfer/", views.account_transfer, name="account_transfer"),
    path("customers/contacts/", views.contact_list, name="contact_list"),
    path("customers/contacts/new/", views.contact_create, name="contact_create"),
    path("customers/contacts/export.csv", views.contact_export, name="contact_export"),
    path("customers/contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("customers/contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("customers/contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("customers/contacts/<int:pk>/transfer/", views.contact_transfer, name="contact_transfer"),
    path("customers/<str:kind>/<int:pk>/share/", views.share, name="share"),
    path("customers/recycle-bin/", views.recycle_bin, name="recycle_bin"),
    path("customers/recycle-bin/<str:kind>/<int:pk>/restore/", views.restore, name="restore"),
]
