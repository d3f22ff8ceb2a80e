# Every invoice and line has its pricing (0006): the invoice's own link goes; the lines'
# columns get their names for the back-office.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0006_share_lines'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='invoiceline',
            name='invoice',
        ),
        migrations.AlterField(
            model_name='invoice',
            name='pricing',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='billing.pricing'),
        ),
        migrations.AlterField(
            model_name='invoiceline',
            name='amount',
            field=models.BigIntegerField(verbose_name='amount (VND)'),
        ),
        migrations.AlterField(
            model_name='invoiceline',
            name='band',
            field=models.CharField(blank=True, max_length=8, verbose_name='time-of-use band'),
        ),
        migrations.AlterField(
            model_name='invoiceline',
            name='kwh',
            field=models.IntegerField(verbose_name='kWh'),
        ),
        migrations.AlterField(
            model_name='invoiceline',
            name='price',
            field=models.PositiveIntegerField(verbose_name='unit price (VND/kWh)'),
        ),
        migrations.AlterField(
            model_name='invoiceline',
            name='pricing',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='billing.pricing'),
        ),
        migrations.AlterField(
            model_name='invoiceline',
            name='segment_days',
            field=models.PositiveSmallIntegerField(verbose_name='days'),
        ),
        migrations.AlterField(
            model_name='invoiceline',
            name='segment_end',
            field=models.DateField(verbose_name='until (excluded)'),
        ),
        migrations.AlterField(
            model_name='invoiceline',
            name='segment_start',
            field=models.DateField(verbose_name='from'),
        ),
        migrations.AlterField(
            model_name='invoiceline',
            name='tariff',
            field=models.CharField(max_length=120, verbose_name='tariff'),
        ),
        migrations.AlterField(
            model_name='invoiceline',
            name='tier',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='tier'),
        ),
        migrations.AlterField(
            model_name='invoiceline',
            name='width',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='tier width (kWh)'),
        ),
        migrations.AddConstraint(
            model_name='invoiceline',
            constraint=models.UniqueConstraint(fields=('pricing', 'position'), name='line_once'),
        ),
    ]
