"""Paying electricity bills in Chromium, on a phone, through the VNPay sandbox (which
calls our IPN over real HTTP on the threaded live server, before it sends the browser
back to our Return URL).

1. A holder with two codes (home and parents) opens "Payment" from the bottom
   navigation, ticks both bills (the total adds up as they tick), pays 880,000 VND by
   VNPay, and comes back paid: both bills are paid through VNPay, a notice says so, the
   history holds one payment of both codes, and the receipt downloads as a PDF.
2. The same, but the bank says the balance is too low (51): the result page says why,
   nothing is paid, and both bills can be ticked again.
3. From a bill, "Pay now" → VietQR: the payment page shows the QR inline, the collecting
   account and the reference to type as the transfer content (in Vietnamese, the app's
   default: the test reads only data there, not the wording of the new strings).
4. Someone pays a code without logging in: the holder's name is masked, the amount due
   shown, VNPay, paid; the receipt opens from a signed link.
5. A holder leaves VNPay's page without paying: the payment page offers to go back to
   VNPay (the same payment) or to cancel it; cancelling frees both bills at once, ticked
   again for a new payment.

Journeys 1 and 2 run in English (the account's language) and read the English wording;
journeys 3 and 4 run in Vietnamese and read only data (amounts, codes, the reference,
statuses by their class), the new payment controls located by their attributes, so the
Vietnamese wording of the new strings can change without breaking them."""

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Locator, Page, expect

from cskh.billing.models import Invoice
from cskh.core.money import format_vnd
from cskh.payments import pages
from cskh.payments.models import Payment
from tests import factories
from tests.e2e.phone import expect_no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HOME, PARENTS = 550_000, 330_000
OCTOBER = date(2026, 10, 1)


def english(text) -> str:
    """A (lazy) message as it reads in English: its msgid."""
    with translation.override("en"):
        return str(text)


def two_homes(*, language: str) -> dict:
    """An account (in `language`) linked to its home in Hồ Chí Minh City and its
    parents' in Hà Nội, each with an unpaid bill for October 2026."""
    home = factories.customer(unit_code="PE0100", name="Nguyễn Văn An")
    parents = factories.customer(unit_code="PD0100", name="Nguyễn Văn Bình")
    account = factories.account(language=language)
    factories.link(account, home, nickname="Nhà mình")
    factories.link(account, parents, nickname="Nhà bố mẹ")
    return {
        "account": account,
        "home": home,
        "parents": parents,
        "home_bill": factories.invoice(home, month=OCTOBER, total=HOME),
        "parents_bill": factories.invoice(parents, month=OCTOBER, total=PARENTS),
    }


def box(page: Page, invoice: Invoice) -> Locator:
    """The checkbox of one invoice on the payment page."""
    return page.locator(f'input[name="invoices"][value="{invoice.pk}"]')


def method(page: Page, value: str) -> Locator:
    return page.locator(f'input[name="method"][value="{value}"]')


def main_menu(page: Page, label: str) -> Locator:
    return page.get_by_role("navigation", name=re.compile("Main menu|Menu chính")).get_by_role(
        "link", name=re.compile(rf"^{label}")
    )


def choose_both_and_vnpay(page: Page, homes: dict) -> None:
    """From the home screen (in English): Payment → both bills → VNPay → to the sandbox."""
    page.goto("/")
    main_menu(page, "Payment").click()
    expect(page).to_have_url(re.compile(r"/payments/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay electricity bills")
    total = page.locator("output#pay-total")
    expect(total).to_have_text(format_vnd(0, "en"))
    for bill in (homes["home_bill"], homes["parents_bill"]):
        expect(box(page, bill)).to_be_enabled()
        expect(box(page, bill)).not_to_be_checked()
    box(page, homes["home_bill"]).check()
    expect(total).to_have_text(format_vnd(HOME, "en"))
    box(page, homes["parents_bill"]).check()
    expect(total).to_have_text(format_vnd(HOME + PARENTS, "en"))
    expect_no_horizontal_scroll(page)
    method(page, "VNPAY").check()
    page.locator("form.pay button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/sandbox/vnpay/paymentv2/vpcpay\.html\?"))
    expect(page.get_by_test_id("amount")).to_have_text("880.000 VND")


def sandbox_answers(page: Page, outcome: str) -> None:
    """On the sandbox (in English): the outcome, the IPN delivered normally, confirm."""
    page.get_by_label(outcome, exact=True).check()
    page.get_by_label("IPN delivery (for testing)").select_option("normal")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/payments/vnpay/return\?"))


def test_a_holder_pays_the_bills_of_two_codes_by_vnpay(new_page, log_in):
    homes = two_homes(language="en")
    page = new_page(locale="en-US", language="en")
    log_in(page, homes["account"])

    choose_both_and_vnpay(page, homes)
    sandbox_answers(page, "Pay successfully")

    # Back on our Return URL: paid (the IPN came first).
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment result")
    result = page.get_by_role("heading", level=2)
    expect(result).to_have_text("Paid")
    expect(page.get_by_role("status")).to_have_text(
        f"You paid {format_vnd(HOME + PARENTS, 'en')} for 2 invoices."
    )
    payment = Payment.objects.get()
    assert (payment.status, payment.method, payment.amount) == ("PAID", "VNPAY", HOME + PARENTS)
    expect(page.get_by_role("main")).to_contain_text(payment.reference)
    for bill in (homes["home_bill"], homes["parents_bill"]):
        bill.refresh_from_db()
        assert (bill.status, bill.paid_channel, bill.paid_amount) == (
            Invoice.Status.PAID,
            "VNPay",
            bill.total,
        )
    expect_no_horizontal_scroll(page)

    # The notice.
    notices = main_menu(page, "Notices")
    expect(notices.locator(".count")).to_have_text("1 unread")
    notices.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    notice = page.get_by_role("main").get_by_role("listitem")
    expect(notice).to_have_count(1)
    expect(notice.locator("strong")).to_have_text("Invoices paid")

    # The history: one payment, of both codes.
    main_menu(page, "Payment").click()
    page.get_by_role("link", name="Payment history").click()
    expect(page).to_have_url(re.compile(r"/payments/history/$"))
    payments = page.get_by_role("list", name="Payments").get_by_role("listitem")
    expect(payments).to_have_count(1)
    expect(payments.first).to_contain_text(format_vnd(HOME + PARENTS, "en"))
    expect(payments.first).to_contain_text(f"{homes['home'].code} 10/2026")
    expect(payments.first).to_contain_text(f"{homes['parents'].code} 10/2026")
    expect(payments.first).to_contain_text("Paid")
    expect_no_horizontal_scroll(page)

    # The receipt, and its PDF.
    payments.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/payments/{payment.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment receipt")
    expect_no_horizontal_scroll(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the receipt (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"bien-nhan-{payment.reference}.pdf"
    with open(download.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"


def test_a_payment_the_bank_refuses_leaves_the_bills_to_pay(new_page, log_in):
    homes = two_homes(language="en")
    page = new_page(locale="en-US", language="en")
    log_in(page, homes["account"])

    choose_both_and_vnpay(page, homes)
    # While the payment is open, its bills are held.
    for bill in (homes["home_bill"], homes["parents_bill"]):
        bill.refresh_from_db()
        assert bill.status == Invoice.Status.PENDING
    sandbox_answers(page, "Insufficient balance (51)")

    expect(page.get_by_role("heading", level=2)).to_have_text("Not paid")
    expect(page.get_by_role("alert")).to_have_text(english(pages.VNPAY_RESULTS["51"]))
    assert english(pages.VNPAY_RESULTS["51"]) == (
        "Your account does not have enough balance. Nothing was charged."
    )
    payment = Payment.objects.get()
    assert (payment.status, payment.result_code) == ("FAILED", "51")
    for bill in (homes["home_bill"], homes["parents_bill"]):
        bill.refresh_from_db()
        assert (bill.status, bill.paid_amount, bill.paid_channel) == (
            Invoice.Status.UNPAID,
            0,
            "",
        )
    expect_no_horizontal_scroll(page)

    # Both bills can be ticked again.
    main_menu(page, "Payment").click()
    for bill in (homes["home_bill"], homes["parents_bill"]):
        expect(box(page, bill)).to_be_enabled()
    expect(page.get_by_role("main")).not_to_contain_text("being paid in another payment")
    expect(page.locator("output#pay-total")).to_have_text(format_vnd(0, "en"))


def test_pay_now_on_a_bill_by_vietqr_shows_the_qr_and_the_transfer_details(page: Page, log_in):
    """In Vietnamese: only data is read (amounts, codes, the account, the reference)."""
    factories.collecting_account("EVNHCMC")
    home = factories.customer(unit_code="PE0100")
    account = factories.account(language="vi")
    factories.link(account, home, nickname="Nhà mình")
    bill = factories.invoice(home, month=OCTOBER, total=HOME)
    other = factories.invoice(home, month=date(2026, 11, 1), total=PARENTS)
    log_in(page, account)

    page.goto(reverse("billing:invoice", args=[bill.pk]))
    page.get_by_role("link", name="Thanh toán ngay").click()
    expect(page).to_have_url(re.compile(rf"/payments/\?invoice={bill.pk}$"))
    expect(box(page, bill)).to_be_checked()  # the bill is chosen; the other one is not
    expect(box(page, other)).not_to_be_checked()
    expect(page.locator("output#pay-total")).to_have_text("550.000 đ")
    expect_no_horizontal_scroll(page)
    method(page, "VIETQR").check()
    page.locator("form.pay button[type=submit]").click()

    payment = Payment.objects.get()
    assert (payment.method, payment.status, payment.amount) == ("VIETQR", "PENDING", HOME)
    expect(page).to_have_url(re.compile(rf"/payments/{payment.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    qr = page.locator("figure.qr svg")
    expect(qr).to_be_visible()
    expect(qr).to_have_accessible_name(f"VietQR {payment.reference}")
    facts = page.locator("dl.facts")
    # The transfer content is the first fact, the reference; then the amount; the account.
    expect(facts.locator("dd").first).to_have_text(payment.reference)
    expect(facts).to_contain_text("550.000 đ")
    expect(facts).to_contain_text("Vietcombank")
    expect(facts).to_contain_text("0071000123456")
    expect(facts).to_contain_text("TONG CONG TY DIEN LUC TP HCM")
    assert payment.reference in payment.qr_payload and "0071000123456" in payment.qr_payload
    expect_no_horizontal_scroll(page)
    bill.refresh_from_db()
    assert bill.status == Invoice.Status.PENDING  # held until the transfer shows


def test_someone_pays_a_code_without_logging_in(page: Page):
    """In Vietnamese (the new strings' wording is not read): the code, the masked name,
    the amount; the sandbox's own Vietnamese; the result's status by its class."""
    holder = factories.customer(unit_code="PE0100", name="Nguyễn Văn An")
    bill = factories.invoice(holder, month=OCTOBER, total=HOME)

    page.goto(reverse("payments:guest"))
    page.get_by_label("Mã khách hàng").fill(holder.code)
    page.get_by_role("main").get_by_role("button", name="Tra cứu").click()

    due = page.locator("section.card")
    expect(due.get_by_role("heading", level=2)).to_have_text(holder.code)
    expect(due).to_contain_text("N***** V** A*")
    expect(due).not_to_contain_text("Nguyễn Văn An")
    expect(due.locator("dd strong")).to_have_text("550.000 đ")
    expect(due.locator("button[type=submit]")).to_contain_text("550.000 đ")
    expect_no_horizontal_scroll(page)
    method(page, "VNPAY").check()
    due.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/sandbox/vnpay/paymentv2/vpcpay\.html\?"))
    expect(page.get_by_test_id("amount")).to_have_text("550.000 VND")
    page.get_by_label("Thanh toán thành công").check()
    page.get_by_label("Cách gửi IPN (dành cho kiểm thử)").select_option("normal")
    page.get_by_role("button", name="Xác nhận").click()

    expect(page).to_have_url(re.compile(r"/payments/vnpay/return\?"))
    payment = Payment.objects.get()
    assert (payment.account, payment.status, payment.amount) == (None, "PAID", HOME)
    result = page.locator("section.card").get_by_role("heading", level=2)
    expect(result).to_have_class(re.compile(r"\bstatus-paid\b"))
    expect(page.get_by_role("status")).to_contain_text("550.000 đ")
    expect(page.get_by_role("main")).to_contain_text(payment.reference)
    expect_no_horizontal_scroll(page)
    bill.refresh_from_db()
    assert (bill.status, bill.paid_channel) == (Invoice.Status.PAID, "VNPay")

    # The receipt is reachable without an account (a signed link).
    page.locator('main a.button[href^="/pay/"]').click()
    expect(page).to_have_url(re.compile(r"/pay/[^/]+/$"))
    expect(page.locator("dl.facts dd").first).to_have_text(payment.reference)
    with page.expect_download() as download_info:
        page.locator('main a[href$="/receipt.pdf"]').click()
    assert download_info.value.suggested_filename == f"bien-nhan-{payment.reference}.pdf"


def test_a_holder_who_left_vnpay_goes_back_or_cancels(new_page, log_in):
    homes = two_homes(language="en")
    page = new_page(locale="en-US", language="en")
    log_in(page, homes["account"])
    choose_both_and_vnpay(page, homes)
    payment = Payment.objects.get()

    # Back in the app without paying: the payment waits, and says how to go on.
    page.goto("/payments/")
    page.get_by_role("link", name=re.compile(payment.reference)).click()
    expect(page).to_have_url(re.compile(rf"/payments/{payment.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for the gateway")
    page.get_by_role("link", name="Continue to VNPay").click()
    expect(page).to_have_url(re.compile(rf"vnp_TxnRef={payment.reference}"))
    expect(page.get_by_test_id("amount")).to_have_text("880.000 VND")

    page.go_back()
    page.get_by_role("button", name="Cancel this payment").click()
    expect(page).to_have_url(re.compile(r"/payments/\?invoice="))
    expect(page.locator(".messages")).to_have_text(
        "The payment is cancelled. You can pay the invoices again."
    )
    for bill in (homes["home_bill"], homes["parents_bill"]):
        expect(box(page, bill)).to_be_enabled()
        expect(box(page, bill)).to_be_checked()
    expect(page.locator("output#pay-total")).to_have_text(format_vnd(HOME + PARENTS, "en"))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.EXPIRED
