"""GIN indexes (jsonb_path_ops) on the accounts' and contacts' custom_fields, on PostgreSQL only.

They serve the lists' custom field filters, which custom_fields/filters.py writes as jsonb
containment (`custom_fields @> '{"region": "east"}'`). SQLite has no such index; there the
filters use its JSON functions on the embedded (small) database, so this is a no-op."""

from django.db import migrations

TABLES = {"customers_account": "account_custom_fields_gin", "customers_contact": "contact_custom_fields_gin"}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name in TABLES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (custom_fields jsonb_path_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TABLES.values():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0005_duplicate_check_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
