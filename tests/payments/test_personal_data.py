"""A customer's payments and the personal-data rights: "download my data" lists the
account's payments; deleting the account keeps each payment (the money moved and the
invoices say so) without the account."""

import json

import pytest

from cskh.billing.models import Invoice
from cskh.payments.models import Payment
from tests.helpers import token_for
from tests.payments.helpers import household, pay, start

pytestmark = pytest.mark.django_db


def test_my_data_lists_my_payments(api, client):
    home = household()
    payment = start(home)
    pay(client, payment)

    response = api.get("/me/export", token=token_for(home.account))

    (exported,) = json.loads(response.content)["payments"]
    assert (exported["reference"], exported["status"], exported["amount"]) == (
        payment.reference,
        "PAID",
        home.total,
    )
    assert [row["customer_code"] for row in exported["invoices"]] == [home.customer.code] * 2


def test_deleting_the_account_keeps_its_payments_and_paid_invoices(api, client):
    home = household()
    payment = start(home)
    pay(client, payment)

    assert api.delete("/me", token=token_for(home.account)).status_code == 204

    payment.refresh_from_db()
    assert (payment.account, payment.status) == (None, Payment.Status.PAID)
    assert set(Invoice.objects.values_list("status", flat=True)) == {Invoice.Status.PAID}
