"""The bill calculator (Tính tiền điện): the engine over the tariffs on file, for anyone.

Both the page and `POST /api/v1/tariffs/calculate` validate with
`forms.CalculatorForm` and call `quote`; the labels of the lines are made here, in the
active language, so that both say the same."""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

from cskh.billing import engine, labels, tariffs
from cskh.billing.models import CustomerGroup, Voltage
from cskh.core.errors import InvalidInput


@dataclass(frozen=True)
class Quote:
    group: str
    voltage: str | None
    bill: engine.Bill
    amount: int | None  # reverse mode: the amount asked for

    @property
    def group_label(self) -> str:
        return CustomerGroup(self.group).label

    @property
    def voltage_label(self) -> str | None:
        return Voltage(self.voltage).label if self.voltage else None

    def lines(self) -> list[dict]:
        split = len(self.bill.segments) > 1
        labelled = []
        for line in self.bill.lines:
            segment = self.bill.segments[line.segment]
            label = labels.line_label(
                tier=line.tier,
                lower=line.lower,
                upper=line.upper,
                band=line.band,
                flat=segment.flat_tier is not None,
                span=(segment.start, segment.end) if split else None,
            )
            labelled.append({"line": line, "label": label})
        return labelled


def _explain(error: engine.EngineError) -> InvalidInput:
    if isinstance(error, engine.NoTariff):
        day = labels.short_date(error.day)
        message = {
            "prices": _(
                "No price for this customer group and voltage level is on file for %(date)s."
            ),
            "vat": _("No VAT rate is on file for %(date)s."),
            "tenant_rule": _("No rule for tenants is on file for %(date)s."),
        }.get(error.kind, _("No tariff is on file for %(date)s.")) % {"date": day}
        return InvalidInput(message, fields={"period_start": [message]})
    if isinstance(error, engine.NoPrice):
        message = _("The tariff in force on %(date)s has no %(band)s price for this group.") % {
            "date": labels.short_date(error.day),
            "band": labels.BAND_LABELS[error.band],
        }
        return InvalidInput(message, fields={"normal": [message]})
    return InvalidInput(_("These figures cannot make a bill."))


def quote(data: dict) -> Quote:
    """The bill for a cleaned `CalculatorForm`; InvalidInput when no tariff covers it."""
    group, voltage = data["customer_group"], data["voltage"] or None
    start, end = data["period_start"], data["period_end"]
    lines = tariffs.timelines(group=group, voltage=voltage, start=start, end=end)
    inputs = {
        "start": start,
        "end": end,
        "schedules": lines.schedules,
        "vat_rates": lines.vat_rates,
    }
    if group == CustomerGroup.RESIDENTIAL:
        if data["tenant"] or data["tenant_people"]:
            inputs["tenant"] = engine.Tenant(data["tenant_people"])
            inputs["tenant_rules"] = lines.tenant_rules
        else:
            inputs["households"] = [engine.Dated(start, None, Fraction(data["households"]))]
    try:
        if data["mode"] == "amount":
            bill = engine.kwh_for_amount(amount=data["amount"], **inputs)
        elif data["mode"] == "registers":
            bill = engine.compute_bill(registers=data["registers"], **inputs)
        else:
            bill = engine.compute_bill(kwh=data["kwh"], **inputs)
    except engine.EngineError as error:
        raise _explain(error) from None
    return Quote(group=group, voltage=voltage, bill=bill, amount=data["amount"])


def rate_text(rate) -> str:
    """Fraction(2, 25) → "0.08"."""
    return str(Decimal(rate.numerator) / Decimal(rate.denominator))


def quote_json(result: Quote) -> dict:
    bill = result.bill
    return {
        "customer_group": result.group,
        "voltage": result.voltage,
        "period_start": bill.start.isoformat(),
        "period_end": bill.end.isoformat(),
        "days": bill.days,
        "regular_period": bill.regular,
        "tier_divisor": bill.divisor,
        "kwh": bill.kwh,
        "amount": result.amount,
        "lines": [
            {
                "label": item["label"],
                "kwh": item["line"].kwh,
                "unit_price": item["line"].price,
                "amount": item["line"].amount,
                "tier": item["line"].tier,
                "band": item["line"].band,
                "segment": item["line"].segment,
            }
            for item in result.lines()
        ],
        "subtotal": bill.subtotal,
        "vat_rate": rate_text(bill.vat_rate) if bill.vat_rate is not None else None,
        "vat_parts": [
            {"rate": rate_text(part.rate), "base": part.base, "vat": part.amount}
            for part in bill.vat
        ],
        "vat": bill.vat_amount,
        "total": bill.total,
        "segments": [
            {
                "start": segment.start.isoformat(),
                "end": segment.end.isoformat(),
                "days": segment.days,
                "tariff": segment.tariff,
                "kwh": segment.kwh,
                "households": str(segment.households),
                "vat_rate": rate_text(segment.vat_rate),
                "tier_widths": list(segment.tier_widths),
            }
            for segment in bill.segments
        ],
    }
