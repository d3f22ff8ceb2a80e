# Foreign keys whose own index only cost writes: another index begins with the key
# (tests/core/test_schema.py keeps it so).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from cskh.core.schema import drop_indexes

DROPPED = [  # index, table, column
    ('incidents_incident_reporter_id_ffffd929', 'incidents_incident', 'reporter_id'),
    ('incidents_incident_unit_id_60f58d51', 'incidents_incident', 'unit_id'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0004_drop_redundant_indexes'),
        ('incidents', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        drop_indexes(DROPPED, [
            migrations.AlterField(
                model_name='incident',
                name='reporter',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='incidents', to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='incident',
                name='unit',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='incidents', to='customers.unit', verbose_name='handling unit'),
            ),
        ]),
    ]
