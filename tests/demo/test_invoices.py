"""Demo invoices: billed from the demo readings by the real bill run; the demo account
starts with unpaid invoices across its codes, one period crosses the 10/5/2025 price
change, one misread index is corrected into two adjustments; loading twice adds
nothing."""

from datetime import UTC, date, datetime

import pytest

from cskh.billing.models import Invoice
from cskh.customers.models import Customer
from cskh.demo import accounts, generator, invoices, readings
from cskh.notifications.models import Notice

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
SEED = generator.SEED

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    generator.ensure_units()
    accounts.ensure_showcase_customers()
    generator.generate_customers(count=20)
    accounts.ensure_accounts()
    readings.load_readings(customers=0, generated=20, seed=SEED, today=TODAY, now=NOW)
    return invoices.ensure_invoices(today=TODAY, now=NOW)


def test_month_ends():
    assert invoices.month_ends(date(2025, 11, 23), date(2026, 2, 1)) == [
        date(2025, 11, 30),
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
    ]


def test_the_demo_account_has_unpaid_bills_on_its_three_codes(demo):
    unpaid = Invoice.objects.filter(
        customer__links__account__phone="+84900000001", status=Invoice.Status.UNPAID
    )
    assert unpaid.count() >= 3
    assert {invoice.customer.code for invoice in unpaid} == {
        "PE01000000001",
        "PD01000000001",
        "PM01000000001",
    }
    assert unpaid.filter(customer__code=invoices.UNPAID_TWO_MONTHS).count() == 2
    announced = Notice.objects.filter(category="BILL")
    assert announced.count() == Invoice.objects.filter(period_end=date(2026, 10, 31)).count()


def test_a_year_of_bills_with_the_price_change_and_an_adjustment(demo):
    home = Customer.objects.get(code="PD01000000001")
    months = Invoice.objects.filter(customer=home, kind=Invoice.Kind.NORMAL)
    assert months.count() >= 12
    may = months.get(period_end=date(2025, 5, 31))
    assert {line.tariff for line in may.lines.all()} == {"2699/QĐ-BCT", "1279/QĐ-BCT"}
    adjustments = Invoice.objects.filter(
        kind=Invoice.Kind.ADJUSTMENT, customer__code=invoices.MISREAD_CODE
    ).order_by("period_end")
    assert [a.period_end for a in adjustments] == [date(2026, 8, 31), date(2026, 9, 30)]
    down, up = adjustments
    assert down.kwh < 0 < up.kwh and down.kwh == -up.kwh
    assert down.status == Invoice.Status.PAID  # nothing to pay


def test_loading_again_adds_nothing(demo):
    assert demo > 0
    counts = (Invoice.objects.count(), Notice.objects.count())
    assert invoices.ensure_invoices(today=TODAY, now=NOW) == 0
    assert (Invoice.objects.count(), Notice.objects.count()) == counts
