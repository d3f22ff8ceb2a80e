# Foreign keys whose own index only cost writes: another index begins with the key
# (tests/core/test_schema.py keeps it so).

import django.db.models.deletion
from django.db import migrations, models

from cskh.core.schema import drop_indexes

DROPPED = [  # index, table, column
    ('billing_invoice_bill_run_id_e856bb50', 'billing_invoice', 'bill_run_id'),
    ('billing_invoice_customer_id_12e1ebba', 'billing_invoice', 'customer_id'),
    ('billing_invoiceline_invoice_id_ff507e12', 'billing_invoiceline', 'invoice_id'),
    ('billing_invoiceregister_invoice_id_37d0f24d', 'billing_invoiceregister', 'invoice_id'),
    ('billing_invoicesequence_unit_id_d72cd4d9', 'billing_invoicesequence', 'unit_id'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0003_invoices'),
        ('customers', '0004_drop_redundant_indexes'),
    ]

    operations = [
        drop_indexes(DROPPED, [
            migrations.AlterField(
                model_name='invoice',
                name='bill_run',
                field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='invoices', to='billing.billrun'),
            ),
            migrations.AlterField(
                model_name='invoice',
                name='customer',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='invoices', to='customers.customer', verbose_name='customer'),
            ),
            migrations.AlterField(
                model_name='invoiceline',
                name='invoice',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='billing.invoice'),
            ),
            migrations.AlterField(
                model_name='invoiceregister',
                name='invoice',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='registers', to='billing.invoice'),
            ),
            migrations.AlterField(
                model_name='invoicesequence',
                name='unit',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='customers.unit'),
            ),
        ]),
    ]
