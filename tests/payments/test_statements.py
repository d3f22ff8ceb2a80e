"""Bank statements reconcile VietQR transfers (docs/payments.md, "Bank statements"):
`statements.parse` reads the CSV (header, columns in any order, UTF-8 with or without a
BOM) and refuses a bad file whole, naming its lines; `statements.reconcile` lists every
credit with what it became. Only a credit carrying a VietQR payment's reference and its
exact amount, on that payment's collecting account, settles the payment (MATCHED, or LATE
when its invoices were meanwhile paid another way); everything else changes nothing."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from cskh.billing.models import Invoice
from cskh.core.errors import InvalidInput
from cskh.payments import gateways, services, statements
from cskh.payments.models import (
    Callback,
    Payment,
    PaymentInvoice,
    Statement,
    StatementLine,
)
from cskh.staff import roles
from cskh.staff.models import StaffMembership
from tests import factories
from tests.payments.helpers import Household, assert_untouched, bill_notices, household, pay, start

pytestmark = pytest.mark.django_db

Result = StatementLine.Result
HEADER = ("booked_at", "bank_transaction_id", "amount", "description")
VN = ZoneInfo("Asia/Ho_Chi_Minh")
ADD = "/staff/payments/statement/add/"
# what an invoice says it was paid through (Invoice.paid_channel)
VIETQR, VNPAY = gateways.VietQR.channel, gateways.VNPay.channel


# helpers


def statement_file(*rows, header=HEADER, bom: bool = False) -> bytes:
    """A CSV statement: `rows` are dicts by column name (or raw lines as str)."""
    lines = [",".join(header)]
    for row in rows:
        if isinstance(row, str):
            lines.append(row)
        else:
            lines.append(",".join(_cell(str(row.get(name, ""))) for name in header))
    text = "\r\n".join(lines) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


def _cell(value: str) -> str:
    return f'"{value}"' if "," in value or '"' in value else value


def credit(
    payment: Payment | None = None,
    *,
    txn: str = "FT25329000001",
    amount: int | None = None,
    description: str | None = None,
    booked_at: str = "2025-11-25 10:15:30",
) -> dict:
    """A line of the statement: by default the transfer VietQR asks for `payment`."""
    if description is None:
        description = f"TIEN DIEN {payment.reference}" if payment else "CHUYEN TIEN"
    if amount is None:
        amount = payment.amount if payment else 100_000
    return {
        "booked_at": booked_at,
        "bank_transaction_id": txn,
        "amount": str(amount),
        "description": description,
    }


def parse(data: bytes):
    with translation.override("en"):
        return statements.parse(data)


def refusal(data: bytes) -> list[str]:
    """The messages a bad file is refused with (in English)."""
    with translation.override("en"), pytest.raises(InvalidInput) as caught:
        statements.parse(data)
    return caught.value.fields["file"]


@pytest.fixture
def uploader():
    return factories.account(is_staff=True, language="en")


@pytest.fixture
def hcmc():
    """EVNHCMC's collecting account, used for the transfers of PE0100's customers."""
    return factories.collecting_account("EVNHCMC")


@pytest.fixture
def upload(hcmc, uploader):
    """Reconcile a statement of `rows` on `account` (EVNHCMC's): its lines, in order."""

    def run(*rows, account=None) -> list[StatementLine]:
        statement = Statement(
            account=account or hcmc, file_name="statement.csv", uploaded_by=uploader
        )
        with translation.override("en"):
            statements.reconcile(
                statement=statement, credits=parse(statement_file(*rows)), now=timezone.now()
            )
        return list(statement.lines.order_by("line_no"))

    return run


@pytest.fixture
def home(hcmc) -> Household:
    return household()


def by_vietqr(home: Household) -> Payment:
    """A VietQR payment of the household's invoices, asked for in English."""
    return start(home, method="VIETQR", locale="en")


# reading the file


@pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
def test_the_columns_are_read_by_their_names_in_any_order(bom):
    header = ("description", "amount", "extra", "booked_at", "bank_transaction_id")
    data = statement_file(
        {
            "description": "MBVCB.123 EVN251125ABCDEF TIEN DIEN",
            "amount": " 1100000 ",
            "extra": "ignored",
            "booked_at": "2025-11-25 10:15:30",
            "bank_transaction_id": " FT25329000001 ",
        },
        {
            "description": "Chuyển tiền điện, tháng 10",
            "amount": "330000",
            "booked_at": "2025-11-26 08:05",
            "bank_transaction_id": "FT25330000002",
        },
        header=header,
        bom=bom,
    )

    first, second = parse(data)

    assert first == statements.Credit(
        line_no=2,
        booked_at=datetime(2025, 11, 25, 10, 15, 30, tzinfo=VN),
        bank_transaction_id="FT25329000001",
        amount=1_100_000,
        description="MBVCB.123 EVN251125ABCDEF TIEN DIEN",
    )
    assert second.line_no == 3
    assert second.booked_at == datetime(2025, 11, 26, 8, 5, tzinfo=VN)
    assert second.description == "Chuyển tiền điện, tháng 10"
    assert second.amount == 330_000


def test_a_long_description_is_cut_to_what_a_line_keeps():
    (line,) = parse(statement_file(credit(description="X" * 300)))
    assert line.description == "X" * 255


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        pytest.param(
            b"booked_at,bank_transaction_id,amount,description\r\n"
            b"2025-11-25 10:15,FT1,100000,Ti\xe8n \xf0i\xean\r\n",
            ["The file is not UTF-8 text."],
            id="not-utf8",
        ),
        pytest.param(
            statement_file(credit(), header=("booked_at", "bank_transaction_id", "note")),
            ["The header lacks these columns: amount, description."],
            id="missing-columns",
        ),
        pytest.param(
            statement_file(header=("Booked_At", "bank_transaction_id", "amount", "description")),
            ["The header lacks these columns: booked_at."],
            id="column-names-are-exact",
        ),
        pytest.param(
            b"",
            [
                "The header lacks these columns: "
                "booked_at, bank_transaction_id, amount, description."
            ],
            id="empty",
        ),
        pytest.param(statement_file(), ["The statement has no lines."], id="no-lines"),
        pytest.param(
            statement_file(credit(txn="FT1"), credit(txn="FT2", booked_at="25/11/2025 10:15")),
            ["Line 3: the time must be YYYY-MM-DD HH:MM."],
            id="bad-time",
        ),
        pytest.param(
            statement_file(credit(booked_at="2025-11-25")),
            ["Line 2: the time must be YYYY-MM-DD HH:MM."],
            id="date-without-time",
        ),
        pytest.param(
            statement_file(credit(booked_at="2025-02-30 10:00")),
            ["Line 2: the time must be YYYY-MM-DD HH:MM."],
            id="no-such-day",
        ),
        pytest.param(
            statement_file(credit(txn="")),
            ["Line 2: the bank transaction id must have 1 to 40 characters."],
            id="empty-id",
        ),
        pytest.param(
            statement_file(credit(txn="F" * 41)),
            ["Line 2: the bank transaction id must have 1 to 40 characters."],
            id="id-too-long",
        ),
        pytest.param(
            statement_file(credit(txn="FT1"), credit(txn="FT2"), credit(txn="FT1")),
            ["Line 4: bank transaction FT1 appears twice."],
            id="duplicate-id",
        ),
        pytest.param(
            statement_file(
                credit(txn="FT1", booked_at="hôm qua"),
                credit(txn="FT2"),
                {**credit(txn="FT3"), "amount": "12.000"},
                {**credit(txn="FT4"), "amount": "-5"},
            ),
            [
                "Line 2: the time must be YYYY-MM-DD HH:MM.",
                "Line 4: the amount must be a positive whole number of VND.",
                "Line 5: the amount must be a positive whole number of VND.",
            ],
            id="every-bad-line-named",
        ),
    ],
)
def test_a_bad_file_is_refused_whole_naming_its_lines(data, messages):
    assert refusal(data) == messages


@pytest.mark.parametrize("amount", ["12.000", "12,000", "-5", "", "0", "1e5", " ", "100 000"])
def test_an_amount_is_digits_only(amount):
    data = statement_file({**credit(), "amount": amount})
    assert refusal(data) == ["Line 2: the amount must be a positive whole number of VND."]


def test_a_file_over_2_mb_is_refused_before_it_is_read():
    filler = credit(description="X" * 200)
    line = statement_file(filler).split(b"\r\n", 1)[1]
    data = statement_file() + line * (statements.MAX_BYTES // len(line) + 1)
    assert len(data) > statements.MAX_BYTES
    assert refusal(data) == ["The file is larger than 2 MB."]


def test_a_bad_line_is_named_by_its_line_in_the_file():
    good, bad = credit(txn="FT1"), {**credit(txn="FT2"), "amount": "12.000"}
    data = statement_file(good, "", bad)  # line 3 is blank: the bad credit is on line 4
    assert refusal(data) == ["Line 4: the amount must be a positive whole number of VND."]


def test_a_field_too_long_for_csv_is_refused():
    data = statement_file(credit(description="X" * 140_000))
    assert len(data) < statements.MAX_BYTES
    assert refusal(data)


@pytest.mark.parametrize("amount", ["１２０００", "²"])
def test_an_amount_is_ascii_digits_only(amount):
    data = statement_file({**credit(), "amount": amount})
    assert refusal(data) == ["Line 2: the amount must be a positive whole number of VND."]


# matching the credits


@pytest.mark.parametrize(
    "description",
    [
        "{ref}",
        "TIEN DIEN {ref}",
        "tien dien {lower}",
        "MBVCB.123 {spaced} TIEN DIEN",
        "IBFT {ref}.Thanh toan hoa don",
    ],
)
def test_a_transfer_with_the_reference_and_the_amount_settles_the_payment(
    upload, home, hcmc, description
):
    payment = by_vietqr(home)
    assert payment.collecting_account == hcmc
    ref = payment.reference
    text = description.format(
        ref=ref, lower=ref.lower(), spaced=f"{ref[:3]} {ref[3:9]} {ref[9:12]} {ref[12:]}"
    )

    (line,) = upload(credit(payment, txn="FT25329000001", description=text))

    assert (line.result, line.payment) == (Result.MATCHED, payment)
    assert (line.line_no, line.bank_transaction_id, line.amount) == (2, "FT25329000001", 1_100_000)
    assert line.booked_at == datetime(2025, 11, 25, 10, 15, 30, tzinfo=VN)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.settled_at is not None
    assert (payment.transaction_no, payment.bank_code) == ("FT25329000001", "970436")
    for invoice in home.refreshed():
        assert (invoice.status, invoice.paid_amount) == (Invoice.Status.PAID, invoice.total)
        assert (invoice.paid_channel, invoice.paid_at) == (VIETQR, payment.settled_at)
    (callback,) = Callback.objects.filter(payment=payment)
    assert (callback.gateway, callback.reference, callback.source, callback.outcome) == (
        "VIETQR",
        "970436:0071000123456:FT25329000001",
        "STATEMENT",
        "PAID",
    )
    (notice,) = bill_notices(home.account)
    assert notice.title_en == "Invoices paid"
    assert f"1,100,000 VND through {VIETQR}" in notice.body_en
    assert payment.reference in notice.body_en


def test_the_same_bank_transaction_uploaded_again_changes_nothing(upload, home):
    payment = by_vietqr(home)
    upload(credit(payment, txn="FT1"))
    payment.refresh_from_db()
    settled = payment.settled_at

    (line,) = upload(credit(payment, txn="FT1"))

    assert (line.result, line.payment) == (Result.ALREADY, None)
    payment.refresh_from_db()
    assert (payment.status, payment.settled_at) == (Payment.Status.PAID, settled)
    assert Callback.objects.filter(payment=payment).count() == 1
    assert len(bill_notices(home.account)) == 1
    for invoice in home.refreshed():
        assert invoice.paid_amount == invoice.total
    assert Statement.objects.count() == 2  # each upload is kept with its lines


@pytest.mark.parametrize("difference", [-1_000, 1_000])
def test_a_transfer_of_another_amount_changes_nothing(upload, home, difference):
    payment = by_vietqr(home)

    (line,) = upload(credit(payment, amount=payment.amount + difference))

    assert (line.result, line.payment) == (Result.AMOUNT, payment)
    assert_untouched(payment, home)


def test_a_transfer_without_a_reference_changes_nothing(upload, home):
    payment = by_vietqr(home)

    lines = upload(
        credit(payment, txn="FT1", description="CHUYEN TIEN DIEN THANG 10 EVN2511"),
        credit(payment, txn="FT2", description=""),
        credit(payment, txn="FT3", description=payment.reference.replace("EVN", "EVM")),
    )

    assert [(line.result, line.payment) for line in lines] == [(Result.NO_REFERENCE, None)] * 3
    assert_untouched(payment, home)


def test_a_reference_of_no_vietqr_payment_to_this_account_changes_nothing(upload, home, hcmc):
    vietqr = by_vietqr(home)
    hanoi = factories.collecting_account(
        "EVNHANOI", bank_bin="970415", bank_name="VietinBank", account_number="1140000999"
    )
    theirs = by_vietqr(household(unit_code="PD0100"))
    assert theirs.collecting_account == hanoi
    by_vnpay = start(household(), locale="en")

    lines = upload(
        credit(vietqr, txn="FT1", description=f"TIEN DIEN EVN{vietqr.reference[3:9]}ZZZZZZ"),
        credit(by_vnpay, txn="FT2"),  # a VNPay payment's reference
        credit(theirs, txn="FT3"),  # a transfer meant for EVNHANOI's account
    )

    assert [(line.result, line.payment) for line in lines] == [(Result.UNKNOWN, None)] * 3
    assert_untouched(vietqr, home)
    for payment in (theirs, by_vnpay):
        payment.refresh_from_db()
        assert payment.status == Payment.Status.PENDING
    assert not Callback.objects.exists()

    (line,) = upload(credit(theirs, txn="FT3"), account=hanoi)  # on its own account
    assert line.result == Result.MATCHED


def test_a_second_transfer_for_a_paid_payment_is_listed_to_be_refunded(upload, home):
    payment = by_vietqr(home)

    first, second = upload(credit(payment, txn="FT1"), credit(payment, txn="FT2"))
    (third,) = upload(credit(payment, txn="FT3", booked_at="2025-11-26 09:00"))

    assert (first.result, first.payment) == (Result.MATCHED, payment)
    assert (second.result, second.payment) == (Result.TWICE, payment)
    assert (third.result, third.payment) == (Result.TWICE, payment)
    payment.refresh_from_db()
    assert (payment.status, payment.transaction_no) == (Payment.Status.PAID, "FT1")
    assert Callback.objects.filter(payment=payment).count() == 1
    for invoice in home.refreshed():
        assert invoice.paid_amount == invoice.total  # paid once
    assert len(bill_notices(home.account)) == 1


def test_a_transfer_for_an_expired_payment_whose_invoices_are_free_pays_them_late(upload, home):
    payment = by_vietqr(home)
    assert services.expire(payment_id=payment.pk, now=payment.expires_at + timedelta(seconds=1))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.EXPIRED
    assert all(invoice.status == Invoice.Status.UNPAID for invoice in home.refreshed())

    (line,) = upload(credit(payment))

    assert (line.result, line.payment) == (Result.MATCHED, payment)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert PaymentInvoice.objects.filter(payment=payment, holds=True).count() == 2
    for invoice in home.refreshed():
        assert (invoice.status, invoice.paid_channel) == (Invoice.Status.PAID, VIETQR)
    assert len(bill_notices(home.account)) == 1


@pytest.mark.parametrize("other_paid", [False, True], ids=["other-pending", "other-paid"])
def test_a_transfer_for_an_expired_payment_whose_invoices_went_elsewhere_is_to_be_refunded(
    client, upload, home, other_paid
):
    late = by_vietqr(home)
    later = late.expires_at + timedelta(seconds=1)
    assert services.expire(payment_id=late.pk, now=later)
    other = start(home, locale="en")
    if other_paid:
        assert pay(client, other)["RspCode"] == "00"
    notices = len(bill_notices(home.account))

    (line,) = upload(credit(late))

    assert (line.result, line.payment) == (Result.LATE, late)
    late.refresh_from_db()
    assert late.status == Payment.Status.REFUND_DUE
    assert late.settled_at is not None
    assert late.refundable == late.amount
    assert not PaymentInvoice.objects.filter(payment=late, holds=True).exists()
    for invoice in home.refreshed():
        expected = (Invoice.Status.PAID, VNPAY) if other_paid else (Invoice.Status.PENDING, "")
        assert (invoice.status, invoice.paid_channel) == expected
        assert invoice.paid_amount == (invoice.total if other_paid else 0)
    told = bill_notices(home.account)[notices:]  # the payer hears the money comes back
    assert [notice.title_en for notice in told] == ["Payment received too late"]
    (again,) = upload(credit(late))
    assert again.result == Result.ALREADY


def test_every_credit_of_a_statement_is_listed_in_order(upload, home):
    paid, short = by_vietqr(home), by_vietqr(household())

    lines = upload(
        credit(description="LUONG THANG 11", txn="FT1"),
        credit(paid, txn="FT2"),
        credit(short, txn="FT3", amount=short.amount - 1),
        credit(paid, txn="FT4"),
    )

    assert [(line.line_no, line.bank_transaction_id, line.result) for line in lines] == [
        (2, "FT1", Result.NO_REFERENCE),
        (3, "FT2", Result.MATCHED),
        (4, "FT3", Result.AMOUNT),
        (5, "FT4", Result.TWICE),
    ]


# through the upload in /staff/


@pytest.fixture
def admin_client(client, hcmc):
    user = factories.account(is_staff=True, language="en")
    user.groups.add(Group.objects.get(name=roles.UNIT_ADMIN))
    StaffMembership.objects.create(user=user, unit=hcmc.unit)
    client.force_login(user)
    return client


def post_statement(client, account, data: bytes, name: str = "statement.csv"):
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(ADD, {"account": account.pk, "file": upload}, follow=True)


def test_an_uploaded_statement_settles_the_payment_it_carries(admin_client, home, hcmc):
    payment = by_vietqr(home)

    response = post_statement(
        admin_client, hcmc, statement_file(credit(payment, txn="FT1"), credit(txn="FT2"))
    )

    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert "matched: payment settled: 1" in shown
    assert "no payment reference in the description: 1" in shown
    statement = Statement.objects.get()
    assert (statement.account, statement.file_name) == (hcmc, "statement.csv")
    assert statement.uploaded_by == response.wsgi_request.user
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def _good(payment) -> dict:
    return credit(payment, txn="FT-GOOD")


BAD_UPLOADS = {
    "latin1": (
        lambda p: (
            statement_file(_good(p)) + "2025-11-25 10:15,FT2,1000,caf\xe9\r\n".encode("latin-1")
        ),
        "The file is not UTF-8 text.",
    ),
    "columns": (
        lambda p: statement_file(_good(p), header=("when", "bank_transaction_id", "amount")),
        "The header lacks these columns: booked_at, description.",
    ),
    "no-lines": (lambda p: statement_file(), "The statement has no lines."),
    "time": (
        lambda p: statement_file(_good(p), credit(txn="FT2", booked_at="25/11/2025 10:15")),
        "Line 3: the time must be YYYY-MM-DD HH:MM.",
    ),
    "amount": (
        lambda p: statement_file(_good(p), {**credit(txn="FT2"), "amount": "12.000"}),
        "Line 3: the amount must be a positive whole number of VND.",
    ),
    "id": (
        lambda p: statement_file(_good(p), credit(txn="")),
        "Line 3: the bank transaction id must have 1 to 40 characters.",
    ),
    "twice": (
        lambda p: statement_file(_good(p), credit(txn="FT-GOOD")),
        "Line 3: bank transaction FT-GOOD appears twice.",
    ),
    "too-large": (
        lambda p: statement_file(_good(p), credit(description="X" * 250)) * 8_000,
        "The file is larger than 2 MB.",
    ),
}


@pytest.mark.parametrize("case", BAD_UPLOADS)
def test_a_bad_upload_shows_why_and_writes_nothing(admin_client, home, hcmc, case):
    payment = by_vietqr(home)
    build, message = BAD_UPLOADS[case]

    response = post_statement(admin_client, hcmc, build(payment))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"] == [message]
    assert message in response.content.decode()
    assert not Statement.objects.exists() and not StatementLine.objects.exists()
    assert_untouched(payment, home)


def test_a_full_statement_is_matched_in_a_few_queries(upload, home, django_assert_max_num_queries):
    """A corporation's day: the most lines a statement may have, one of them a payment's.
    What earlier uploads saw and the payments named are read once for the whole file."""
    payment = by_vietqr(home)
    rows = [
        credit(txn=f"FT{n:09d}", description=f"CHUYEN TIEN {n}")
        for n in range(statements.MAX_LINES - 1)
    ]
    rows.append(credit(payment, txn="FT999999999"))
    # about 180 are SQLite's inserts of 999 parameters at most (one on PostgreSQL); one
    # query or more a line would be 20,000
    with django_assert_max_num_queries(250):
        lines = upload(*rows)
    assert len(lines) == statements.MAX_LINES
    assert lines[-1].result == Result.MATCHED
    assert {line.result for line in lines[:-1]} == {Result.NO_REFERENCE}
