"""Forms: the bill calculator's input (one form for the page and the API), the tariff
page's date, and the filters of the invoice list."""

import calendar
from datetime import date, timedelta

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cskh.billing.models import TOU_GROUPS, CustomerGroup, Invoice, Voltage
from cskh.customers.forms import LinkedCodesFilter

MAX_KWH = 10_000_000
MAX_AMOUNT = 100_000_000_000  # VND
MAX_PERIOD_DAYS = 366
DATE_MESSAGE = _("Enter a date as YYYY-MM-DD.")
MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d"]  # a month from the page, a day from the API
REGISTER_FIELDS = {"normal": "NORMAL", "peak": "PEAK", "offpeak": "OFFPEAK"}


def _count(label, *, maximum: int, help_text=None) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=maximum,
        help_text=help_text,
        error_messages={
            "invalid": _("Enter a whole number."),
            "min_value": _("This cannot be negative."),
            "max_value": _("This is more than the calculator counts (at most %(limit_value)s)."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )


def this_month(today: date) -> tuple[date, date]:
    """The default period: read on the last day of last month and of this month."""
    last = calendar.monthrange(today.year, today.month)[1]
    return today.replace(day=1) - timedelta(days=1), today.replace(day=last)


class CalculatorForm(forms.Form):
    customer_group = forms.ChoiceField(
        label=_("Customer group"),
        choices=CustomerGroup.choices,
        initial=CustomerGroup.RESIDENTIAL,
        error_messages={
            "required": _("Choose the customer group."),
            "invalid_choice": _("This customer group does not exist."),
        },
    )
    voltage = forms.ChoiceField(
        label=_("Voltage level"),
        choices=[("", _("— choose for business and production —")), *Voltage.choices],
        required=False,
        error_messages={"invalid_choice": _("This voltage level does not exist.")},
    )
    kwh = _count(_("Electricity used (kWh)"), maximum=MAX_KWH)
    normal = _count(_("Normal hours (kWh)"), maximum=MAX_KWH)
    peak = _count(_("Peak hours (kWh)"), maximum=MAX_KWH)
    offpeak = _count(_("Off-peak hours (kWh)"), maximum=MAX_KWH)
    amount = _count(
        _("Amount to spend (VND)"),
        maximum=MAX_AMOUNT,
        help_text=_("The calculator finds the kWh this amount buys, VAT included."),
    )
    households = forms.IntegerField(
        label=_("Households sharing the meter"),
        required=False,
        min_value=1,
        max_value=99,
        initial=1,
        error_messages={
            "invalid": _("Enter a whole number."),
            "min_value": _("At least one household."),
            "max_value": _("At most %(limit_value)s households."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
    )
    tenant = forms.BooleanField(label=_("Tenant on a lease under 12 months"), required=False)
    tenant_people = forms.IntegerField(
        label=_("People declared on the lease"),
        required=False,
        min_value=1,
        max_value=500,
        help_text=_("Leave empty if no headcount is declared."),
        error_messages={
            "invalid": _("Enter a whole number."),
            "min_value": _("At least one person."),
            "max_value": _("At most %(limit_value)s people."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
    )
    period_start = forms.DateField(
        label=_("Previous reading date"),
        required=False,
        error_messages={"invalid": DATE_MESSAGE},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    period_end = forms.DateField(
        label=_("This reading date"),
        required=False,
        error_messages={"invalid": DATE_MESSAGE},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        group = data.get("customer_group")
        if group in TOU_GROUPS and not data.get("voltage") and "voltage" not in self.errors:
            self.add_error(
                "voltage",
                _("Choose the voltage level: business and production prices depend on it."),
            )
        if (
            group
            and group != CustomerGroup.RESIDENTIAL
            and (data.get("tenant") or data.get("tenant_people"))
        ):
            self.add_error("tenant", _("The tenant rule applies to residential customers."))
        if self.errors:
            return data
        registers = {
            band: data[name] for name, band in REGISTER_FIELDS.items() if data[name] is not None
        }
        given = [
            what
            for what, present in (
                ("kwh", data["kwh"] is not None),
                ("registers", bool(registers)),
                ("amount", data["amount"] is not None),
            )
            if present
        ]
        if len(given) != 1:
            raise forms.ValidationError(
                _("Enter the kWh used, the time-of-use registers, or an amount — one of them."),
                code="what",
            )
        data["mode"] = given[0]
        data["registers"] = (
            {band: registers.get(band, 0) for band in REGISTER_FIELDS.values()}
            if registers
            else None
        )
        if registers and group not in TOU_GROUPS:
            self.add_error(
                "normal",
                _("Time-of-use registers apply to business and production customers."),
            )
        data["households"] = data["households"] or 1
        start, end = data["period_start"], data["period_end"]
        if (start is None) != (end is None):
            self.add_error(
                "period_end" if end is None else "period_start",
                _("Enter both reading dates, or neither for this month."),
            )
        elif start is None:
            data["period_start"], data["period_end"] = this_month(self.today)
        elif end <= start:
            self.add_error("period_end", _("This reading must come after the previous one."))
        elif (end - start).days > MAX_PERIOD_DAYS:
            self.add_error(
                "period_end",
                _("A billing period is at most %(days)d days.") % {"days": MAX_PERIOD_DAYS},
            )
        return data


class SheetForm(forms.Form):
    date = forms.DateField(
        label=_("Prices in force on"),
        required=False,
        error_messages={"invalid": DATE_MESSAGE},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class InvoiceFilterForm(LinkedCodesFilter):
    """Filters of the invoice list: status, one of the account's codes, billing months."""

    end_before_start = _("The last month must not come before the first.")

    start = forms.DateField(
        label=_("From month"),
        required=False,
        input_formats=MONTH_FORMATS,
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    end = forms.DateField(
        label=_("To month"),
        required=False,
        input_formats=MONTH_FORMATS,
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def __init__(self, *args, account, **kwargs):
        statuses = [
            (value, capfirst(label))
            for value, label in Invoice.Status.choices
            if value != Invoice.Status.DRAFT
        ]
        super().__init__(*args, account=account, statuses=statuses, **kwargs)
