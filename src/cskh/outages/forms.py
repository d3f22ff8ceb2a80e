from django import forms
from django.utils.translation import gettext_lazy as _

from cskh.core.forms import CustomerCodeField


class LookupForm(forms.Form):
    """Look an outage up by customer code, or by area (province, then district, ward)."""

    customer = CustomerCodeField(required=False)
    province = forms.CharField(
        label=_("Province / city"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"list": "provinces", "autocomplete": "off"}),
    )
    district = forms.CharField(label=_("District"), max_length=100, required=False)
    ward = forms.CharField(label=_("Ward / commune"), max_length=100, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("customer") and not data.get("province") and not self.errors:
            raise forms.ValidationError(
                _("Enter a customer code, or choose a province or city."), code="empty"
            )
        return data
