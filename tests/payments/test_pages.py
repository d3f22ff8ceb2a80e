"""The payment pages of a logged-in account: "Pay electricity bills" (choose invoices and a
method), a payment (its QR, its result, its receipt), the history, VNPay's Return URL;
only the account's own payments; never a 500 on garbage."""

import re
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from cskh.billing.models import Invoice
from cskh.payments import pages, services, vnpay
from cskh.payments.models import Callback, Payment
from tests import factories
from tests.payments.helpers import RETURN_URL, SANDBOX_PAY, html_of, ipn_query, pay

pytestmark = pytest.mark.django_db

OCTOBER = date(2026, 10, 1)


class Family:
    """An account (in English) following its home (PE0100, two unpaid bills) and its
    parents' home (PD0100, one unpaid bill)."""

    def __init__(self):
        self.account = factories.account(language="en")
        self.home = factories.customer(unit_code="PE0100")
        self.parents = factories.customer(unit_code="PD0100")
        factories.link(self.account, self.home)
        factories.link(self.account, self.parents, relation="OTHER")
        self.home_bill = factories.invoice(self.home, month=OCTOBER, total=550_000)
        self.older_bill = factories.invoice(self.home, month=date(2026, 9, 1), total=410_000)
        self.parents_bill = factories.invoice(self.parents, month=OCTOBER, total=320_000)


@pytest.fixture
def family(client, units):
    family = Family()
    client.force_login(family.account)
    return family


def checkbox(html: str, invoice) -> str:
    """The checkbox of an invoice on the pay page."""
    match = re.search(rf'<input type="checkbox" name="invoices" value="{invoice.pk}"[^>]*>', html)
    assert match, f"no checkbox for invoice {invoice.pk}"
    return match.group(0)


def start(client, *invoices, method: str = "VNPAY"):
    return client.post("/payments/", {"invoices": [i.pk for i in invoices], "method": method})


def started(client, *invoices, method: str = "VNPAY") -> Payment:
    response = start(client, *invoices, method=method)
    assert response.status_code == 302, response.content[:2000]
    return Payment.objects.latest("pk")


# ---------------------------------------------------------------- choosing and paying


def test_the_pay_page_lists_what_is_payable_by_code_with_the_methods(client, family):
    factories.invoice(family.home, month=date(2026, 8, 1), status="PAID")
    html = html_of(client.get("/payments/"))
    assert "Pay electricity bills" in html
    parents = html.index(f"{family.parents.code} · {family.parents.name}")
    home = html.index(f"{family.home.code} · {family.home.name}")
    # grouped by code (in code order), each code's invoices under it, oldest first
    assert (
        parents
        < html.index(checkbox(html, family.parents_bill))
        < home
        < html.index(checkbox(html, family.older_bill))
        < html.index(checkbox(html, family.home_bill))
    )
    assert html.count('name="invoices"') == 3  # the paid August bill is not offered
    assert "Bill for 09/2026" in html and "Bill for 10/2026" in html
    assert "410,000 VND" in html and "550,000 VND" in html and "320,000 VND" in html
    assert not any(
        "checked" in checkbox(html, bill) for bill in (family.home_bill, family.parents_bill)
    )
    assert re.search(r'<input type="radio" name="method" value="VNPAY"[^>]*>', html)
    assert re.search(r'<input type="radio" name="method" value="VIETQR"[^>]*>', html)
    assert "VNPay" in html and "VietQR bank transfer" in html
    assert 'value="MOMO"' not in html and 'value="ZALOPAY"' not in html


def test_the_pay_page_preselects_the_invoice_it_was_sent_for(client, family):
    html = html_of(client.get(f"/payments/?invoice={family.parents_bill.pk}"))
    assert "checked" in checkbox(html, family.parents_bill)
    assert "checked" not in checkbox(html, family.home_bill)


def test_an_invoice_being_paid_is_shown_but_cannot_be_ticked(client, family):
    payment = started(client, family.parents_bill)
    html = html_of(client.get(f"/payments/?invoice={family.parents_bill.pk}"))
    assert "disabled" in checkbox(html, family.parents_bill)
    assert "inside a payment still waiting for its gateway" in html
    assert f"Payment {payment.reference} of 320,000 VND is waiting for the gateway." in html
    assert f'href="/payments/{payment.pk}/"' in html


def test_the_invoice_page_offers_pay_now_only_while_it_can_be_paid(client, family):
    link = f'href="/payments/?invoice={family.home_bill.pk}"'
    html = html_of(client.get(f"/invoices/{family.home_bill.pk}/"))
    assert link in html and "Pay now" in html
    payment = started(client, family.home_bill)
    html = html_of(client.get(f"/invoices/{family.home_bill.pk}/"))
    assert "Pay now" not in html and "Payment in progress" in html  # to the pay page
    pay(client, payment)
    html = html_of(client.get(f"/invoices/{family.home_bill.pk}/"))
    assert link not in html and "Pay now" not in html


def test_paying_with_vnpay_goes_to_the_gateway_with_a_signed_request(client, family):
    response = start(client, family.home_bill, family.parents_bill)
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert url.path == SANDBOX_PAY
    query = dict(parse_qsl(url.query))
    assert vnpay.verify(query, secret=settings.VNPAY_HASH_SECRET)
    payment = Payment.objects.get()
    assert query["vnp_TxnRef"] == payment.reference
    assert query["vnp_Amount"] == str(870_000 * 100)
    assert query["vnp_Locale"] == "en"
    assert query["vnp_ReturnUrl"] == RETURN_URL
    assert payment.account == family.account and payment.status == "PENDING"
    assert set(
        Invoice.objects.filter(pk__in=[family.home_bill.pk, family.parents_bill.pk]).values_list(
            "status", flat=True
        )
    ) == {"PENDING"}


def test_paying_with_vietqr_shows_the_code_and_the_transfer_details(client, family):
    factories.collecting_account(
        "EVNHCMC",
        bank_name="Vietcombank",
        account_number="0071000123456",
        account_name="TONG CONG TY DIEN LUC TP HCM",
    )
    response = start(client, family.home_bill, family.older_bill, method="VIETQR")
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/payments/{payment.pk}/"
    html = html_of(client.get(response["Location"]))
    assert "Pay by bank transfer (VietQR)" in html
    assert re.search(r"<figure class=\"qr\">\s*<svg", html)
    assert "Vietcombank" in html
    assert "0071000123456" in html
    assert "TONG CONG TY DIEN LUC TP HCM" in html
    assert "960,000 VND" in html
    assert re.search(
        rf"<dt>Transfer content</dt><dd><strong[^>]*>{payment.reference}</strong>", html
    )


def test_paying_with_nothing_ticked_says_so(client, family):
    html = html_of(client.post("/payments/", {"method": "VNPAY"}), 422)
    assert "Choose at least one unpaid invoice." in html
    html = html_of(client.post("/payments/", {"invoices": [family.home_bill.pk]}), 422)
    assert "Choose a payment method." in html
    html = html_of(
        client.post("/payments/", {"invoices": [family.home_bill.pk], "method": "MOMO"}), 422
    )
    assert "This payment method is not available." in html
    assert "checked" in checkbox(html, family.home_bill)  # what was ticked stays ticked
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda family: factories.invoice(family.home, month=date(2026, 8, 1), status="PAID"),
            "The invoice of {code} for 08/2026 is already paid.",
        ),
        (
            lambda family: factories.invoice(
                family.home, month=date(2026, 8, 1), status="CANCELLED"
            ),
            "The invoice of {code} for 08/2026 was cancelled.",
        ),
        (
            lambda family: factories.invoice(factories.customer(), month=OCTOBER),
            "Invoice {pk} is not one of your invoices.",
        ),
    ],
)
def test_paying_an_invoice_that_cannot_be_paid_says_why(client, family, make, message):
    invoice = make(family)
    html = html_of(start(client, family.home_bill, invoice), 422)
    assert message.format(code=invoice.customer.code, pk=invoice.pk) in html
    assert not Payment.objects.exists()
    assert Invoice.objects.get(pk=family.home_bill.pk).status == "UNPAID"


def test_paying_an_invoice_already_in_a_pending_payment_says_why(client, family):
    started(client, family.parents_bill)
    html = html_of(start(client, family.parents_bill), 422)
    assert (
        f"The invoice of {family.parents.code} for 10/2026 is inside another payment that is "
        "still being processed. Wait for it to finish or expire."
    ) in html
    assert Payment.objects.count() == 1


def test_vietqr_refusals_are_shown_on_the_page(client, family):
    html = html_of(start(client, family.parents_bill, method="VIETQR"), 422)
    assert "This power company does not take VietQR transfers yet. Please choose VNPay." in html
    factories.collecting_account("EVNHCMC")
    factories.collecting_account("EVNHANOI", account_number="1122334455")
    html = html_of(start(client, family.home_bill, family.parents_bill, method="VIETQR"), 422)
    assert "A VietQR transfer goes to one power company&#x27;s account" in html
    assert not Payment.objects.exists()


# ---------------------------------------------------------------- a payment


def test_a_paid_payment_shows_the_receipt_and_its_pdf(client, family):
    payment = started(client, family.home_bill, family.parents_bill)
    assert pay(client, payment)["RspCode"] == "00"
    payment.refresh_from_db()
    html = html_of(client.get(f"/payments/{payment.pk}/"))
    assert "Payment receipt" in html and "The invoices below are paid." in html
    assert payment.reference in html
    assert "870,000 VND" in html
    assert f"<dt>Gateway transaction number</dt><dd>{payment.transaction_no}</dd>" in html
    assert "<dt>Bank</dt><dd>NCB</dd>" in html
    with translation.override("en"):
        assert date_format(timezone.localtime(payment.settled_at), "SHORT_DATETIME_FORMAT") in html
    assert f'href="/payments/{payment.pk}/receipt.pdf"' in html
    assert "Download the receipt (PDF)" in html
    assert "Pay again" not in html
    response = client.get(f"/payments/{payment.pk}/receipt.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_failed_payment_shows_the_gateways_reason_and_pay_again(client, family):
    payment = started(client, family.home_bill, family.parents_bill)
    assert pay(client, payment, response_code="51")["RspCode"] == "00"
    html = html_of(client.get(f"/payments/{payment.pk}/"))
    assert "The payment did not go through" in html
    with translation.override("en"):
        assert str(pages.VNPAY_RESULTS["51"]) in html
    assert "Your account does not have enough balance. Nothing was charged." in html
    again = re.search(r'<a class="button" href="([^"]*)">Pay again</a>', html)
    assert again, html
    link = again.group(1).replace("&amp;", "&")
    assert urlsplit(link).path == "/payments/"
    assert sorted(int(v) for k, v in parse_qsl(urlsplit(link).query) if k == "invoice") == sorted(
        [family.home_bill.pk, family.parents_bill.pk]
    )
    assert "receipt.pdf" not in html
    assert client.get(f"/payments/{payment.pk}/receipt.pdf").status_code == 404
    # the link brings back the pay page with both invoices ticked, free again
    html = html_of(client.get(link))
    for bill in (family.home_bill, family.parents_bill):
        assert "checked" in checkbox(html, bill) and "disabled" not in checkbox(html, bill)


def test_a_pending_vnpay_payment_waits_for_the_gateway(client, family):
    payment = started(client, family.home_bill)
    html = html_of(client.get(f"/payments/{payment.pk}/"))
    assert "Waiting for the gateway" in html
    assert "VNPay has not confirmed this payment yet." in html
    assert client.get(f"/payments/{payment.pk}/receipt.pdf").status_code == 404


def test_another_accounts_payment_is_not_found(client, family):
    other = Family()
    client.force_login(other.account)
    theirs = started(client, other.home_bill)
    pay(client, theirs)
    client.force_login(family.account)
    assert client.get(f"/payments/{theirs.pk}/").status_code == 404
    assert client.get(f"/payments/{theirs.pk}/receipt.pdf").status_code == 404
    assert theirs.reference not in html_of(client.get("/payments/history/"))
    assert theirs.reference not in html_of(client.get("/payments/"))


def test_the_pages_need_a_logged_in_account(client, family):
    payment = started(client, family.home_bill)
    client.logout()
    for url in (
        "/payments/",
        "/payments/history/",
        f"/payments/{payment.pk}/",
        f"/payments/{payment.pk}/receipt.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse(settings.LOGIN_URL)}?next={url}"
    response = client.post("/payments/", {"invoices": [family.older_bill.pk], "method": "VNPAY"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    assert Payment.objects.count() == 1


# ---------------------------------------------------------------- the history


def test_the_history_lists_the_payments_with_their_facts(client, family):
    paid = started(client, family.home_bill, family.older_bill)
    pay(client, paid)
    paid.refresh_from_db()
    waiting = started(client, family.parents_bill)
    html = html_of(client.get("/payments/history/"))
    assert html.index(f'href="/payments/{waiting.pk}/"') < html.index(
        f'href="/payments/{paid.pk}/"'
    )
    with translation.override("en"):
        started_at = date_format(timezone.localtime(paid.created_at), "SHORT_DATETIME_FORMAT")
    assert f"{started_at} · VNPay · transaction {paid.transaction_no}" in html
    assert "960,000 VND" in html and "320,000 VND" in html
    assert f"{family.home.code} 09/2026, {family.home.code} 10/2026" in html
    assert f"{family.parents.code} 10/2026" in html
    assert ">Paid</span>" in html and ">Waiting for payment</span>" in html


def test_the_history_filters(client, family):
    paid = started(client, family.home_bill)
    pay(client, paid)
    waiting = started(client, family.parents_bill)
    today = timezone.localdate()

    def shown(query: str) -> set[int]:
        html = html_of(client.get(f"/payments/history/?{query}"))
        return {int(pk) for pk in re.findall(r'href="/payments/(\d+)/"', html)}

    assert shown("") == {paid.pk, waiting.pk}
    assert shown("status=PAID") == {paid.pk}
    assert shown("status=PENDING") == {waiting.pk}
    assert shown(f"customer={family.parents.code}") == {waiting.pk}
    assert shown(f"start={today}&end={today}") == {paid.pk, waiting.pk}
    assert shown(f"end={today - timedelta(days=1)}") == set()
    assert "No payment to show." in html_of(client.get("/payments/history/?status=REFUNDED"))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=DONE", "This status does not exist."),
        ("customer=PE0100999999", "This customer code is not linked to your account."),
        ("start=May", "Enter a date as YYYY-MM-DD."),
        ("end=2026-02-30", "Enter a date as YYYY-MM-DD."),
        ("start=2026-11-02&end=2026-11-01", "The last day must not come before the first."),
    ],
)
def test_the_history_explains_bad_filters(client, family, query, message):
    started(client, family.home_bill)
    html = html_of(client.get(f"/payments/history/?{query}"))
    assert message in html
    assert '<details class="data" open>' in html  # the filter form is open on its errors


# ---------------------------------------------------------------- the home page


def test_the_total_due_on_the_home_page_drops_once_a_payment_is_paid(client, family):
    assert "Electricity to pay: <strong>1,280,000 VND</strong>" in html_of(client.get("/"))
    payment = started(client, family.home_bill, family.older_bill)
    # started is not paid: still due
    assert "Electricity to pay: <strong>1,280,000 VND</strong>" in html_of(client.get("/"))
    pay(client, payment)
    assert "Electricity to pay: <strong>320,000 VND</strong>" in html_of(client.get("/"))
    pay(client, started(client, family.parents_bill))
    assert "No electricity bill to pay." in html_of(client.get("/"))


# ---------------------------------------------------------------- VNPay's Return URL


def return_page(client, payment, code: str = "00", **changes):
    return client.get(
        "/payments/vnpay/return?" + urlencode(ipn_query(payment, response_code=code, **changes))
    )


def test_the_return_page_shows_a_paid_payment_to_its_owner(client, family):
    payment = started(client, family.home_bill, family.parents_bill)
    pay(client, payment)
    html = html_of(return_page(client, payment))
    assert '<h2 id="result" class="status status-paid">Paid</h2>' in html
    assert "You paid 870,000 VND for 2 invoices." in html
    assert f'<a class="button" href="/payments/{payment.pk}/">See the receipt</a>' in html
    assert payment.reference in html


def test_the_return_page_changes_nothing(client, family):
    """Only the IPN changes a payment: "paid" on the Return URL is news, not proof."""
    payment = started(client, family.home_bill)
    html = html_of(return_page(client, payment))
    assert "Waiting for confirmation" in html
    payment.refresh_from_db()
    assert payment.status == "PENDING" and not payment.transaction_no
    assert not Callback.objects.exists()
    assert Invoice.objects.get(pk=family.home_bill.pk).status == "PENDING"

    html = html_of(return_page(client, payment, "24"))
    assert "Not paid" in html and "You cancelled the payment. Nothing was charged." in html
    payment.refresh_from_db()
    assert payment.status == "PENDING" and not Callback.objects.exists()


def test_the_return_page_links_no_one_elses_payment(client, family):
    payment = started(client, family.home_bill)
    pay(client, payment)
    client.logout()
    html = html_of(return_page(client, payment))
    assert f"/payments/{payment.pk}/" not in html
    other = Family()
    client.force_login(other.account)
    html = html_of(return_page(client, payment))
    assert f"/payments/{payment.pk}/" not in html and "See the receipt" not in html


def test_the_return_page_refuses_a_query_without_vnpays_signature(client, family):
    payment = started(client, family.home_bill)
    query = ipn_query(payment)
    for forged in (
        query | {"vnp_Amount": "100"},
        query | {"vnp_SecureHash": "0" * 128},
        {key: value for key, value in query.items() if key != "vnp_SecureHash"},
        {},
    ):
        response = client.get("/payments/vnpay/return?" + urlencode(forged))
        html = html_of(response, 400)
        assert "This result could not be verified" in html
    payment.refresh_from_db()
    assert payment.status == "PENDING" and not Callback.objects.exists()
    # signed, but of no payment of ours
    assert return_page(client, payment, vnp_TxnRef="EVN000000NOSUCH").status_code == 404


# ---------------------------------------------------------------- garbage in


@pytest.mark.parametrize(
    "url",
    [
        "/payments/?invoice=abc",
        "/payments/?invoice=-1&invoice=&invoice=1.5",
        "/payments/?invoice=99999999999999999999999",
        "/payments/history/?page=abc",
        "/payments/history/?page=999",
        "/payments/history/?status=%00&customer=%27&start=x&end=2026-99-99",
    ],
)
def test_the_pages_answer_garbage_without_failing(client, family, url):
    html_of(client.get(url))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"invoices": "abc", "method": "VNPAY"}, "Invoices are identified by whole numbers."),
        ({"invoices": ["1", "x"], "method": "VNPAY"}, "Invoices are identified by whole numbers."),
        ({"invoices": "-3", "method": "VNPAY"}, "Invoices are identified by whole numbers."),
        ({"invoices": "", "method": "VNPAY"}, "Invoices are identified by whole numbers."),
        ({"invoices": "1", "method": "<script>"}, "This payment method is not available."),
    ],
)
def test_a_garbled_form_is_answered_with_a_message(client, family, data, message):
    assert message in html_of(client.post("/payments/", data), 422)
    assert not Payment.objects.exists()


def test_a_digit_that_is_not_a_number_does_not_fail_the_pay_page(client, family):
    html_of(client.get("/payments/?invoice=²"))
    html_of(client.post("/payments/", {"invoices": "²", "method": "VNPAY"}), 422)


def test_an_id_beyond_any_invoice_does_not_fail_the_pay_page(client, family):
    response = client.post("/payments/", {"invoices": str(10**20), "method": "VNPAY"})
    html = html_of(response, 422)
    assert "not one of your invoices" in html or "whole numbers" in html


def test_invoices_of_a_payment_past_its_time_can_be_chosen_again(client, family):
    """A payment abandoned at the gateway lets its invoices go once its time is up."""
    long_ago = timezone.now() - timedelta(minutes=20)  # expired 5 minutes ago
    services.start(
        account=family.account,
        invoice_ids=[family.home_bill.pk],
        method="VNPAY",
        now=long_ago,
        ip="127.0.0.1",
        locale="en",
    )
    payment = Payment.objects.get()
    html = html_of(client.get(f"/payments/?invoice={family.home_bill.pk}"))
    assert "checked" in checkbox(html, family.home_bill)
    assert "disabled" not in checkbox(html, family.home_bill)
    assert payment.reference not in html  # no longer "waiting for the gateway"
    payment.refresh_from_db()
    assert payment.status == "EXPIRED"


def test_the_invoice_page_offers_pay_now_once_the_payment_holding_it_is_past_its_time(
    client, family
):
    services.start(
        account=family.account,
        invoice_ids=[family.home_bill.pk],
        method="VNPAY",
        now=timezone.now() - timedelta(minutes=20),
        ip="127.0.0.1",
        locale="en",
    )
    html = html_of(client.get(f"/invoices/{family.home_bill.pk}/"))
    assert f'href="/payments/?invoice={family.home_bill.pk}"' in html
