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
