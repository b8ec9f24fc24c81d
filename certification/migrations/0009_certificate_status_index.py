import secrets

from django.db import migrations, models

LENGTH = 131_072


def give_each_a_place(apps, schema_editor):
    Certificate = apps.get_model("certification", "Certificate")
    taken = set()
    for certificate in Certificate.objects.order_by("pk"):
        index = secrets.randbelow(LENGTH)
        while index in taken:
            index = secrets.randbelow(LENGTH)
        taken.add(index)
        certificate.status_index = index
        certificate.save(update_fields=["status_index"])


class Migration(migrations.Migration):
    dependencies = [("certification", "0008_coaching_trios")]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="status_index",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.RunPython(give_each_a_place, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="certificate",
            name="status_index",
            field=models.PositiveIntegerField(unique=True),
        ),
    ]
