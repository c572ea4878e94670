"""The full-text side of the search index, one per database.

PostgreSQL: a GIN index over the tokens as a tsvector built without a parser
(array_to_tsvector keeps our Chinese/pinyin tokens exactly as made).
SQLite: an FTS5 table mirroring search_searchdocument through triggers.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE INDEX IF NOT EXISTS searchdoc_tokens_gin ON search_searchdocument "
    "USING gin (array_to_tsvector(string_to_array(tokens, ' ')))",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS searchdoc_tokens_gin"]

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(tokens, content='search_searchdocument', "
    "content_rowid='id', tokenize=\"unicode61 remove_diacritics 0\")",
    "CREATE TRIGGER IF NOT EXISTS search_fts_ai AFTER INSERT ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER IF NOT EXISTS search_fts_ad AFTER DELETE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES('delete', old.id, old.tokens); END",
    "CREATE TRIGGER IF NOT EXISTS search_fts_au AFTER UPDATE OF tokens ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES('delete', old.id, old.tokens); "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_fts_au", "DROP TRIGGER IF EXISTS search_fts_ad",
    "DROP TRIGGER IF EXISTS search_fts_ai", "DROP TABLE IF EXISTS search_fts",
]


def forward(apps, schema_editor):
    statements = PG_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    statements = PG_BACKWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_BACKWARD
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
