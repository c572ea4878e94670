"""guanxi runjob --list | guanxi runjob NAME [--as-of YYYY-MM-DD]: the scheduler's jobs, now."""

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guanxi.core import jobs


class Command(BaseCommand):
    help = "Run one periodic job now (the same code the scheduler runs), or list them."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name", nargs="?")
        parser.add_argument("--list", action="store_true")
        parser.add_argument("--as-of", help="evaluate the job as if today were YYYY-MM-DD")

    def handle(
        self,
        *args: Any,
        name: str | None = None,
        list: bool = False,
        as_of: str | None = None,
        **options: Any,
    ) -> None:
        jobs._load()
        if list or not name:
            for job in sorted(jobs.REGISTRY.values(), key=lambda j: j.name):
                self.stdout.write(f"{job.name:24} {job.schedule_label:16}  {job.description}")
            return
        if name not in jobs.REGISTRY:
            raise CommandError(f"Unknown job {name!r}. Known: {', '.join(sorted(jobs.REGISTRY))}")
        day = None
        if as_of:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError as exc:
                raise CommandError("--as-of takes a date as YYYY-MM-DD") from exc
        self.stdout.write(jobs.run_job(name, as_of=day))
