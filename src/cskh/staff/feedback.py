"""Telling staff what their action did, in the admin's message area."""

from django.contrib import messages

from cskh.core.errors import InvalidInput


def show_refusal(request, error: InvalidInput) -> None:
    """Every message of a refused action (its field messages, else its message)."""
    shown = [message for field_messages in error.fields.values() for message in field_messages]
    for message in shown or [error.message]:
        messages.error(request, message)
