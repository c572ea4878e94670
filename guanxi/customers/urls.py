from django.urls import path
from django.views.generic import RedirectView

from guanxi.records import views_exports

from . import views_saved
from .customer_settings import views as settings_views
from .directory import views
from .duplicates import views as duplicate_views
from .lifecycle import views as lifecycle_views
from .relations import views as relation_views

urlpatterns = [
    path("customers/accounts/", views.account_list, name="account_list"),
    path("customers/accounts/new/", views.account_create, name="account_create"),
    path("customers/accounts/export/", views_exports.export, {"kind": "account"}, name="account_export"),
    path("customers/accounts/export.csv", views_exports.export, {"kind": "account"}),
    path("customers/accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("customers/accounts/<int:pk>/edit/", views.account_edit, name="account_edit"),
    path("customers/accounts/<int:pk>/delete/", views.account_delete, name="account_delete"),
    path("customers/accounts/<int:pk>/transfer/", views.account_transfer, name="account_transfer"),
    path("customers/contacts/", views.contact_list, name="contact_list"),
    path("customers/contacts/new/", views.contact_create, name="contact_create"),
    path("customers/contacts/export/", views_exports.export, {"kind": "contact"}, name="contact_export"),
    path("customers/contacts/export.csv", views_exports.export, {"kind": "contact"}),
    path("customers/contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("customers/contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("customers/contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("customers/contacts/<int:pk>/transfer/", views.contact_transfer, name="contact_transfer"),
    path("customers/<str:kind>/<int:pk>/share/", views.share, name="share"),
    # relations (customers/relations/views.py)
    path("customers/contacts/<int:pk>/accounts/", relation_views.contact_link, name="contact_link"),
    path(
        "customers/contacts/<int:pk>/accounts/<int:account_id>/",
        relation_views.contact_link_update,
        name="contact_link_update",
    ),
    path(
        "customers/contacts/<int:pk>/accounts/<int:account_id>/remove/",
        relation_views.contact_unlink,
        name="contact_unlink",
    ),
    path(
        "customers/accounts/<int:pk>/contacts/link/",
        relation_views.account_link_contact,
        name="account_link_contact",
    ),
    path("customers/accounts/<int:pk>/partners/", relation_views.partner_add, name="partner_add"),
    path(
        "customers/accounts/<int:pk>/partners/<int:partner_id>/remove/",
        relation_views.partner_remove,
        name="partner_remove",
    ),
    path(
        "customers/accounts/<int:pk>/group/contacts/",
        relation_views.group_contacts,
        name="account_group_contacts",
    ),
    path(
        "customers/accounts/<int:pk>/subsidiaries/", relation_views.subsidiaries, name="account_subsidiaries"
    ),
    # the old customers' bin: the records bin (records/urls.py) holds every kind now; bookmarks follow
    path(
        "customers/recycle-bin/",
        RedirectView.as_view(pattern_name="records_bin", query_string=True),
        name="recycle_bin",
    ),
    path("customers/duplicates/check/", duplicate_views.duplicate_check, name="duplicate_check"),
    path("saved-views/", views_saved.saved_view_create, name="saved_view_create"),
    path("saved-views/<int:pk>/", views_saved.saved_view_apply, name="saved_view_apply"),
    path("saved-views/<int:pk>/delete/", views_saved.saved_view_delete, name="saved_view_delete"),
    path("customers/drifting/", lifecycle_views.drifting_list, name="drifting_list"),
    path("customers/accounts/<int:pk>/stage/", lifecycle_views.account_stage_set, name="account_stage_set"),
    path("admin/customer-settings/", settings_views.customer_settings, name="customer_settings"),
]
