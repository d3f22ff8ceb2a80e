"""Log in with a phone number written any common way (the staff login form included)."""

from django.contrib.auth.backends import ModelBackend

from cskh.core import codes


class PhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        phone = kwargs.pop("phone", username)
        try:
            phone = codes.normalize_phone(phone or "")
        except codes.InvalidCode:
            phone = phone or ""  # still run the hasher: no timing difference
        return super().authenticate(request, username=phone, password=password, **kwargs)
