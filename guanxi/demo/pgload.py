"""PostgreSQL bulk loading for the demo generator: COPY, reserved ids, indexes set aside.

Three techniques, each worth several minutes at a million accounts:

1. COPY instead of INSERT (`write_with_copy`): rows stream to the server in one command per
   table and chunk, with no SQL to parse per row.
2. Ids reserved up front (`reserve_ids`): the main process takes a block of consecutive ids
   from each table's sequence, so every worker knows the ids of its chunk's accounts before
   saving them and can write the contacts' `account_id` in the same pass.
3. Indexes and foreign keys set aside during a large load (`bulk_load_mode`): building an
   index once over all the rows is much cheaper than updating it for every row, and checking 3
   million foreign keys one row at a time costs more than the one join that checks them when
   the constraint is added back. The indexes are rebuilt on two connections at once, the GIN
   indexes of the search table first: PostgreSQL builds a GIN index on one core (before
   version 18), which is why there is one per object type (search migration 0003), while it
   spreads each B-tree build over its parallel workers. Primary keys, unique and check
   constraints stay in place all along. Everything set aside is recreated from PostgreSQL's
   own definitions (`pg_get_indexdef`, `pg_get_constraintdef`), even when the load fails, so
   afterwards the schema is exactly what the migrations made.
"""

from __future__ import annotations

import json
import logging
import queue
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from operator import attrgetter

from django.db import connection, models, transaction
from django.utils import timezone

from guanxi.customers.models import Account, Contact
from guanxi.search import services as search
from guanxi.search.models import SearchDocument

log = logging.getLogger(__name__)
# maintenance_work_mem per build. B-trees sort in it; GIN builds were measured faster with a
# modest amount (their in-memory tree of tokens stops fitting in the CPU caches).
REBUILD_MEMORY = {"btree": "1GB", "gin": "64MB"}
REBUILD_CONNECTIONS = 2


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def reserve_ids(model: type[models.Model], count: int) -> int:
    """Take `count` consecutive ids from the model's id sequence and return the first one.

    The table lock makes concurrent inserts wait until the sequence has moved past the block.
    """
    if count <= 0:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {_table(model)} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


class _Copier:
    """COPY model instances into their table, column by column as the model defines them."""

    def __init__(self, model: type[models.Model], *, with_pk: bool):
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)  # type: ignore[arg-type]  # concrete: a column
        self.sql = f"COPY {_table(model)} ({columns}) FROM STDIN"
        self.values = attrgetter(*(f.attname for f in fields))
        # psycopg adapts str, int, datetime and None itself; JSON needs serializing.
        self.json_positions = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]

    def __call__(self, cursor, objs: Iterable[models.Model]) -> None:
        with cursor.copy(self.sql) as copy:
            for obj in objs:
                row = list(self.values(obj))
                for i in self.json_positions:
                    row[i] = json.dumps(row[i], ensure_ascii=False)
                copy.write_row(row)


_copiers: dict[tuple[type[models.Model], bool], _Copier] = {}


def _copier(model: type[models.Model], *, with_pk: bool = True) -> _Copier:
    if (model, with_pk) not in _copiers:
        _copiers[model, with_pk] = _Copier(model, with_pk=with_pk)
    return _copiers[model, with_pk]


def _point(objs: Iterable[models.Model], *names: str) -> None:
    """Copy the ids of related instances (saved only now, with reserved ids) into their
    foreign key columns, which Django filled when the instances had no id yet."""
    for obj in objs:
        cache = obj._state.fields_cache
        for name in names:
            related = cache.get(name)
            if related is not None:
                setattr(obj, f"{name}_id", related.pk)


def write_with_copy(chunk, *, first_account: int, first_contact: int, first_activity: int = 0) -> None:
    """Save a generate.Chunk with ids from the reserved blocks, and its search index entries.
    Follow-ups get reserved ids too (their contacts and tasks point at them); the other rows
    take theirs from their tables' sequences."""
    from guanxi.customers.models import ContactAccount, PartnerLink, StageChange
    from guanxi.engagement.models import Activity, ActivityContact, Task

    told = chunk.story
    for i, account in enumerate(chunk.accounts):
        account.pk = first_account + i
    for sub, parent in told.parents:
        sub.parent_id = parent.pk
    for i, contact in enumerate(chunk.contacts):
        contact.pk = first_contact + i
        contact.account_id = contact.account.pk
    for i, activity in enumerate(told.activities):
        activity.pk = first_activity + i
    _point(told.links, "contact", "account")
    _point(told.partner_links, "partner", "customer")
    _point(told.stage_changes, "account")
    _point(told.activities, "account")
    _point(told.activity_contacts, "activity", "contact")
    _point(told.tasks, "account", "contact", "activity")
    now = timezone.now()
    documents = [search.document_for(obj, now=now) for obj in (*chunk.accounts, *chunk.contacts)]
    with transaction.atomic(), connection.cursor() as cursor:
        _copier(Account)(cursor, chunk.accounts)
        _copier(Contact)(cursor, chunk.contacts)
        _copier(SearchDocument, with_pk=False)(cursor, documents)  # ids from the table's sequence
        _copier(Activity)(cursor, told.activities)
        for model, rows in (
            (ContactAccount, told.links),
            (PartnerLink, told.partner_links),
            (StageChange, told.stage_changes),
            (ActivityContact, told.activity_contacts),
            (Task, told.tasks),
        ):
            _copier(model, with_pk=False)(cursor, rows)


# --- indexes and foreign keys set aside during a large load --------------------------------------
#
# The statements that recreate what was dropped are kept in a small table until they have run,
# so that a load killed half-way (Ctrl-C twice, kill -9, a reboot) is finished by the next run
# of `guanxi demo-data` (finish_interrupted_load) instead of leaving the tables without indexes.

PENDING = "guanxi_demo_pending_ddl"


def _set_aside(tables: list[str]) -> list[tuple[str, str, str]]:
    """(kind, DROP …, CREATE … / ADD …) for the indexes and foreign keys of `tables`, GIN
    indexes first. Indexes that back a constraint (primary key, unique) stay."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT am.amname, 'DROP INDEX ' || i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
            WHERE i.indrelid = ANY(%s::regclass[])
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            UNION ALL
            SELECT 'fk', format('ALTER TABLE %%s DROP CONSTRAINT %%I', conrelid::regclass, conname),
                   format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', conrelid::regclass, conname,
                          pg_get_constraintdef(oid))
            FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])
        """,
            [tables, tables],
        )
        order = {"gin": 0, "btree": 1, "fk": 2}
        return sorted(cursor.fetchall(), key=lambda row: order.get(row[0], 1))


def _run(statements: queue.SimpleQueue[tuple[int, str, str]]) -> None:
    """Take pending statements off the queue and run them, each followed by crossing it off
    the list. Runs in a thread: Django gives each thread its own connection."""
    try:
        with connection.cursor() as cursor:
            while True:
                try:
                    pk, kind, sql = statements.get_nowait()
                except queue.Empty:
                    return
                with transaction.atomic():
                    cursor.execute(f"SET LOCAL maintenance_work_mem = '{REBUILD_MEMORY.get(kind, '1GB')}'")
                    cursor.execute(sql)
                    cursor.execute(f"DELETE FROM {PENDING} WHERE id = %s", [pk])
    finally:
        connection.close()


def _rebuild() -> None:
    log.info("Rebuilding the indexes and foreign keys set aside for the load")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, kind, sql FROM {PENDING} ORDER BY id")
        pending = cursor.fetchall()
    # Indexes on two connections at once; then foreign keys on one (adding one locks both of
    # its tables, so two at a time would only wait for each other).
    for step, connections in (
        ([p for p in pending if p[1] != "fk"], REBUILD_CONNECTIONS),
        ([p for p in pending if p[1] == "fk"], 1),
    ):
        statements: queue.SimpleQueue[tuple[int, str, str]] = queue.SimpleQueue()
        for item in step:
            statements.put(item)
        with ThreadPoolExecutor(connections) as pool:
            for future in [pool.submit(_run, statements) for _ in range(connections)]:
                future.result()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {PENDING}")


def finish_interrupted_load() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [PENDING])
        interrupted = cursor.fetchone()[0]
    if interrupted:
        _rebuild()


def set_aside(model_list: list[type[models.Model]]) -> None:
    """Drop the secondary indexes and foreign keys of these tables, noting how to recreate them."""
    statements = _set_aside([m._meta.db_table for m in model_list])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {PENDING} (id serial PRIMARY KEY, kind text NOT NULL, sql text NOT NULL)"
        )
        for kind, _drop, create in statements:
            cursor.execute(f"INSERT INTO {PENDING} (kind, sql) VALUES (%s, %s)", [kind, create])
        for _kind, drop, _create in sorted(statements, key=lambda s: s[0] != "fk"):  # foreign keys first
            cursor.execute(drop)


@contextmanager
def bulk_load_mode(model_list: list[type[models.Model]]) -> Iterator[None]:
    """Indexes and foreign keys of these tables set aside for the block, recreated after it."""
    set_aside(model_list)
    try:
        yield
    finally:
        _rebuild()


def analyze(model_list: list[type[models.Model]]) -> None:
    """Fresh planner statistics, and through VACUUM the visibility map that lets index-only
    scans skip the table. VACUUM cannot run inside a transaction (e.g. a test's), ANALYZE can."""
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in model_list:
            cursor.execute(f"{command} {_table(model)}")
