"""PostgreSQL bulk loading for the demo generator: COPY, reserved ids, indexes set aside.

Three techniques, each worth several minutes at a million accounts:

1. COPY instead of INSERT (`write_with_copy`): rows stream to the server in one command per
   table and chunk, with no SQL to parse per row.
2. Ids reserved up front (`reserve_ids`): the main process takes a block of consecutive ids
   from each table's sequence, so every worker knows the ids of its chunk's accounts before
   saving them and can write the contacts' `account_id` in the same pass.
3. Indexes and foreign keys set aside during a large load (`bulk_load_mode`): building an
   index once over sorted data is much cheaper than updating it for every row, and checking
   3 million foreign keys one row at a time costs more than one join at the end. Primary keys,
   unique and check constraints stay in place all along. Everything set aside is recreated
   from PostgreSQL's own definitions (`pg_get_indexdef`, `pg_get_constraintdef`), even when
   the load fails, so afterwards the schema is exactly what the migrations made.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from operator import attrgetter

from django.db import connection, connections, models, transaction
from django.utils import timezone

from guanxi.customers.models import Account, Contact
from guanxi.search import services as search
from guanxi.search.models import SearchDocument

log = logging.getLogger(__name__)
REBUILD_MEMORY = "1GB"  # maintenance_work_mem for each index build (the bench machine has 24 GB)
REBUILD_CONNECTIONS = 2  # index builds that run at the same time


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
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
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


def write_with_copy(chunk, *, first_account: int, first_contact: int) -> None:
    """Save a generate.Chunk with ids from the reserved blocks, and its search index entries."""
    for i, account in enumerate(chunk.accounts):
        account.pk = first_account + i
    for i, contact in enumerate(chunk.contacts):
        contact.pk = first_contact + i
        contact.account_id = contact.account.pk
    now = timezone.now()
    documents = [search.document_for(obj, now=now) for obj in (*chunk.accounts, *chunk.contacts)]
    with transaction.atomic(), connection.cursor() as cursor:
        _copier(Account)(cursor, chunk.accounts)
        _copier(Contact)(cursor, chunk.contacts)
        _copier(SearchDocument, with_pk=False)(cursor, documents)  # ids from the table's sequence


# --- indexes and foreign keys set aside during a large load --------------------------------------

def _set_aside(tables: list[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """(name, CREATE INDEX …) of the secondary indexes and (table, name, definition) of the
    foreign keys of `tables`. Indexes that back a constraint (primary key, unique) stay."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[])
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY pg_relation_size(i.indrelid) DESC
        """, [tables])
        indexes = cursor.fetchall()
        cursor.execute("""
            SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid)
            FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])
        """, [tables])
        foreign_keys = cursor.fetchall()
    return indexes, foreign_keys


def _run_on_own_connection(statements: list[str]) -> None:
    """Run in a thread: Django gives each thread its own connection, closed at the end."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SET maintenance_work_mem = '{REBUILD_MEMORY}'")
            for sql in statements:
                cursor.execute(sql)
    finally:
        connections.close_all()


def _rebuild(indexes: list[tuple[str, str]], foreign_keys: list[tuple[str, str, str]]) -> None:
    # The GIN index of the search table takes longest: give it a connection of its own while
    # the other builds the B-trees, which PostgreSQL itself spreads over parallel workers.
    gin = [sql for _name, sql in indexes if " USING gin " in sql]
    btree = [sql for _name, sql in indexes if " USING gin " not in sql]
    with ThreadPoolExecutor(REBUILD_CONNECTIONS) as pool:
        for future in [pool.submit(_run_on_own_connection, gin), pool.submit(_run_on_own_connection, btree)]:
            future.result()
    # Adding a foreign key checks every row in one query.
    with connection.cursor() as cursor:
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


@contextmanager
def bulk_load_mode(model_list: list[type[models.Model]]) -> Iterator[None]:
    """Drop the secondary indexes and foreign keys of these tables; recreate them afterwards."""
    tables = [m._meta.db_table for m in model_list]
    indexes, foreign_keys = _set_aside(tables)
    with transaction.atomic(), connection.cursor() as cursor:
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {name}")
    try:
        yield
    finally:
        log.info("Rebuilding %d indexes and %d foreign keys", len(indexes), len(foreign_keys))
        _rebuild(indexes, foreign_keys)


def analyze(model_list: list[type[models.Model]]) -> None:
    """Fresh planner statistics, and through VACUUM the visibility map that lets index-only
    scans skip the table. VACUUM cannot run inside a transaction (e.g. a test's), ANALYZE can."""
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in model_list:
            cursor.execute(f"{command} {_table(model)}")
