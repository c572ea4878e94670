"""Files on a record in the recycle bin go to the bin with it (the registry's rule since the record
platform: they come back with it, and are purged with it, as the old purge-attachments job did)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def bin_files_of_binned_records(apps, schema_editor):
    Attachment = apps.get_model("engagement", "Attachment")
    parents = {
        "account": apps.get_model("customers", "Account"),
        "contact": apps.get_model("customers", "Contact"),
        "activity": apps.get_model("engagement", "Activity"),
    }
    for field, model in parents.items():
        binned = model._base_manager.filter(pk=OuterRef(f"{field}_id"), deleted_at__isnull=False)
        Attachment._base_manager.filter(
            deleted_at__isnull=True, **{f"{field}__deleted_at__isnull": False}
        ).update(deleted_at=Subquery(binned.values("deleted_at")[:1]))


class Migration(migrations.Migration):
    dependencies = [("engagement", "0003_lead_links"), ("customers", "0008_account_pool")]

    operations = [migrations.RunPython(bin_files_of_binned_records, migrations.RunPython.noop)]
