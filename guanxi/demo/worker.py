"""Entry points of the worker processes of a large load.

Workers are started fresh ("spawn", the same on every OS), so this module must be importable
before Django is set up: everything Django-related is imported inside the functions.
"""

import os


def init() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.config.settings")
    django.setup()


def make_and_copy(job: tuple) -> dict[str, int]:
    from .generate import make_and_copy

    return make_and_copy(job)
