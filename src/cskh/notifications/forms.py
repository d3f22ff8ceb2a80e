from django import forms
from django.utils.translation import gettext_lazy as _

from cskh.notifications.models import Category

ALL = "ALL"


class ListForm(forms.Form):
    """The tabs: Tất cả (ALL), Tiền điện, Sự cố điện, Truyền thông; and the page."""

    category = forms.ChoiceField(choices=[(ALL, _("All")), *Category.choices], required=False)
    page = forms.IntegerField(min_value=1, max_value=10_000, required=False)

    def clean_category(self):
        category = self.cleaned_data["category"]
        return None if category in ("", ALL) else category


class SubscriptionForm(forms.Form):
    """A browser's PushSubscription (endpoint and keys), as the API and the page send it."""

    endpoint = forms.URLField(max_length=1000, assume_scheme="https")
    p256dh = forms.CharField(max_length=200)
    auth = forms.CharField(max_length=100)


class PreferencesForm(forms.Form):
    """Which categories may be pushed to the account's devices."""

    BILL = forms.BooleanField(label=Category.BILL.label, required=False)
    INCIDENT = forms.BooleanField(label=Category.INCIDENT.label, required=False)
    MEDIA = forms.BooleanField(label=Category.MEDIA.label, required=False)
