"""manage.py bill_run: a route billed with its summary, and what it refuses."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cskh.billing.models import Invoice
from tests.billing.test_billrun import APRIL_END, household

pytestmark = pytest.mark.django_db


def bill_run(*args) -> str:
    out = StringIO()
    call_command("bill_run", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_route_is_billed_and_summarised(units):
    household()
    household(days=30)  # its reading of the reading day is missing
    output = bill_run("--unit", "pe01", "--date", APRIL_END.isoformat())
    assert (
        "2 customers, 1 invoices, 0 adjustments, 0 unchanged, 1 not billed (1 NO_READING)" in output
    )
    assert Invoice.objects.count() == 1
    again = bill_run("--unit", "PE01", "--date", APRIL_END.isoformat())
    assert "0 invoices, 0 adjustments, 1 unchanged, 1 not billed" in again


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--unit", "XX99", "--date", "2025-04-30"), "No unit with the code XX99."),
        (("--unit", "PE01", "--date", "30/04/2025"), "--date must be a date as YYYY-MM-DD."),
        (("--unit", "PE01", "--date", "2025-02-30"), "--date must be a date as YYYY-MM-DD."),
    ],
)
def test_bad_arguments_are_refused(units, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        bill_run(*args)
    assert not Invoice.objects.exists()


def test_a_reading_day_not_yet_past_is_refused(units):
    with pytest.raises(CommandError, match=re.escape("The reading day must be in the past.")):
        bill_run("--unit", "PE01", "--date", timezone.localdate().isoformat())
