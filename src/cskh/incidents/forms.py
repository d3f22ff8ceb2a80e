from django import forms
from django.utils.translation import gettext_lazy as _

from cskh.core.forms import PhoneField
from cskh.incidents.models import Kind
from cskh.incidents.photos import MAX_PHOTOS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PHOTOS files; each is checked and re-encoded by the service."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("Attach at most 3 photos."))
        cleaned = []
        for item in files:
            cleaned.append(super().clean(item, initial))
        return cleaned


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is wrong?"), choices=Kind.choices, widget=forms.RadioSelect
    )
    customer_code = forms.ChoiceField(label=_("Where?"), required=False)
    address = forms.CharField(
        label=_("Address of the place (if it is not one of your customer codes)"),
        max_length=300,
        required=False,
    )
    province = forms.CharField(label=_("Province / city"), max_length=100, required=False)
    latitude = forms.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        required=False,
        widget=forms.HiddenInput,
    )
    longitude = forms.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
        widget=forms.HiddenInput,
    )
    description = forms.CharField(
        label=_("What do you see?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    contact_phone = PhoneField(label=_("Phone to reach you"))
    photos = PhotosField(
        label=_("Photos (optional)"),
        required=False,
        help_text=_("Up to 3 photos: JPEG, PNG or WebP, 5 MB each."),
    )

    def __init__(self, *args, codes: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer_code"].choices = [
            ("", _("Another place (give the address)")),
            *codes,
        ]
        self.fields["photos"].widget.attrs.update({"accept": "image/jpeg,image/png,image/webp"})

    def clean(self):
        data = super().clean()
        if not data.get("customer_code") and not (data.get("address") or "").strip():
            self.add_error(
                "address",
                _("Choose one of your customer codes, or give the address of the place."),
            )
        return data


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How was the handling?"),
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
