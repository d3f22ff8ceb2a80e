# Each invoice's lines become those of the pricing with the same digest: the first
# invoice's lines are kept for it, the other invoices' copies deleted. Backwards, every
# invoice gets a copy of its pricing's lines again.

from collections import defaultdict

from django.db import migrations

from cskh.billing.invoices import pricing_digest

LINE = (  # the line's columns but its pricing, as they are at this migration
    'position', 'segment_start', 'segment_end', 'segment_days', 'tariff', 'tier', 'lower',
    'upper', 'width', 'band', 'flat_tier', 'kwh', 'price', 'amount',
)
BATCH = 500  # ids per IN list (SQLite's limit on parameters)


def _batches(ids):
    ids = list(ids)
    for start in range(0, len(ids), BATCH):
        yield ids[start:start + BATCH]


def share_lines(apps, schema_editor):
    Invoice = apps.get_model('billing', 'Invoice')
    InvoiceLine = apps.get_model('billing', 'InvoiceLine')
    Pricing = apps.get_model('billing', 'Pricing')
    lines_of = defaultdict(list)
    rows = InvoiceLine.objects.order_by('invoice_id', 'position').values_list('invoice_id', 'pk', *LINE)
    for invoice_id, pk, *line in rows.iterator():
        lines_of[invoice_id].append((pk, tuple(line)))
    pricing_of = {}  # digest → pricing id
    invoices_of = defaultdict(list)  # pricing id → invoice ids
    for invoice_id in Invoice.objects.order_by('pk').values_list('pk', flat=True).iterator():
        lines = lines_of.pop(invoice_id, [])
        digest = pricing_digest(tuple(line for _pk, line in lines))
        if digest not in pricing_of:
            pricing_of[digest] = Pricing.objects.create(digest=digest).pk
            InvoiceLine.objects.filter(pk__in=[pk for pk, _line in lines]).update(
                pricing_id=pricing_of[digest]
            )
        invoices_of[pricing_of[digest]].append(invoice_id)
    for pricing_id, ids in invoices_of.items():
        for batch in _batches(ids):
            Invoice.objects.filter(pk__in=batch).update(pricing_id=pricing_id)
    InvoiceLine.objects.filter(pricing__isnull=True).delete()


def split_lines(apps, schema_editor):
    Invoice = apps.get_model('billing', 'Invoice')
    InvoiceLine = apps.get_model('billing', 'InvoiceLine')
    lines_of = defaultdict(list)
    for line in InvoiceLine.objects.order_by('pricing_id', 'position').iterator():
        lines_of[line.pricing_id].append(line)
    for invoice_id, pricing_id in Invoice.objects.order_by('pk').values_list('pk', 'pricing_id').iterator():
        InvoiceLine.objects.bulk_create(
            InvoiceLine(invoice_id=invoice_id, **{name: getattr(line, name) for name in LINE})
            for line in lines_of[pricing_id]
        )
    InvoiceLine.objects.filter(invoice__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0005_pricing'),
    ]

    operations = [
        migrations.RunPython(share_lines, split_lines),
    ]
