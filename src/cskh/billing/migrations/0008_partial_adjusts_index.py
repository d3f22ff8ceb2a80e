# The index of Invoice.adjusts held a NULL entry for every invoice but the adjustments:
# it becomes partial (as the notices' keys did, notifications 0003).

import django.db.models.deletion
from django.db import migrations, models

from cskh.core.schema import drop_indexes

DROPPED = [  # index, table, column
    ('billing_invoice_adjusts_id_28d3ec06', 'billing_invoice', 'adjusts_id'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0007_lines_of_pricing'),
    ]

    operations = [
        drop_indexes(DROPPED, [
            migrations.AlterField(
                model_name='invoice',
                name='adjusts',
                field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='adjustments', to='billing.invoice', verbose_name='adjusts invoice'),
            ),
        ]),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(condition=models.Q(('adjusts__isnull', False)), fields=['adjusts'], name='invoice_adjusts'),
        ),
    ]
