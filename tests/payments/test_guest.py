"""Paying without logging in (/pay/): enter a customer code, see what is due and the
holder's name masked, pay everything due; the payment's page and receipt behind a signed
token; the accounts following the code are told; lookups are rate-limited per IP."""

import re
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.conf import settings
from django.core import signing
from django.utils import timezone

from cskh.core import codes
from cskh.payments import services, vnpay
from cskh.payments.models import Payment
from tests import factories
from tests.helpers import token_for
from tests.payments.helpers import SANDBOX_PAY, html_of, ipn_query, pay

pytestmark = pytest.mark.django_db

CODE_FORMAT = (
    "A customer code starts with P and a letter, then 8 to 12 digits, as on your bill "
    "(for example PE0100012345)."
)


@pytest.fixture
def guest(client):
    """A visitor reading the site in English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def home(units):
    """A customer with two unpaid bills (September 410,000 and October 550,000)."""
    customer = factories.customer(unit_code="PE0100", name="Nguyễn Thị Minh Khai")
    factories.invoice(customer, month=date(2026, 9, 1), total=410_000)
    factories.invoice(customer, month=date(2026, 10, 1), total=550_000)
    return customer


def look_up(client, code: str, **extra):
    return client.post("/pay/", {"code": code}, **extra)


def pay_as_guest(client, code: str, method: str = "VNPAY"):
    """Look the code up, then pay the total the page showed (as the page's form posts it)."""
    shown = re.search(r'name="total" value="(\d+)"', look_up(client, code).content.decode())
    total = shown.group(1) if shown else ""
    return client.post("/pay/", {"code": code, "method": method, "total": total})


def guest_link(client, payment) -> str:
    """The link to the guest payment's page, as VNPay's Return URL page shows it."""
    html = html_of(client.get("/payments/vnpay/return?" + urlencode(ipn_query(payment))))
    match = re.search(r'href="(/pay/[^"/]+/)"', html)
    assert match, html
    return match.group(1)


# ---------------------------------------------------------------- looking up a code


def test_the_page_asks_for_the_code(guest):
    html = html_of(guest.get("/pay/"))
    assert "Pay without logging in" in html
    assert 'name="code"' in html and "Look up" in html


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Enter the customer code."),
        ("   ", "Enter the customer code."),
        ("PE01", CODE_FORMAT),
        ("12345678901", CODE_FORMAT),
        ("PE0100#12345", "A customer code has letters and digits only."),
        ("PĐ0100012345", "A customer code has letters and digits only."),
        ("x" * 500, "Ensure this value has at most 20 characters (it has 500)."),
    ],
)
def test_a_code_that_is_not_a_customer_code_is_explained(guest, home, code, message):
    html = html_of(look_up(guest, code), 422)
    assert message in html
    assert "To pay" not in html


def test_an_unknown_code_is_explained(guest, home):
    html = html_of(look_up(guest, "PE0100999999"), 422)
    assert "No customer has this code. Check it on your bill." in html


def test_a_known_code_shows_the_masked_name_and_what_is_due(guest, home):
    html = html_of(look_up(guest, home.code))
    assert home.code in html
    assert codes.mask_name(home.name) == "N***** T** M*** K***"
    assert "N***** T** M*** K***" in html
    assert home.name not in html
    assert not any(word in html for word in ("Nguyễn", "Minh", "Khai"))
    assert home.address not in html
    assert "Bill for 09/2026: 410,000 VND" in html
    assert "Bill for 10/2026: 550,000 VND" in html
    assert "Pay 960,000 VND" in html
    assert 'name="method" value="VNPAY"' in html and 'name="method" value="VIETQR"' in html
    assert f'<input type="hidden" name="code" value="{home.code}">' in html


def test_the_code_may_be_typed_loosely(guest, home):
    loose = f"{home.code[:6].lower()} {home.code[6:9]}.{home.code[9:]}"
    html = html_of(look_up(guest, loose))
    assert "Pay 960,000 VND" in html


def test_a_code_with_nothing_due_says_so(guest, home):
    settled = factories.customer(unit_code="PE0100")
    factories.invoice(settled, month=date(2026, 10, 1), status="PAID")
    html = html_of(look_up(guest, settled.code))
    assert "Nothing is due on this customer code." in html
    assert 'name="method"' not in html
    html = html_of(pay_as_guest(guest, settled.code), 422)
    assert "Nothing is due on this customer code." in html
    assert not Payment.objects.exists()


def test_what_another_payment_holds_is_not_due_again(guest, client, home):
    account = factories.account(language="en")
    factories.link(account, home)
    october = home.invoices.get(period_month=date(2026, 10, 1))
    client.force_login(account)
    client.post("/payments/", {"invoices": [october.pk], "method": "VNPAY"})
    client.logout()
    guest.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = html_of(look_up(guest, home.code))
    assert "Pay 410,000 VND" in html and "Bill for 10/2026" not in html


# ---------------------------------------------------------------- paying


def test_paying_with_vnpay_goes_to_the_gateway_for_everything_due(guest, home):
    response = pay_as_guest(guest, home.code)
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert url.path == SANDBOX_PAY
    query = dict(parse_qsl(url.query))
    payment = Payment.objects.get()
    assert payment.account is None
    assert payment.status == "PENDING" and payment.method == "VNPAY"
    assert payment.amount == 960_000 and query["vnp_Amount"] == "96000000"
    assert query["vnp_TxnRef"] == payment.reference
    assert vnpay.verify(query, secret=settings.VNPAY_HASH_SECRET)
    assert sorted(item.invoice.period_month.month for item in payment.items.all()) == [9, 10]
    assert set(home.invoices.values_list("status", flat=True)) == {"PENDING"}


def test_paying_with_a_method_not_offered_is_refused(guest, home):
    html = html_of(pay_as_guest(guest, home.code, "MOMO"), 422)
    assert "This payment method is not available." in html
    assert not Payment.objects.exists()


def test_after_the_ipn_the_accounts_following_the_code_are_told(guest, api, home):
    follower = factories.account(language="en")
    factories.link(follower, home)
    stranger = factories.account(language="en")
    factories.link(stranger, factories.customer(unit_code="PE0100"))
    pay_as_guest(guest, home.code)
    payment = Payment.objects.get()
    assert pay(guest, payment)["RspCode"] == "00"
    payment.refresh_from_db()
    assert payment.status == "PAID" and payment.account is None
    assert set(home.invoices.values_list("status", flat=True)) == {"PAID"}

    notices = api.get("/notifications", token=token_for(follower)).json()["items"]
    bills = [notice for notice in notices if notice["category"] == "BILL"]
    assert len(bills) == 1
    assert bills[0]["title"] == "Invoices paid"
    assert payment.reference in bills[0]["body"] and "960,000 VND" in bills[0]["body"]
    assert f"{home.code} for 09/2026" in bills[0]["body"]
    theirs = api.get("/notifications", token=token_for(stranger)).json()["items"]
    assert not [notice for notice in theirs if notice["category"] == "BILL"]


def test_the_guest_payment_page_and_receipt_behind_the_signed_token(guest, home):
    pay_as_guest(guest, home.code)
    payment = Payment.objects.get()
    page = guest_link(guest, payment)
    html = html_of(guest.get(page))
    assert payment.reference in html and "960,000 VND" in html
    assert "Waiting for the gateway" in html
    assert "Payment history" not in html  # nothing of an account
    assert guest.get(page + "receipt.pdf").status_code == 404  # not paid yet

    pay(guest, payment)
    html = html_of(guest.get(page))
    assert "Payment receipt" in html
    assert f'href="{page}receipt.pdf"' in html
    response = guest.get(page + "receipt.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_tampered_or_foreign_token_is_not_found(guest, client, home):
    pay_as_guest(guest, home.code)
    payment = Payment.objects.get()
    pay(guest, payment)
    token = guest_link(guest, payment).split("/")[2]
    head, _, tail = token.rpartition(":")
    tampered = head + ":" + ("A" if tail[0] != "A" else "B") + tail[1:]
    forged = signing.dumps(payment.pk, salt="another.salt")
    for bad in (tampered, forged, "abc", token[:-1]):
        assert guest.get(f"/pay/{bad}/").status_code == 404
        assert guest.get(f"/pay/{bad}/receipt.pdf").status_code == 404

    # a token can only show a payment made without logging in
    account = factories.account(language="en")
    factories.link(account, home)
    later = factories.invoice(home, month=date(2026, 11, 1))
    client.force_login(account)
    client.post("/payments/", {"invoices": [later.pk], "method": "VNPAY"})
    own = Payment.objects.get(account=account)
    token = signing.dumps(own.pk, salt="payments.guest")
    assert client.get(f"/pay/{token}/").status_code == 404


def test_paying_with_vietqr_shows_the_code_on_the_guest_page(guest, home):
    factories.collecting_account("EVNHCMC", bank_name="Vietcombank")
    response = pay_as_guest(guest, home.code, "VIETQR")
    assert response.status_code == 302
    assert re.fullmatch(r"/pay/[^/]+/", response["Location"])
    payment = Payment.objects.get()
    html = html_of(guest.get(response["Location"]))
    assert "Pay by bank transfer (VietQR)" in html and "<svg" in html
    assert "Vietcombank" in html and payment.reference in html and "960,000 VND" in html


# ---------------------------------------------------------------- the rate limit


def test_lookups_beyond_the_limit_are_refused(guest, home, settings):
    settings.GUEST_PAY_LOOKUPS_PER_IP_PER_HOUR = 2
    assert "Pay 960,000 VND" in html_of(look_up(guest, home.code))
    html_of(look_up(guest, "PE0100999999"), 422)  # an unknown code counts too
    html = html_of(look_up(guest, home.code), 429)
    assert "Too many attempts. Try again in" in html
    assert "N***** T** M*** K***" not in html
    # another address is not held back
    assert "Pay 960,000 VND" in html_of(look_up(guest, home.code, REMOTE_ADDR="10.1.2.3"))


def test_a_malformed_code_does_not_use_up_the_lookups(guest, home, settings):
    settings.GUEST_PAY_LOOKUPS_PER_IP_PER_HOUR = 2
    for _ in range(3):
        html_of(look_up(guest, "PE01"), 422)
    assert "Pay 960,000 VND" in html_of(look_up(guest, home.code))


def test_the_limit_cannot_be_bypassed_by_posting_a_method(guest, home, settings):
    settings.GUEST_PAY_LOOKUPS_PER_IP_PER_HOUR = 2
    for _ in range(2):
        html_of(guest.post("/pay/", {"code": home.code, "method": "NONE"}), 422)
    html = html_of(guest.post("/pay/", {"code": home.code, "method": "NONE"}), 429)
    assert "Too many attempts. Try again in" in html
    assert "N***** T** M*** K***" not in html


def test_a_payment_abandoned_past_its_time_does_not_hide_what_is_due(guest, home):
    services.start_for_customer(
        customer=home,
        method="VNPAY",
        now=timezone.now() - timedelta(minutes=20),  # expired 5 minutes ago
        ip="127.0.0.1",
        locale="en",
    )
    assert "Pay 960,000 VND" in html_of(look_up(guest, home.code))
