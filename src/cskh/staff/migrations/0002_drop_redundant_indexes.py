# Foreign keys whose own index only cost writes: another index begins with the key
# (tests/core/test_schema.py keeps it so). Only the indexes are dropped: altering the
# fields the usual way would drop and re-add (re-validate) the foreign keys.

import django.db.models.deletion
from django.db import migrations, models

DROPPED = [  # index, table, column
    ('staff_personaldataaccess_customer_id_b94c1611', 'staff_personaldataaccess', 'customer_id'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0004_drop_redundant_indexes'),
        ('staff', '0001_initial'),
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
                    model_name='personaldataaccess',
                    name='customer',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='customers.customer'),
                ),
            ],
        ),
    ]
