"""`make bench`: a million accounts, three million contacts and 20 million follow-ups in
PostgreSQL, measured over HTTP.

What it does, in order:
1. makes sure the database `guanxi_bench` exists and is migrated (BENCH_DATABASE_URL overrides);
2. loads `guanxi demo-data --scale 1000000 --activities-per-account 20` (and one big customer
   with 10,000 timeline entries) and times it, unless the database already holds exactly that
   data from an earlier run (`--reload` forces a fresh database and load; `--scale` and
   `--activities-per-account` make a smaller run possible);
3. starts `guanxi serve` (waitress, as in production on small installs) on a free loopback
   port and sends real HTTP requests, one at a time, for each scenario: a warm-up, then
   `--requests` timed requests;
4. reads the server's peak resident memory (VmHWM) and counts the SQL queries of the account
   detail page in-process;
5. runs the Customer 360° scenarios (bench/customer360.py): the big customer's 360° page, logging
   a follow-up, the dormancy job, the duplicate check and an XLSX export of ~100,000 accounts;
6. prints a table and writes docs/benchmarks.md with the machine, the volumes loaded, each
   figure, its target and pass/fail.

Run it with `make bench` or `.venv/bin/python bench/run.py [--reload] [--requests N] [--scale N]
[--activities-per-account N] [--only 360]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from report import (  # bench/report.py
    ACTIVITIES_PER_ACCOUNT,
    SCALE,
    machine,
    merge_section,
    report,
    report_360,
)

ROOT = Path(__file__).resolve().parents[1]
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/guanxi_bench")
VAR_DIR = ROOT / "var" / "bench"
LOAD_RECORD = VAR_DIR / "load.json"  # the timing of the load that made the data in the database
REPORT = ROOT / "docs" / "benchmarks.md"

# Search queries people type: Chinese words and names, pinyin, initials, phone endings, email parts.
ACCOUNT_QUERIES = ["西湖", "科技", "杭州西湖", "xihu", "xh", "8000", "0571"]
CONTACT_QUERIES = ["王芳", "陈", "zhang", "xh", "8000", "wang.5234", "example.org"]


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DEBUG")}
    env.update(
        DATABASE_URL=DATABASE_URL,
        GUANXI_VAR_DIR=str(VAR_DIR),
        DJANGO_SETTINGS_MODULE="guanxi.config.settings",
        # the duplicate check is measured with hundreds of requests from one user: no per-user limit
        DUPLICATE_CHECK_RATE_PER_MINUTE="0",
        DUPLICATE_CHECK_RATE_PER_HOUR="0",
    )
    return env


def guanxi(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "guanxi.cli", *args], env=child_env(), cwd=ROOT, check=True, **kwargs
    )


# --- database -----------------------------------------------------------------------------------


def _admin_connection():
    import psycopg

    url = urlsplit(DATABASE_URL)
    return psycopg.connect(
        host=url.hostname or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname="postgres",
        autocommit=True,
    )


def database_name() -> str:
    return urlsplit(DATABASE_URL).path.lstrip("/")


def create_database(*, drop: bool) -> None:
    from psycopg import sql

    name = sql.Identifier(database_name())
    with _admin_connection() as conn:
        if drop:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name()]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def data_is_complete(scale: int) -> bool:
    """The database holds exactly one load of `scale` accounts (and the big customer), fully indexed."""
    from django.db import connection

    from guanxi.customers.models import Account, Contact
    from guanxi.demo.pgload import PENDING
    from guanxi.search.models import SearchDocument

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [PENDING])
        interrupted = cursor.fetchone()[0]
    accounts, contacts = Account._base_manager.count(), Contact._base_manager.count()
    return (
        not interrupted
        and accounts == scale + 1
        and contacts == 3 * scale + 10
        and SearchDocument.objects.count() == accounts + contacts
    )


def load(scale: int, activities: int) -> dict:
    print(
        f"Loading {scale:,} accounts, {3 * scale:,} contacts and about {activities * scale:,} follow-ups "
        f"(guanxi demo-data --scale {scale} --activities-per-account {activities}) …",
        flush=True,
    )
    start = time.monotonic()
    guanxi("demo-data", "--scale", str(scale), "--activities-per-account", str(activities))
    record = {
        "scale": scale,
        "activities_per_account": activities,
        "seconds": round(time.monotonic() - start, 1),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    LOAD_RECORD.write_text(json.dumps(record))
    return record


def volumes() -> dict[str, int]:
    """Rows per table as loaded (estimates from the planner's statistics for the big tables)."""
    from django.db import connection, connections

    tables = {
        "accounts": "customers_account",
        "contacts": "customers_contact",
        "search documents": "search_searchdocument",
        "follow-ups": "engagement_activity",
        "follow-up contacts": "engagement_activitycontact",
        "tasks": "engagement_task",
        "attachments": "engagement_attachment",
        "contact–account links": "customers_contactaccount",
        "partner links": "customers_partnerlink",
        "stage changes": "customers_stagechange",
        "notifications": "engagement_notification",
    }
    out = {}
    with connection.cursor() as cursor:
        for label, table in tables.items():
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            out[label] = cursor.fetchone()[0]
    connections.close_all()
    return out


def prepare_data(scale: int, reload: bool, activities: int = ACTIVITIES_PER_ACCOUNT) -> dict:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    create_database(drop=reload)
    guanxi("migrate", "--noinput", "-v0")
    setup_django()
    from django.db import connections

    complete = data_is_complete(scale)
    connections.close_all()
    record = json.loads(LOAD_RECORD.read_text()) if LOAD_RECORD.exists() else {}
    if complete and record.get("activities_per_account") == activities:
        print(
            f"Reusing the data loaded on {record['date']} ({record['seconds']:.0f} s); --reload to load again."
        )
        return {**record, "reused": True}
    if not reload:  # partial, interrupted or other data: start from an empty database
        create_database(drop=True)
        guanxi("migrate", "--noinput", "-v0")
    return {**load(scale, activities), "reused": False}


def setup_django() -> None:
    os.environ.update(child_env())
    import django

    django.setup()


# --- sessions, tokens and sample records ----------------------------------------------------------


@dataclass
class Persona:
    username: str
    token: str
    session_cookie: str
    account_ids: list[int]


def personas(usernames: list[str], rng: random.Random) -> dict[str, Persona]:
    """An API token and a logged-in session per persona, and 200 accounts each may see."""
    from django.conf import settings
    from django.db import connections
    from django.test import Client

    from guanxi.customers.models import Account
    from guanxi.org.models import ApiToken, User
    from guanxi.policies import access

    out = {}
    for username in usernames:
        user = User.objects.get(username=username)
        _row, token = ApiToken.issue(user, name="bench")
        client = Client()
        client.force_login(user)
        visible = access.scope(user, Account)
        low, high = (
            Account._base_manager.order_by("id").values_list("id", flat=True)[:1][0],
            Account._base_manager.order_by("-id").values_list("id", flat=True)[:1][0],
        )
        ids: list[int] = []
        while len(ids) < 200:
            start = rng.randint(low, high)
            pk = visible.filter(pk__gte=start).order_by("pk").values_list("pk", flat=True).first()
            if pk is not None:
                ids.append(pk)
        out[username] = Persona(username, token, client.cookies[settings.SESSION_COOKIE_NAME].value, ids)
    connections.close_all()
    return out


def detail_query_counts(persona: Persona) -> list[int]:
    """SQL queries of the account detail page for a few accounts (with different numbers of
    contacts and history entries): they should all be the same number."""
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from guanxi.org.models import User

    client = Client()
    client.force_login(User.objects.get(username=persona.username))
    counts = []
    for pk in persona.account_ids[:5]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/customers/accounts/{pk}/")
        assert response.status_code == 200, response.status_code
        counts.append(len(queries))
    connections.close_all()
    return counts


# --- the server and the requests --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`guanxi serve` in a subprocess on a free loopback port."""

    def __init__(self):
        self.port = free_port()
        self.log = open(VAR_DIR / "server.log", "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "guanxi.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=child_env(),
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise SystemExit(f"The server did not start; see {VAR_DIR / 'server.log'}")
            time.sleep(0.2)

    def memory_mb(self) -> dict[str, float]:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return {key: int(values[key].split()[0]) / 1024 for key in ("VmHWM", "VmRSS")}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@dataclass
class Request:
    label: str
    path: str
    headers: dict[str, str]


@dataclass
class Result:
    name: str
    target_ms: float
    timings: list[float] = field(default_factory=list)
    by_label: dict[str, list[float]] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)

    def p(self, q: float, values: list[float] | None = None) -> float:
        values = sorted(self.timings if values is None else values)
        return (
            statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]
        )

    @property
    def passed(self) -> bool:
        return self.p(95) <= self.target_ms


def measure(
    port: int, name: str, target_ms: float, requests: list[Request], *, count: int, warmup: int
) -> Result:
    """Warm up, then `count` requests cycling through `requests`, one at a time, on one
    keep-alive connection like a browser's. A scenario with a few distinct requests (the
    search queries) sends each of them twice during the warm-up: the virtual machine this
    runs on drops file cache untouched for half a minute, and a request that reads from the
    disk measures the disk."""
    if len(requests) <= 50:
        warmup = max(warmup, 2 * len(requests))
    result = Result(name, target_ms, by_label={req.label: [] for req in requests})  # in request order
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    for i in range(warmup + count):
        req = requests[i % len(requests)]
        start = time.perf_counter()
        conn.request("GET", req.path, headers=req.headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise SystemExit(f"{name}: GET {req.path} answered {response.status}: {body[:300]!r}")
        if req.path.startswith("/api/") and req.label not in result.items:
            result.items[req.label] = len(json.loads(body)["items"])  # what came back, once per request
        if i >= warmup:
            result.timings.append(elapsed)
            result.by_label[req.label].append(elapsed)
    conn.close()
    return result


def scenarios(people: dict[str, Persona]) -> list[tuple[str, float, list[Request]]]:
    from django.conf import settings

    def api(p: Persona):
        return {"Authorization": f"Bearer {p.token}", "Accept": "application/json"}

    def ui(p: Persona):
        return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={p.session_cookie}", "Accept": "text/html"}

    director, rep1 = people["director"], people["rep1"]
    search = []
    for resource, queries in (("accounts", ACCOUNT_QUERIES), ("contacts", CONTACT_QUERIES)):
        for q in queries:
            for p in (director, rep1):
                search.append(
                    Request(f"{resource} q={q} ({p.username})", f"/api/v1/{resource}?q={quote(q)}", api(p))
                )
    return [
        (
            "Contacts API, first page (director: all 3M)",
            50,
            [Request("director", "/api/v1/contacts", api(director))],
        ),
        (
            "Contacts API, first page (rep1: own records)",
            50,
            [Request("rep1", "/api/v1/contacts", api(rep1))],
        ),
        ("Search API `q` over 4M records (mixed queries)", 100, search),
        (
            "Account detail page (UI)",
            100,
            [
                Request(f"{p.username}", f"/customers/accounts/{pk}/", ui(p))
                for i in range(200)
                for p in (director, rep1)
                for pk in [p.account_ids[i]]
            ],
        ),
        (
            "Contacts list page, filtered + sorted (UI)",
            50,
            [
                Request(
                    "owner=rep2&ordering=name (director)",
                    "/customers/contacts/?owner=rep2&ordering=name",
                    ui(director),
                ),
                Request(
                    "has_email=true&ordering=-created_at (director)",
                    "/customers/contacts/?has_email=true&ordering=-created_at",
                    ui(director),
                ),
                Request(
                    "has_mobile=true&ordering=name (rep1)",
                    "/customers/contacts/?has_mobile=true&ordering=name",
                    ui(rep1),
                ),
                Request(
                    "owner=manager1&ordering=-created_at (manager1's view as director)",
                    "/customers/contacts/?owner=manager1&ordering=-created_at",
                    ui(director),
                ),
            ],
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reload", action="store_true", help="drop the bench database and load it again")
    parser.add_argument(
        "--scale", type=int, default=SCALE, help="accounts to load (contacts: 3 times as many)"
    )
    parser.add_argument("--requests", type=int, default=200, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests before each scenario")
    parser.add_argument("--no-report", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument(
        "--activities-per-account",
        type=int,
        default=ACTIVITIES_PER_ACCOUNT,
        help="follow-ups per account on average (the big customer has 10,000 timeline entries anyway)",
    )
    parser.add_argument(
        "--only",
        choices=["all", "360", "sales"],
        default="all",
        help="360: only the Customer 360° scenarios; sales: only the sales ones (bench/sales.py)",
    )
    args, _rest = parser.parse_known_args()
    if args.only == "sales":  # its own database and options: bench/sales.py --help
        import sales

        sales.main([a for a in sys.argv[1:] if not a.startswith("--only") and a != "sales"])
        return

    import customer360 as c360  # bench/customer360.py, next to this file

    loaded = prepare_data(args.scale, args.reload, args.activities_per_account)
    rng = random.Random(7)
    people = personas(["director", "rep1"], rng)
    query_counts = {user: detail_query_counts(p) for user, p in people.items()} if args.only == "all" else {}
    info = machine()
    counts = volumes()
    prefixes = c360.duplicate_prefixes(random.Random(3))
    export_query, export_rows = c360.export_filter()

    def say(outcome):
        print(
            f"  {outcome.name} … {outcome.p50} / {outcome.p95}: {outcome.verdict}; "
            + "; ".join(outcome.details),
            flush=True,
        )
        return outcome

    outcomes = [say(c360.page_360(requests=max(20, args.requests // 4), warmup=3))]
    server = Server()
    try:
        results = []
        if args.only == "all":
            for name, target, requests in scenarios(people):
                print(f"  {name} …", end=" ", flush=True)
                results.append(
                    measure(server.port, name, target, requests, count=args.requests, warmup=args.warmup)
                )
                print(f"p50 {results[-1].p(50):.1f} ms, p95 {results[-1].p(95):.1f} ms", flush=True)
        outcomes.append(
            say(
                c360.followup_create(
                    server.port,
                    people["rep1"].token,
                    people["rep1"].account_ids[:50],
                    requests=args.requests,
                    warmup=args.warmup,
                )
            )
        )
        outcomes.append(
            say(
                c360.duplicate_check(
                    server.port,
                    people["director"].token,
                    prefixes,
                    requests=args.requests,
                    warmup=args.warmup,
                )
            )
        )
        outcomes.append(
            say(
                c360.xlsx_export(
                    server.port,
                    people["director"].token,
                    server.memory_mb,
                    query=export_query,
                    rows=export_rows,
                )
            )
        )
        memory = server.memory_mb()
    finally:
        server.stop()
    outcomes.append(say(c360.dormancy_job(ROOT, child_env())))

    if args.only == "360":  # only the Customer 360° section of the page is replaced
        section = report_360(info, loaded, outcomes, counts, memory)
        print()
        print(section)
        if not args.no_report:
            REPORT.write_text(
                merge_section(REPORT.read_text() if REPORT.exists() else "# Benchmarks\n", section)
            )
            print(f"\nWritten to {REPORT.relative_to(ROOT)}")
        return
    text = report(info, loaded, results, memory, query_counts, args, outcomes, counts)
    print()
    print(text.split("## Volumes loaded")[0].split("## Results against the targets")[1].strip())
    if not args.no_report:
        REPORT.write_text(text)
        print(f"\nWritten to {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
