"""A few notifications for the demo users (the bell): reminders of their tasks due today or
overdue, a task assigned to them, and their drifting customers; most of them unread."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q

from guanxi.customers.models import Account, Health
from guanxi.engagement.models import Notification, Task
from guanxi.engagement.tasks.services import task_url

from .org import SALES_USERS

PER_USER_TASKS = 3


def make_notifications(users: dict, *, now) -> int:
    """A handful of queries per user, whatever the volume of data."""
    rows = []
    for username in SALES_USERS:
        user = users[username]
        tasks = list(
            Task.objects.filter(
                assignee=user, done=False, deleted_at__isnull=True, due_at__lte=now + timedelta(days=1)
            )
            .select_related("account")
            .order_by("-due_at", "-id")[:PER_USER_TASKS]
        )
        for i, task in enumerate(tasks):
            rows.append(
                Notification(
                    user=user,
                    kind=Notification.Kind.REMINDER if i else Notification.Kind.TASK_ASSIGNED,
                    # as tasks.services writes them: the bell shows the kind, the title is the task's
                    title=task.title[:200],
                    url=task_url(task),
                    object_type="task",
                    object_id=task.pk,
                    created_at=now - timedelta(hours=i + 1),
                    read_at=now - timedelta(minutes=30) if i == len(tasks) - 1 and i else None,
                )
            )
        drifting = Account.objects.filter(
            Q(health=Health.DRIFTING) | Q(health=Health.DORMANT), owner=user, deleted_at__isnull=True
        ).count()
        if drifting:
            rows.append(
                Notification(
                    user=user,
                    kind=Notification.Kind.DORMANCY,
                    title=f"{drifting} 位客户久未联系",
                    body="这些客户已超过设定的联系间隔，请尽快跟进。",
                    url="/customers/accounts/?health=drifting",
                    created_at=now - timedelta(hours=8),
                )
            )
    Notification.objects.bulk_create(rows)
    return len(rows)
