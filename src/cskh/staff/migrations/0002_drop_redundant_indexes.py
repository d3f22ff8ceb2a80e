# Foreign keys whose own index only cost writes: another index begins with the key
# (tests/core/test_schema.py keeps it so).

import django.db.models.deletion
from django.db import migrations, models

from cskh.core.schema import drop_indexes

DROPPED = [  # index, table, column
    ('staff_personaldataaccess_customer_id_b94c1611', 'staff_personaldataaccess', 'customer_id'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0004_drop_redundant_indexes'),
        ('staff', '0001_initial'),
    ]

    operations = [
        drop_indexes(DROPPED, [
            migrations.AlterField(
                model_name='personaldataaccess',
                name='customer',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='customers.customer'),
            ),
        ]),
    ]
