from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "guanxi.engagement"
    label = "engagement"
    verbose_name = _("Engagement")

    def ready(self) -> None:
        # Modules that register 360° panel providers (customers/panels.py) import here.
        from .files import panels as files_panels  # noqa: F401  (attachments)
        from .followups import panels as followups_panels  # noqa: F401  (timeline, quick actions)
        from .tasks import panels as tasks_panels  # noqa: F401  (tasks)
