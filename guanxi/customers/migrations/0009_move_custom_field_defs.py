"""CustomFieldDef now belongs to the custom_fields app (custom_fields/0001_initial): removed from
this app's state only; the table and its rows stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0008_account_pool"),
        ("custom_fields", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="CustomFieldDef")],
            database_operations=[],
        ),
    ]
