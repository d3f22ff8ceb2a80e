"""Input of payments, shared by the pages and the API."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cskh.core.forms import CUSTOMER_CODE_MESSAGES, CustomerCodeField
from cskh.customers.forms import LinkedCodesFilter
from cskh.payments import gateways
from cskh.payments.models import Method, Payment

MAX_INVOICES = 50
MAX_ID = 2**63 - 1  # a database id


def whole_number(text: str) -> int | None:
    """ASCII digits only ("²" is a digit to Python, not to us), at most 18 of them."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


class InvoiceIdsField(forms.Field):
    """Invoice ids: checkboxes on the page, a JSON list in the API."""

    widget = forms.CheckboxSelectMultiple
    default_error_messages = {
        "required": _("Choose at least one unpaid invoice."),
        "invalid": _("Invoices are identified by whole numbers."),
        "too_many": _("Pay at most %(max)d invoices at once."),
    }

    def to_python(self, value) -> list[int]:
        if value in (None, "", [], ()):
            return []
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        ids = set()
        for item in value:
            if isinstance(item, str):
                item = whole_number(item)
            if isinstance(item, bool) or not isinstance(item, int) or not 0 < item <= MAX_ID:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            ids.add(item)
        if len(ids) > MAX_INVOICES:
            raise ValidationError(
                self.error_messages["too_many"], code="too_many", params={"max": MAX_INVOICES}
            )
        return sorted(ids)


def method_field() -> forms.ChoiceField:
    choices = [(value, label) for value, label in Method.choices if value in gateways.enabled()]
    return forms.ChoiceField(
        label=_("Payment method"),
        widget=forms.RadioSelect,
        choices=choices,
        initial=choices[0][0] if choices else None,
        error_messages={
            "required": _("Choose a payment method."),
            "invalid_choice": _("This payment method is not available."),
        },
    )


class PayForm(forms.Form):
    invoices = InvoiceIdsField(label=_("Invoices to pay"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"] = method_field()


class GuestLookupForm(forms.Form):
    code = CustomerCodeField(error_messages={"required": CUSTOMER_CODE_MESSAGES["empty"]})


class GuestPayForm(forms.Form):
    # what the page showed: paying refuses if what is due changed since
    total = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"] = method_field()


class HistoryFilterForm(LinkedCodesFilter):
    """Filters of the payment history: status, one of the account's codes, days."""

    end_before_start = _("The last day must not come before the first.")

    start = forms.DateField(
        label=_("From"),
        required=False,
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, account, **kwargs):
        statuses = [(value, capfirst(label)) for value, label in Payment.Status.choices]
        super().__init__(*args, account=account, statuses=statuses, **kwargs)
