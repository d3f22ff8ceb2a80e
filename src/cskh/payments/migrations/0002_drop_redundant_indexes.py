# Foreign keys whose own index only cost writes: another index begins with the key
# (tests/core/test_schema.py keeps it so). Only the indexes are dropped: altering the
# fields the usual way would drop and re-add (re-validate) the foreign keys.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

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
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS {index}', f'CREATE INDEX {index} ON {table} ({column})'
                )
                for index, table, column in DROPPED
            ],
            state_operations=[
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
            ],
        ),
    ]
