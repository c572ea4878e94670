from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "guanxi.core"
    label = "core"

    def ready(self) -> None:
        # Every app's declarations (core/registry.py), then the checks that hold them to the models.
        from . import checks, registry  # noqa: F401

        registry.discover()
