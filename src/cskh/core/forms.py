"""Helpers shared by the pages and the API for validating input with Django forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cskh.core import codes
from cskh.core.errors import InvalidInput

PHONE_MESSAGES = {
    "empty": _("Enter your mobile phone number."),
    "format": _("Enter a phone number such as 0912 345 678."),
    "not_vietnamese": _("Enter a Vietnamese mobile phone number."),
    "not_mobile": _("Enter a mobile number: the code is sent by SMS."),
}
CCCD_MESSAGES = {
    "empty": _("Enter the CCCD number."),
    "digits": _("A CCCD number has digits only."),
    "length": _("A CCCD number has exactly 12 digits."),
    "province": _("This is not a valid CCCD number: check the first three digits."),
}
CUSTOMER_CODE_MESSAGES = {
    "empty": _("Enter the customer code."),
    "characters": _("A customer code has letters and digits only."),
    "format": _(
        "A customer code starts with P and a letter, then 8 to 12 digits, "
        "as on your bill (for example PE0100012345)."
    ),
}


class PhoneField(forms.CharField):
    """A Vietnamese mobile number (or any Vietnamese number with `mobile_only=False`),
    cleaned to E.164."""

    def __init__(self, *, mobile_only: bool = True, **kwargs):
        self.mobile_only = mobile_only
        kwargs.setdefault("label", _("Mobile phone number"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "tel", "placeholder": "0912 345 678"}
        )

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        try:
            return codes.normalize_phone(value, mobile_only=self.mobile_only)
        except codes.InvalidCode as exc:
            raise forms.ValidationError(PHONE_MESSAGES[exc.reason], code=exc.reason) from exc


class CccdField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("CCCD number"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        try:
            return codes.normalize_cccd(value)
        except codes.InvalidCode as exc:
            raise forms.ValidationError(CCCD_MESSAGES[exc.reason], code=exc.reason) from exc


class CustomerCodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Customer code"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocapitalize": "characters", "placeholder": "PE0100012345"})

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        try:
            return codes.normalize_customer_code(value)
        except codes.InvalidCode as exc:
            raise forms.ValidationError(
                CUSTOMER_CODE_MESSAGES[exc.reason], code=exc.reason
            ) from exc


class OtpField(forms.RegexField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Code from the SMS"))
        super().__init__(
            regex=r"^\s*\d{6}\s*$",
            error_messages={"invalid": _("Enter the 6-digit code from the SMS.")},
            **kwargs,
        )
        self.widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}
        )

    def clean(self, value):
        value = super().clean(value)
        return value.strip() if value else value


def validated(form_class, data, **kwargs) -> dict:
    """Run a form over API input; return cleaned data or raise InvalidInput."""
    form = form_class(data={k: v for k, v in data.items() if v is not None}, **kwargs)
    if not form.is_valid():
        raise InvalidInput(
            fields={name: [str(m) for m in errors] for name, errors in form.errors.items()}
        )
    return form.cleaned_data


def add_errors(form, error: InvalidInput) -> None:
    """Show a service's InvalidInput on a page's form."""
    if not error.fields:
        form.add_error(None, str(error.message))
    for name, messages in error.fields.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
