from django.urls import path

from . import views

urlpatterns = [
    path("settings/profile/", views.profile, name="profile"),
    path("settings/api-tokens/", views.api_tokens, name="api_tokens"),
    path("admin/users/", views.user_list, name="org_user_list"),
    path("admin/users/new/", views.user_edit, name="org_user_create"),
    path("admin/users/<int:pk>/", views.user_edit, name="org_user_edit"),
    path("admin/departments/", views.department_list, name="org_department_list"),
    path("admin/departments/new/", views.department_edit, name="org_department_create"),
    path("admin/departments/<int:pk>/", views.department_edit, name="org_department_edit"),
    path("admin/roles/", views.role_list, name="org_role_list"),
    path("admin/roles/new/", views.role_edit, name="org_role_create"),
    path("admin/roles/<int:pk>/", views.role_edit, name="org_role_edit"),
]
