# Foreign keys whose own index only cost writes: another index begins with the key
# (tests/core/test_schema.py keeps it so).

import django.db.models.deletion
from django.db import migrations, models

from cskh.core.schema import drop_indexes

DROPPED = [  # index, table, column
    ('metering_multiplierperiod_meter_id_f7443341', 'metering_multiplierperiod', 'meter_id'),
    ('metering_rejectedrow_batch_id_cd3d141c', 'metering_rejectedrow', 'batch_id'),
    ('metering_startindex_meter_id_bf5a83ad', 'metering_startindex', 'meter_id'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0004_drop_redundant_indexes'),
        ('metering', '0002_reading_meter_index'),
    ]

    operations = [
        drop_indexes(DROPPED, [
            migrations.AlterField(
                model_name='multiplierperiod',
                name='meter',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='multiplier_periods', to='customers.meter'),
            ),
            migrations.AlterField(
                model_name='rejectedrow',
                name='batch',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='rejections', to='metering.importbatch'),
            ),
            migrations.AlterField(
                model_name='startindex',
                name='meter',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='start_indexes', to='customers.meter'),
            ),
        ]),
    ]
