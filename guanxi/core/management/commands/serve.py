"""guanxi serve: the web server for the demo and small installs (waitress), plus the embedded
scheduler when there is no broker. Large installs run gunicorn + celery worker + celery beat.
"""

import os
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Guanxi on HOST:PORT (default 127.0.0.1:8000) with waitress."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, host: str, port: int, threads: int, **options: Any) -> None:
        from django.core.servers.basehttp import get_internal_wsgi_application
        from waitress import serve

        from guanxi.core.jobs import start_embedded_scheduler

        if settings.EMBEDDED_SCHEDULER:
            start_embedded_scheduler()
            self.stdout.write("Embedded mode: background and periodic jobs run in this process.")
        self.stdout.write(f"Guanxi is serving on http://{host}:{port}/")
        # settings.WSGI_APPLICATION, loaded by name as runserver does: core does not import
        # config, the layer above every app.
        application = get_internal_wsgi_application()
        serve(application, host=host, port=port, threads=threads, ident="guanxi")
