"""The demo organization of CONTRACT.md: departments, roles with data scopes, users."""

from __future__ import annotations

from django.db import transaction

from guanxi.core import registry
from guanxi.org.models import Action, Department, Grant, Role, Scope, User

PASSWORD = "guanxi-demo"
ALL_ACTIONS = list(Action.values)


def roles() -> dict[str, tuple[str, dict[str, dict[str, int]]]]:
    """role code → (name, {object_type: {action: scope}}), over every kind declared with grants."""
    kinds = [k.name for k in registry.grantable()]
    return {
        "sales-director": (
            "销售总监 Sales director",
            {ot: dict.fromkeys(ALL_ACTIONS, Scope.ALL) for ot in kinds},
        ),
        "sales-manager": (
            "销售经理 Sales manager",
            {ot: dict.fromkeys(ALL_ACTIONS, Scope.DEPARTMENT_TREE) for ot in kinds},
        ),
        "sales-rep": (
            "销售代表 Sales rep",
            {ot: {**dict.fromkeys(ALL_ACTIONS, Scope.SELF), Action.EXPORT: Scope.NONE} for ot in kinds},
        ),
        "service-agent": (
            "客服专员 Service agent",
            {
                ot: {Action.READ: Scope.ALL, Action.UPDATE: Scope.ALL, Action.CREATE: Scope.SELF}
                for ot in kinds
            },
        ),
        "marketer": (
            "市场专员 Marketer",
            {
                ot: {
                    Action.READ: Scope.ALL,
                    Action.CREATE: Scope.SELF,
                    Action.UPDATE: Scope.SELF,
                    Action.EXPORT: Scope.ALL,
                }
                for ot in kinds
            },
        ),
    }


DEPARTMENTS = [  # (key, name, parent key)
    ("sales", "销售部", None),
    ("east", "华东销售组", "sales"),
    ("south", "华南销售组", "sales"),
    ("service", "客服部", None),
    ("marketing", "市场部", None),
]

USERS = [  # (username, display name, role code, department key, superuser)
    ("admin", "系统管理员", None, None, True),
    ("director", "周总监", "sales-director", "sales", False),
    ("manager1", "陈经理", "sales-manager", "east", False),
    ("rep1", "李明", "sales-rep", "east", False),
    ("rep2", "王芳", "sales-rep", "east", False),
    ("rep3", "张伟", "sales-rep", "south", False),
    ("agent1", "刘洋", "service-agent", "service", False),
    ("marketer1", "赵敏", "marketer", "marketing", False),
]
SALES_USERS = ["director", "manager1", "rep1", "rep2", "rep3"]


@transaction.atomic
def ensure_demo_org() -> dict[str, User]:
    """Idempotent: running it twice leaves one copy of everything."""
    made: dict[str, Role] = {}
    for code, (name, grants) in roles().items():
        role, _ = Role.objects.update_or_create(code=code, defaults={"name": name})
        Grant.objects.filter(role=role).delete()
        Grant.objects.bulk_create(
            [
                Grant(role=role, object_type=ot, action=act, scope=sc)
                for ot, acts in grants.items()
                for act, sc in acts.items()
                if sc > Scope.NONE
            ]
        )
        made[code] = role
    depts: dict[str, Department] = {}
    for key, name, parent_key in DEPARTMENTS:
        parent = depts.get(parent_key) if parent_key else None
        dept = Department.objects.filter(name=name, parent=parent).first() or Department.objects.create(
            name=name, parent=parent
        )
        dept.path = f"{parent.path if parent else '/'}{dept.pk}/"
        dept.save(update_fields=["path"])
        depts[key] = dept
    users: dict[str, User] = {}
    for username, display, role_code, dept_key, superuser in USERS:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.display_name = display
        user.email = f"{username}@guanxi.example"
        user.department = depts.get(dept_key) if dept_key else None
        user.is_superuser = user.is_staff = superuser
        user.is_active = True
        user.set_password(PASSWORD)
        user.save()
        user.roles.set([made[role_code]] if role_code else [])
        users[username] = user
    for key, manager in (("sales", "director"), ("east", "manager1"), ("south", "director")):
        Department.objects.filter(pk=depts[key].pk).update(manager=users[manager])
    return users
