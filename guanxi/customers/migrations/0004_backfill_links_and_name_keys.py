"""Existing contacts get their primary account link; existing records get their name keys."""

from django.db import migrations


def forwards(apps, schema_editor):
    from guanxi.customers.directory.names import company_key, person_key

    Account = apps.get_model("customers", "Account")
    Contact = apps.get_model("customers", "Contact")
    ContactAccount = apps.get_model("customers", "ContactAccount")
    links = [ContactAccount(contact_id=c, account_id=a, title=t or "", is_primary=True)
             for c, a, t in Contact.objects.filter(account__isnull=False).values_list("id", "account_id", "title").iterator()]
    ContactAccount.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
    for model, key in ((Account, company_key), (Contact, person_key)):
        batch = []
        for pk, name in model.objects.values_list("id", "name").iterator():
            batch.append(model(id=pk, name_key=key(name)))
            if len(batch) >= 2000:
                model.objects.bulk_update(batch, ["name_key"])
                batch = []
        if batch:
            model.objects.bulk_update(batch, ["name_key"])


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_customer_360")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
