# Foreign keys whose own index only cost writes: another index begins with the key
# (tests/core/test_schema.py keeps it so).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from cskh.core.schema import drop_indexes

DROPPED = [  # index, table, column
    ('payments_payment_account_id_af225a32', 'payments_payment', 'account_id'),
    ('payments_paymentinvoice_payment_id_490e9451', 'payments_paymentinvoice', 'payment_id'),
    ('payments_statementline_statement_id_0e2b52e7', 'payments_statementline', 'statement_id'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        drop_indexes(DROPPED, [
            migrations.AlterField(
                model_name='payment',
                name='account',
                field=models.ForeignKey(blank=True, db_index=False, help_text='Empty for a payment made without logging in or by a deleted account.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='payments', to=settings.AUTH_USER_MODEL, verbose_name='account'),
            ),
            migrations.AlterField(
                model_name='paymentinvoice',
                name='payment',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='items', to='payments.payment'),
            ),
            migrations.AlterField(
                model_name='statementline',
                name='statement',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='payments.statement'),
            ),
        ]),
    ]
