"""Input of the account use cases, shared by the pages and the API."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cskh.core.forms import CccdField, OtpField, PhoneField


class PasswordInput(forms.PasswordInput):
    def __init__(self, autocomplete: str):
        super().__init__(attrs={"autocomplete": autocomplete})


class PhoneForm(forms.Form):
    phone = PhoneField()


class RegisterVerifyForm(forms.Form):
    phone = PhoneField(widget=forms.HiddenInput)
    otp = OtpField()
    full_name = forms.CharField(
        label=_("Full name"), max_length=100, widget=forms.TextInput({"autocomplete": "name"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=PasswordInput("new-password"),
        help_text=_("At least 8 characters; not only digits; not a common password."),
    )
    accept_terms = forms.BooleanField(
        label=_("I have read and accept the terms of use and the privacy notice."),
        required=True,
        error_messages={
            "required": _("To register you must accept the terms of use and the privacy notice.")
        },
    )


class LoginForm(forms.Form):
    phone = PhoneField()
    password = forms.CharField(
        label=_("Password"), strip=False, max_length=128, widget=PasswordInput("current-password")
    )


class PasswordResetVerifyForm(forms.Form):
    phone = PhoneField(widget=forms.HiddenInput)
    otp = OtpField()
    new_password = forms.CharField(
        label=_("New password"), strip=False, max_length=128, widget=PasswordInput("new-password")
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        max_length=128,
        widget=PasswordInput("current-password"),
    )
    new_password = forms.CharField(
        label=_("New password"), strip=False, max_length=128, widget=PasswordInput("new-password")
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=100)
    cccd = CccdField(required=False, help_text=_("12 digits, as on your citizen identity card."))
    email = forms.EmailField(label=_("E-mail (optional)"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class PhoneChangeVerifyForm(forms.Form):
    phone = PhoneField(widget=forms.HiddenInput)
    otp = OtpField()


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=500)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=128,
        widget=PasswordInput("current-password"),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account and its links to customer codes will be deleted."),
        required=True,
    )
