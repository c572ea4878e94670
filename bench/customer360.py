"""The Customer 360° benchmarks of bench/run.py: five targets, each skipped with a clear
"not available" line when its endpoint or job does not exist (yet).

| scenario | how | target |
|---|---|---|
| 360° page of the big customer (10,000 timeline entries) | Django test Client in-process, logged in as its owner; query count compared with a small account's | p95 ≤ 150 ms, fixed queries |
| log a follow-up | POST /api/v1/activities over HTTP with a bearer token | p95 ≤ 30 ms |
| dormancy job over all accounts | `guanxi runjob dormancy` in a subprocess, once, after resetting every health to *active* so that it has rows to change | ≤ 60 s |
| duplicate check while typing | GET /api/v1/duplicates/check?object=account&name=<prefix> over HTTP, prefixes of real names | p95 ≤ 50 ms |
| XLSX export of ~100,000 accounts | GET /api/v1/accounts/export?format=xlsx over HTTP, the server's peak RSS before and after | ≤ 60 s, flat memory |
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote


@dataclass
class Outcome:
    name: str
    target: str
    p50: str = "—"
    p95: str = "—"
    verdict: str = "not available"
    details: list[str] = field(default_factory=list)

    def row(self) -> tuple[str, str, str, str, str]:
        return (self.name, self.p50, self.p95, self.target, self.verdict)


def _pct(values: list[float], q: int) -> float:
    values = sorted(values)
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def _verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def big_customer_id() -> int | None:
    from guanxi.customers.models import Account
    from guanxi.demo.bigcustomer import NAME

    return Account._base_manager.filter(name=NAME).order_by("-id").values_list("id", flat=True).first()


def timeline_size(pk: int) -> int:
    from guanxi.engagement.models import Activity, Attachment, Task

    return (
        Activity._base_manager.filter(account_id=pk).count()
        + Task._base_manager.filter(account_id=pk).count()
        + Attachment._base_manager.filter(account_id=pk).count()
    )


# --- 1. the 360° page --------------------------------------------------------------------------------------


def page_360(*, requests: int, warmup: int) -> Outcome:
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from guanxi.customers.models import Account

    out = Outcome("360° page of the big customer (UI, in-process, owner rep1)", "≤ 150 ms, fixed queries")
    pk = big_customer_id()
    if pk is None:
        out.details.append("not available: no big customer in the database (demo-data --big-customer)")
        return out
    account = Account._base_manager.get(pk=pk)
    small = (
        Account._base_manager.filter(owner_id=account.owner_id, deleted_at__isnull=True)
        .exclude(pk=pk)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    client = Client()
    client.force_login(account.owner)
    url = f"/customers/accounts/{pk}/"
    timings = []
    for i in range(warmup + requests):
        start = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            out.details.append(f"not available: GET {url} answered {response.status_code}")
            return out
        if i >= warmup:
            timings.append(elapsed)
    counts = {}
    for label, target in (("big customer", pk), ("a small account", small)):
        if target is None:
            continue
        with CaptureQueriesContext(connection) as queries:
            client.get(f"/customers/accounts/{target}/")
        counts[label] = len(queries)
    connections.close_all()
    entries = timeline_size(pk)
    fixed = len(set(counts.values())) == 1
    out.p50, out.p95 = f"{_pct(timings, 50):.1f} ms", f"{_pct(timings, 95):.1f} ms"
    out.verdict = _verdict(_pct(timings, 95) <= 150 and fixed)
    out.details.append(
        f"account {pk} with {entries:,} timeline entries; {requests} timed requests after {warmup}; "
        "SQL queries: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + (" (the same)" if fixed else " (**not the same**)")
    )
    return out


# --- 2. logging a follow-up ----------------------------------------------------------------------------------


def followup_create(port: int, token: str, account_ids: list[int], *, requests: int, warmup: int) -> Outcome:
    out = Outcome("Log a follow-up (POST /api/v1/activities, rep1)", "≤ 30 ms")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }
    rng = random.Random(11)
    timings = []
    for i in range(warmup + requests):
        body = json.dumps(
            {
                "kind": rng.choice(["call", "visit", "message", "email"]),
                "account": account_ids[i % len(account_ids)],
                "subject": "基准测试：电话回访",
                "content": "与客户确认了交货时间。客户表示满意。",
                "outcome": "客户表示满意",
            },
            ensure_ascii=False,
        ).encode()
        start = time.perf_counter()
        conn.request("POST", "/api/v1/activities", body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 201:
            out.details.append(
                f"not available: POST /api/v1/activities answered {response.status}: {payload[:200]!r}"
            )
            conn.close()
            return out
        if i >= warmup:
            timings.append(elapsed)
    conn.close()
    out.p50, out.p95 = f"{_pct(timings, 50):.1f} ms", f"{_pct(timings, 95):.1f} ms"
    out.verdict = _verdict(_pct(timings, 95) <= 30)
    out.details.append(
        f"{requests} follow-ups created on {len(set(account_ids))} of rep1's accounts, one at a time "
        f"(after {warmup} untimed)"
    )
    return out


# --- 3. the dormancy job ---------------------------------------------------------------------------------------


def dormancy_job(root: Path, env: dict[str, str]) -> Outcome:
    from django.db import connection, connections

    from guanxi.customers.models import Account

    out = Outcome("Dormancy job (`guanxi runjob dormancy`) over all accounts", "≤ 60 s")
    listed = subprocess.run(
        [sys.executable, "-m", "guanxi.cli", "runjob", "--list"],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
    )
    if "dormancy" not in listed.stdout:
        out.details.append("not available: no job named dormancy in `guanxi runjob --list`")
        return out
    live = Account._base_manager.filter(deleted_at__isnull=True)
    total = live.count()
    # Give the job work: every account active again, as if the last run were long ago.
    reset = live.exclude(health="active").update(health="active")
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE customers_account"
            if not connection.in_atomic_block
            else "ANALYZE customers_account"
        )
    connections.close_all()
    start = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "guanxi.cli", "runjob", "dormancy"],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - start
    if run.returncode != 0:
        out.verdict = "**FAIL**"
        out.details.append(f"the job failed: {run.stderr.strip()[-300:]}")
        return out
    after = live.exclude(health="active").count()
    connections.close_all()
    out.p50 = f"{seconds:.1f} s"
    out.verdict = _verdict(seconds <= 60 and after > 0)
    out.details.append(
        f"{total:,} live accounts; {reset:,} reset to active before the run; afterwards {after:,} drifting "
        f"or dormant; the job said: {run.stdout.strip()[-300:]} (time includes starting Python and Django)"
    )
    return out


# --- 4. the duplicate check ---------------------------------------------------------------------------------------


def duplicate_prefixes(rng: random.Random, count: int = 12) -> list[str]:
    """What people type: growing prefixes (2, 4, 6 … characters) of real account names."""
    from django.db import connections

    from guanxi.customers.models import Account

    high = Account._base_manager.order_by("-id").values_list("id", flat=True).first() or 0
    names = []
    while len(names) < count and high:
        name = (
            Account._base_manager.filter(pk__gte=rng.randint(1, high))
            .order_by("pk")
            .values_list("name", flat=True)
            .first()
        )
        if name and name not in names:
            names.append(name)
    connections.close_all()
    prefixes = []
    for name in names:
        prefixes += [name[:n] for n in range(2, len(name) + 1, 2)]
    return prefixes


def duplicate_check(port: int, token: str, prefixes: list[str], *, requests: int, warmup: int) -> Outcome:
    out = Outcome("Duplicate check while typing (GET /api/v1/duplicates/check, director)", "≤ 50 ms")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    timings, found = [], []
    for i in range(warmup + requests):
        path = f"/api/v1/duplicates/check?object=account&name={quote(prefixes[i % len(prefixes)])}"
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            out.details.append(f"not available: GET {path} answered {response.status}: {payload[:200]!r}")
            conn.close()
            return out
        if i >= warmup:
            timings.append(elapsed)
            matches = json.loads(payload).get("matches")
            found.append(len(matches) if isinstance(matches, list) else 0)
    conn.close()
    out.p50, out.p95 = f"{_pct(timings, 50):.1f} ms", f"{_pct(timings, 95):.1f} ms"
    out.verdict = _verdict(_pct(timings, 95) <= 50)
    out.details.append(
        f"{len(prefixes)} prefixes of {len({p[:2] for p in prefixes})}+ real names, cycled; "
        f"{requests} timed requests; candidates returned per request: median {statistics.median(found):.0f}, "
        f"max {max(found)}"
    )
    return out


# --- 5. the XLSX export -------------------------------------------------------------------------------------------


def export_filter(target: int = 100_000) -> tuple[str, int]:
    """The query string whose export is closest to `target` accounts: all of them, or one owner's."""
    from django.db import connections
    from django.db.models import Count

    from guanxi.customers.models import Account

    live = Account._base_manager.filter(deleted_at__isnull=True)
    options = [("", live.count())]
    options += [
        (f"&owner={row['owner__username']}", row["n"])
        for row in live.values("owner__username").annotate(n=Count("id")).order_by()
    ]
    connections.close_all()
    return min(options, key=lambda o: abs(o[1] - target))


def xlsx_export(port: int, token: str, memory, *, query: str, rows: int) -> Outcome:
    out = Outcome(
        f"XLSX export of {rows:,} accounts (GET /api/v1/accounts/export, director)", "≤ 60 s, flat memory"
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Authorization": f"Bearer {token}"}
    before = memory()
    start = time.perf_counter()
    conn.request("GET", f"/api/v1/accounts/export?format=xlsx{query}", headers=headers)
    response = conn.getresponse()
    size = 0
    first = b""
    while chunk := response.read(1 << 16):
        if not first:
            first = chunk[:300]
        size += len(chunk)
    seconds = time.perf_counter() - start
    conn.close()
    if response.status != 200:
        out.details.append(f"not available: the export answered {response.status}: {first!r}")
        return out
    after = memory()
    grew = after["VmHWM"] - before["VmHWM"]
    out.p50 = f"{seconds:.1f} s"
    flat = grew < 100
    out.verdict = _verdict(seconds <= 60 and flat and first.startswith(b"PK"))
    out.details.append(
        f"{size / 1e6:.1f} MB of XLSX; the server's peak RSS {before['VmHWM']:.0f} MB before, "
        f"{after['VmHWM']:.0f} MB after (+{grew:.0f} MB; flat = under +100 MB)"
    )
    return out
