"""guanxi demo-data [--scale N] [--if-empty]: the demo organization and customers."""

from django.core.management.base import BaseCommand, CommandError

from guanxi.customers.models import Account
from guanxi.demo.generate import generate
from guanxi.demo.org import PASSWORD, USERS, ensure_demo_org


class Command(BaseCommand):
    help = "Create the demo organization and about 200 accounts and 600 contacts (or --scale N: N and 3N)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=None, help="N accounts and 3N contacts, inserted in bulk")
        parser.add_argument("--if-empty", action="store_true", help="only when there are no accounts yet")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, scale=None, if_empty=False, seed=2026, **options):
        if scale is not None and scale < 0:
            raise CommandError("--scale must be 0 or more")
        if if_empty and Account._base_manager.exists():
            ensure_demo_org()
            self.stdout.write("Demo data already present; the demo users were refreshed.")
            return
        count = 200 if scale is None else scale

        say = self.stdout.write if scale and scale >= 50000 else None
        made = generate(count, seed=seed, validate=scale is None or scale <= 10000, say=say)
        self.stdout.write(self.style.SUCCESS(f"Created {made['accounts']:,} accounts and {made['contacts']:,} contacts."))
        self.stdout.write(f"Demo logins (password '{PASSWORD}'): " + ", ".join(u[0] for u in USERS))
