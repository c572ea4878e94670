from django.urls import path

from . import views

urlpatterns = [
    path("my-day/", views.my_day, name="my_day"),
    path("my-day/summary/", views.my_day_summary, name="my_day_summary"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/quick/", views.task_quick_create, name="task_quick_create"),
    path("tasks/<int:pk>/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/toggle/", views.task_toggle, name="task_toggle"),
    path("tasks/<int:pk>/delete/", views.task_delete, name="task_delete"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/bell/", views.notification_bell, name="notification_bell"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/feed/", views.calendar_feed_manage, name="calendar_feed_manage"),
    path("calendar/feed/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
