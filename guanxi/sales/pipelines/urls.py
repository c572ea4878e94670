from django.urls import path

from . import views, views_board

urlpatterns = [
    path("sales/pipelines/board/", views_board.pipeline_board, name="pipeline_board"),
    path("sales/pipelines/<int:pk>/board/", views_board.pipeline_board, name="pipeline_board_for"),
    path(
        "sales/pipelines/<int:pk>/board/column/<int:stage_pk>/",
        views_board.board_column,
        name="pipeline_board_column",
    ),
    path("sales/opportunities/", views.opportunity_list, name="opportunity_list"),
    path("sales/opportunities/new/", views.opportunity_create, name="opportunity_create"),
    path("sales/opportunities/account-search/", views.account_search, name="opportunity_account_search"),
    path("sales/opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("sales/opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path(
        "sales/opportunities/<int:pk>/quick-edit/",
        views_board.opportunity_quick_edit,
        name="opportunity_quick_edit",
    ),
    path("sales/opportunities/<int:pk>/move/", views_board.opportunity_move_view, name="opportunity_move"),
    path("sales/opportunities/<int:pk>/contacts/", views.opportunity_contacts, name="opportunity_contacts"),
    path("sales/opportunities/<int:pk>/delete/", views.opportunity_delete, name="opportunity_delete"),
    path("sales/opportunities/<int:pk>/restore/", views.opportunity_restore, name="opportunity_restore"),
    path("sales/opportunities/<int:pk>/transfer/", views.opportunity_transfer, name="opportunity_transfer"),
]
