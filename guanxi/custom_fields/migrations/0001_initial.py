"""CustomFieldDef moves here from customers (state only: the table customers_customfielddef, its
rows and its constraint custom_field_unique_key stay as they are). The object type loses its
choices: the kinds that take custom fields come from the registry."""

import django.utils.timezone
from django.db import migrations, models


def relabel_content_type(apps, schema_editor, old="customers", new="custom_fields"):
    # The content type (and the permissions pointing at it) follow the model, unless the new one
    # already exists.
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="customfielddef").exists():
        ContentType.objects.filter(app_label=old, model="customfielddef").update(app_label=new)


def relabel_back(apps, schema_editor):
    relabel_content_type(apps, schema_editor, old="custom_fields", new="customers")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0008_account_pool"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CustomFieldDef",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("object_type", models.CharField(max_length=40, verbose_name="object")),
                        ("key", models.SlugField(max_length=40, verbose_name="key")),
                        ("label_en", models.CharField(max_length=100, verbose_name="label (English)")),
                        ("label_zh_hans", models.CharField(blank=True, max_length=100, verbose_name="label (Simplified Chinese)")),
                        ("label_zh_hant", models.CharField(blank=True, max_length=100, verbose_name="label (Traditional Chinese)")),
                        ("type", models.CharField(choices=[("text", "Text"), ("long_text", "Long text"), ("number", "Whole number"), ("decimal", "Decimal"), ("date", "Date"), ("datetime", "Date and time"), ("choice", "Single choice"), ("multi_choice", "Multiple choice"), ("boolean", "Yes/no"), ("user", "User"), ("url", "URL"), ("email", "Email"), ("phone", "Phone")], max_length=20, verbose_name="type")),
                        ("choices", models.JSONField(blank=True, default=list, verbose_name="choices")),
                        ("required", models.BooleanField(default=False, verbose_name="required")),
                        ("help_en", models.CharField(blank=True, max_length=300, verbose_name="help text (English)")),
                        ("help_zh_hans", models.CharField(blank=True, max_length=300, verbose_name="help text (Simplified Chinese)")),
                        ("help_zh_hant", models.CharField(blank=True, max_length=300, verbose_name="help text (Traditional Chinese)")),
                        ("order", models.PositiveIntegerField(default=0, verbose_name="order")),
                        ("active", models.BooleanField(default=True, verbose_name="active")),
                        ("version", models.PositiveIntegerField(default=1, editable=False)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                    ],
                    options={
                        "verbose_name": "custom field",
                        "verbose_name_plural": "custom fields",
                        "db_table": "customers_customfielddef",
                        "ordering": ["object_type", "order", "id"],
                        "constraints": [
                            models.UniqueConstraint(fields=("object_type", "key"), name="custom_field_unique_key")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_type, relabel_back, elidable=True),
    ]
