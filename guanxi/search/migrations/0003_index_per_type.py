"""PostgreSQL: one GIN index per large object type, planner statistics on the tokens, and the
unique (object_id, object_type) constraint in the order that makes per-record lookups cheap.

- Every search names its object type, so a partial index per type holds only the documents
  that search can match (a contact search no longer reads the accounts' postings), and the
  indexes can be built in parallel (guanxi/demo/pgload.py): PostgreSQL builds one GIN index
  on a single core. Types without an index of their own share `searchdoc_other_gin`; give a
  type its own index when it grows large.
- Statistics on the indexed expression (CREATE STATISTICS … ON (expression)) let the planner
  estimate how many documents a query matches; PostgreSQL ignores the statistics of partial
  indexes for that.

SQLite: changing the constraint makes Django rebuild the table, which drops the triggers that
keep the FTS5 table in step; they are created again (as in 0002) and the FTS5 table rebuilt.
"""

from importlib import import_module

from django.db import migrations, models

fulltext = import_module("guanxi.search.migrations.0002_fulltext")

VECTOR = "array_to_tsvector(string_to_array(tokens, ' '))"
TYPES = ["account", "contact"]

PG_FORWARD = [
    "DROP INDEX IF EXISTS searchdoc_tokens_gin",
    *[f"CREATE INDEX IF NOT EXISTS searchdoc_{t}_gin ON search_searchdocument USING gin ({VECTOR}) "
      f"WHERE object_type = '{t}'" for t in TYPES],
    f"CREATE INDEX IF NOT EXISTS searchdoc_other_gin ON search_searchdocument USING gin ({VECTOR}) "
    f"WHERE {' AND '.join(f'object_type <> {t!r}' for t in TYPES)}",
    f"CREATE STATISTICS IF NOT EXISTS searchdoc_tokens_stats ON ({VECTOR}) FROM search_searchdocument",
]
PG_BACKWARD = [
    "DROP STATISTICS IF EXISTS searchdoc_tokens_stats",
    "DROP INDEX IF EXISTS searchdoc_other_gin",
    *[f"DROP INDEX IF EXISTS searchdoc_{t}_gin" for t in TYPES],
    f"CREATE INDEX IF NOT EXISTS searchdoc_tokens_gin ON search_searchdocument USING gin ({VECTOR})",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_FORWARD:
            schema_editor.execute(sql)
    else:
        _restore_fts(schema_editor)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_BACKWARD:
            schema_editor.execute(sql)


def restore_fts(apps, schema_editor):
    """Backwards, the constraint operations (run after this) rebuild the table again."""
    if schema_editor.connection.vendor != "postgresql":
        _restore_fts(schema_editor)


def _restore_fts(schema_editor):
    for sql in fulltext.SQLITE_FORWARD:
        schema_editor.execute(sql)
    schema_editor.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]
    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_fts),
        migrations.RemoveConstraint(model_name="searchdocument", name="searchdoc_unique"),
        migrations.AddConstraint(
            model_name="searchdocument",
            constraint=models.UniqueConstraint(fields=("object_id", "object_type"), name="searchdoc_unique"),
        ),
        migrations.RunPython(forward, backward),
    ]
