# Foreign keys whose own index only cost writes: another index begins with the key
# (tests/core/test_schema.py keeps it so).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from cskh.core.schema import drop_indexes

DROPPED = [  # index, table, column
    ('customers_customer_unit_id_c3376e15', 'customers_customer', 'unit_id'),
    ('customers_customerlink_account_id_cc04efd4', 'customers_customerlink', 'account_id'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0003_reading_day'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        drop_indexes(DROPPED, [
            migrations.AlterField(
                model_name='customer',
                name='unit',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='customers', to='customers.unit', verbose_name='managing unit'),
            ),
            migrations.AlterField(
                model_name='customerlink',
                name='account',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='customer_links', to=settings.AUTH_USER_MODEL),
            ),
        ]),
    ]
