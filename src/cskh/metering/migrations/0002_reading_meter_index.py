from django.db import migrations

from cskh.metering import partitions


def create_meter_index(apps, schema_editor):
    partitions.create_meter_index(schema_editor)


def drop_meter_index(apps, schema_editor):
    partitions.drop_meter_index(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('metering', '0001_initial'),
    ]

    operations = [
        # A meter's days side by side for the customer's views (partitions.py).
        migrations.RunPython(create_meter_index, drop_meter_index),
    ]
