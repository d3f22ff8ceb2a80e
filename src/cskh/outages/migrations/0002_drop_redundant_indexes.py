# Foreign keys whose own index only cost writes: another index begins with the key
# (tests/core/test_schema.py keeps it so). Only the indexes are dropped: altering the
# fields the usual way would drop and re-add (re-validate) the foreign keys.

import django.db.models.deletion
from django.db import migrations, models

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
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS {index}', f'CREATE INDEX {index} ON {table} ({column})'
                )
                for index, table, column in DROPPED
            ],
            state_operations=[
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
            ],
        ),
    ]
