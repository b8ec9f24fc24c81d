from django.db import migrations

AUDIENCES = [
    ("Classroom teachers", "classroom-teachers"),
    ("Middle leaders", "middle-leaders"),
    ("Senior leaders", "senior-leaders"),
    ("Whole staff", "whole-staff"),
]


def create_audiences(apps, schema_editor):
    Audience = apps.get_model("courses", "Audience")
    for order, (name, slug) in enumerate(AUDIENCES):
        Audience.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})


def remove_audiences(apps, schema_editor):
    Audience = apps.get_model("courses", "Audience")
    Audience.objects.filter(slug__in=[slug for _, slug in AUDIENCES]).delete()


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]

    operations = [migrations.RunPython(create_audiences, remove_audiences)]
