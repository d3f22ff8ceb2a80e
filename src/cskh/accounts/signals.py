"""Signals the accounts app owns, so higher apps can contribute without upward imports."""

from django.dispatch import Signal

# Sent with `user`; each receiver returns `(section_name, json_serialisable_data)`
# for the account's "download my data" file.
collect_personal_data = Signal()
