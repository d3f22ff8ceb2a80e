# The priced lines become a Pricing's, shared by the invoices priced alike (0005 adds
# the pricing beside the invoice, 0006 moves the lines, 0007 drops the invoice's link).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0004_drop_redundant_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='Pricing',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(max_length=64, unique=True)),
            ],
            options={
                'verbose_name': 'priced lines',
                'verbose_name_plural': 'priced lines',
            },
        ),
        migrations.AddField(
            model_name='invoice',
            name='pricing',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='billing.pricing'),
        ),
        migrations.AddField(
            model_name='invoiceline',
            name='pricing',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='billing.pricing'),
        ),
        migrations.AlterField(
            model_name='invoiceline',
            name='invoice',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='billing.invoice'),
        ),
        migrations.RemoveConstraint(
            model_name='invoiceline',
            name='line_once',
        ),
    ]
