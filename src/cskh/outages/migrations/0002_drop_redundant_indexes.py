# Foreign keys whose own index only cost writes: another index begins with the key
# (tests/core/test_schema.py keeps it so).

import django.db.models.deletion
from django.db import migrations, models

from cskh.core.schema import drop_indexes

DROPPED = [  # index, table, column
    ('outages_outagecustomer_customer_id_5f030dcf', 'outages_outagecustomer', 'customer_id'),
    ('outages_outagecustomer_outage_id_d852fc6c', 'outages_outagecustomer', 'outage_id'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0004_drop_redundant_indexes'),
        ('outages', '0001_initial'),
    ]

    operations = [
        drop_indexes(DROPPED, [
            migrations.AlterField(
                model_name='outagecustomer',
                name='customer',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='customers.customer'),
            ),
            migrations.AlterField(
                model_name='outagecustomer',
                name='outage',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='outages.outage'),
            ),
        ]),
    ]
