"""guanxi demo-data [--scale N] [--if-empty]: the demo organization and customers."""

from django.core.management.base import BaseCommand, CommandError

from guanxi.customers.models import Account
from guanxi.demo.generate import ACTIVITIES_PER_ACCOUNT, generate
from guanxi.demo.org import PASSWORD, USERS, ensure_demo_org

BIG_CUSTOMER_ENTRIES = 10_000


class Command(BaseCommand):
    help = (
        "Create the demo organization and about 200 accounts and 600 contacts with their follow-ups, tasks and "
        "custom fields (or --scale N: N and 3N, plus one big customer with 10,000 timeline entries)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=int, default=None, help="N accounts and 3N contacts, inserted in bulk"
        )
        parser.add_argument("--if-empty", action="store_true", help="only when there are no accounts yet")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--activities-per-account",
            type=int,
            default=ACTIVITIES_PER_ACCOUNT,
            help=f"follow-ups per account on average (default {ACTIVITIES_PER_ACCOUNT}; 0 for none)",
        )
        parser.add_argument(
            "--big-customer",
            type=int,
            default=None,
            help=f"timeline entries of the big customer (default {BIG_CUSTOMER_ENTRIES:,} with --scale, "
            "else none; 0 for none)",
        )

    def handle(
        self,
        *args,
        scale=None,
        if_empty=False,
        seed=2026,
        activities_per_account=ACTIVITIES_PER_ACCOUNT,
        big_customer=None,
        **options,
    ):
        if scale is not None and scale < 0:
            raise CommandError("--scale must be 0 or more")
        if activities_per_account < 0 or activities_per_account > 1000:
            raise CommandError("--activities-per-account must be between 0 and 1000")
        if big_customer is not None and big_customer < 0:
            raise CommandError("--big-customer must be 0 or more")
        if if_empty and Account._base_manager.exists():
            users = ensure_demo_org()
            self.stdout.write("Demo data already present; the demo users were refreshed.")
            self._sales(users, seed=seed)  # a demo database from before the sales issue gets its sales data
            return
        count = 200 if scale is None else scale
        if big_customer is None:
            big_customer = BIG_CUSTOMER_ENTRIES if scale else 0

        say = self.stdout.write if scale and scale >= 50000 else None
        made = generate(
            count,
            seed=seed,
            validate=scale is None or scale <= 10000,
            activities_per_account=activities_per_account,
            big_customer=big_customer,
            say=say,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {made['accounts']:,} accounts, {made['contacts']:,} contacts, {made['activities']:,} follow-ups "
                f"and {made['tasks']:,} tasks."
            )
        )
        if made.get("big_customer"):
            self.stdout.write(
                f"Big customer: account {made['big_customer']} ({big_customer:,} timeline entries)."
            )
        users = ensure_demo_org()
        self._sales(users, seed=seed)
        if scale:
            from guanxi.demo.sales_scale import generate_sales

            volume = generate_sales(scale, seed=seed, say=say)
            self.stdout.write(
                f"Sales at scale: {volume['leads']:,} leads, {volume['opportunities']:,} opportunities "
                f"({volume['board_open']:,} open on the channel board), "
                f"{volume['pooled_accounts']:,} accounts in the customer pool."
            )
        self.stdout.write(f"Demo logins (password '{PASSWORD}'): " + ", ".join(u[0] for u in USERS))

    def _sales(self, users, *, seed: int) -> None:
        from guanxi.demo.sales import make_sales_demo

        made = make_sales_demo(users, seed=seed)
        if made:
            self.stdout.write(
                f"Sales: {made['opportunities']} opportunities, {made['leads']} leads, 2 pools with "
                f"{made['pooled_accounts']} customers and {made['pool_events']} pool events, "
                f"{made['targets']} targets."
            )
