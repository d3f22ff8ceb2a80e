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
