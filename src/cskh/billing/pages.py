"""What the invoice page, the API and the PDF show beyond the stored fields."""

from cskh.billing import labels
from cskh.billing.models import Invoice


def labelled_lines(invoice: Invoice) -> list[dict]:
    """The priced lines with their words; the part of the period is named when a change
    split it."""
    lines = list(invoice.lines.all())
    split = len({line.segment_start for line in lines}) > 1
    return [
        {
            "line": line,
            "label": labels.line_label(
                tier=line.tier,
                lower=line.lower,
                upper=line.upper,
                band=line.band,
                flat=line.flat_tier,
                span=(line.segment_start, line.segment_end) if split else None,
            ),
        }
        for line in lines
    ]


def segments(invoice: Invoice) -> list[dict]:
    """The parts of a period split by a change: dates, days, tariff and kWh."""
    parts: dict = {}
    for line in invoice.lines.all():
        part = parts.setdefault(
            line.segment_start,
            {
                "start": line.segment_start,
                "end": line.segment_end,
                "days": line.segment_days,
                "tariff": line.tariff,
                "kwh": 0,
            },
        )
        part["kwh"] += line.kwh
    return list(parts.values())
