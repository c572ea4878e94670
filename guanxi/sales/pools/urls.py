from django.urls import path

from . import views

urlpatterns = [
    path("sales/pools/", views.pool_list, name="pool_list"),
    path("sales/pools/<int:pk>/", views.pool_detail, name="pool_detail"),
    path("sales/pools/<int:pk>/claim/", views.pool_claim, name="pool_claim"),
    path("sales/pools/<int:pk>/assign/", views.pool_assign, name="pool_assign"),
    path("sales/pools/return/", views.pool_return, name="pool_return"),
    path("sales/pools/lock/", views.pool_lock, name="pool_lock"),
    path("admin/pools/", views.admin_pool_list, name="admin_pool_list"),
    path("admin/pools/new/", views.admin_pool_edit, name="admin_pool_create"),
    path("admin/pools/<int:pk>/", views.admin_pool_edit, name="admin_pool_edit"),
]
