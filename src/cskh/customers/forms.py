"""Input for linking and managing customer codes, shared by the pages and the API."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cskh.core.forms import CustomerCodeField, OtpField
from cskh.customers.models import CustomerLink

NICKNAME_HELP = _("A name you will recognise, such as “Nhà bố mẹ” (up to 50 characters).")


class LinkForm(forms.Form):
    class Method:
        OTP = "OTP"
        CCCD = "CCCD"

    code = CustomerCodeField()
    relation = forms.ChoiceField(
        label=_("Whose contract is it?"),
        choices=[
            (CustomerLink.Relation.OWNER, _("Mine: the contract is in my name")),
            (CustomerLink.Relation.OTHER, _("Someone else's (family, landlord …)")),
        ],
        widget=forms.RadioSelect,
        initial=CustomerLink.Relation.OWNER,
    )
    method = forms.ChoiceField(
        label=_("How to prove you are the holder"),
        choices=[
            (Method.OTP, _("A code sent by SMS to the phone on the contract")),
            (Method.CCCD, _("The CCCD number in my profile")),
        ],
        widget=forms.RadioSelect,
        required=False,
        initial=Method.OTP,
    )
    meter_number = forms.CharField(
        label=_("Meter number (printed on the bill)"),
        max_length=20,
        required=False,
        help_text=_("Needed when the contract is someone else's."),
    )
    nickname = forms.CharField(
        label=_("Nickname (optional)"), max_length=50, required=False, help_text=NICKNAME_HELP
    )

    def clean(self):
        data = super().clean()
        if data.get("relation") == CustomerLink.Relation.OTHER:
            if not data.get("meter_number", "").strip():
                self.add_error(
                    "meter_number",
                    _("Enter the meter number printed on the bill of this customer code."),
                )
        elif not data.get("method"):
            data["method"] = self.Method.OTP
        return data


class LinkVerifyForm(forms.Form):
    otp = OtpField()
    nickname = forms.CharField(label=_("Nickname (optional)"), max_length=50, required=False)


class LinkUpdateForm(forms.Form):
    nickname = forms.CharField(
        label=_("Nickname"), max_length=50, required=False, help_text=NICKNAME_HELP
    )
    default = forms.BooleanField(label=_("Show this code first"), required=False)


class LinkedCodesFilter(forms.Form):
    """The filters of a list across the account's linked codes (invoices, payments):
    a status, one of its codes, and a period from `start` to `end` (a subclass defines
    those two and says how the last may not come before the first)."""

    end_before_start = ""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        error_messages={"invalid_choice": _("This status does not exist.")},
    )
    customer = forms.ChoiceField(
        label=_("Customer code"),
        required=False,
        error_messages={"invalid_choice": _("This customer code is not linked to your account.")},
    )

    def __init__(self, *args, account, statuses, **kwargs):
        super().__init__(*args, **kwargs)
        links = CustomerLink.objects.filter(account=account).select_related("customer")
        self.nicknames = {link.customer.code: link.nickname for link in links}
        self.fields["status"].choices = [("", _("All")), *statuses]
        self.fields["customer"].choices = [
            ("", _("All codes")),
            *(
                (code, f"{code} — {nickname}" if nickname else code)
                for code, nickname in sorted(self.nicknames.items())
            ),
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", self.end_before_start)
        return data

    def filters(self) -> dict:
        """The page's filters as the list query's keyword arguments (none when invalid)."""
        return self.as_filters(self.cleaned_data if self.is_bound and self.is_valid() else {})

    @staticmethod
    def as_filters(data: dict) -> dict:
        """Cleaned filters (the API's, or a page's) as the list query's keyword arguments."""
        return {
            "status": data.get("status") or None,
            "customer_code": data.get("customer") or None,
            "start": data.get("start"),
            "end": data.get("end"),
        }
