"""/api/v1/payments: start a payment of whole invoices of the account's linked codes
(VNPay's signed URL, or a VietQR to scan) for an amount the server computes; what cannot
be paid and why; expiry freeing the invoices; the account's own payments, their filters
and the receipt of a paid one."""

import io
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.utils import timezone, translation
from pypdf import PdfReader

from cskh.billing.models import Invoice
from cskh.payments import services, vietqr, vnpay
from cskh.payments.models import Payment
from tests import factories
from tests.helpers import error_of, token_for
from tests.payments.helpers import SANDBOX_PAY, pay

pytestmark = pytest.mark.django_db

OCTOBER = date(2026, 10, 1)


class Family:
    """An account (in English) following two codes, each with an unpaid October bill:
    its home in Ho Chi Minh City (PE0100) and the parents' home in Hanoi (PD0100)."""

    def __init__(self):
        self.account = factories.account(language="en")
        self.token = token_for(self.account)
        self.home = factories.customer(unit_code="PE0100")
        self.parents = factories.customer(unit_code="PD0100")
        factories.link(self.account, self.home)
        factories.link(self.account, self.parents, relation="OTHER")
        self.home_bill = factories.invoice(self.home, month=OCTOBER, total=550_000)
        self.parents_bill = factories.invoice(self.parents, month=OCTOBER, total=320_000)


@pytest.fixture
def family(units):
    return Family()


def start(api, family, ids, method="VNPAY", **kwargs):
    return api.post(
        "/payments", {"invoice_ids": ids, "method": method}, token=family.token, **kwargs
    )


def started(api, family, ids, method="VNPAY") -> dict:
    response = start(api, family, ids, method)
    assert response.status_code == 201, response.content
    return response.json()


def statuses(api, family) -> dict[int, str]:
    return {row["id"]: row["status"] for row in api.get("/invoices", token=family.token).json()}


# ---------------------------------------------------------------- starting a payment


def test_a_vnpay_payment_of_two_codes_is_for_their_sum_with_a_signed_url(api, family):
    response = start(api, family, [family.home_bill.pk, family.parents_bill.pk])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "PENDING" and body["method"] == "VNPAY"
    assert body["amount"] == 550_000 + 320_000
    assert sorted((row["id"], row["customer_code"], row["amount"]) for row in body["invoices"]) == [
        (family.home_bill.pk, family.home.code, 550_000),
        (family.parents_bill.pk, family.parents.code, 320_000),
    ]
    assert {row["period"] for row in body["invoices"]} == {"2026-10"}
    assert body["receipt_url"] is None
    payment = Payment.objects.get()
    assert body["id"] == payment.pk and body["reference"] == payment.reference

    url = urlsplit(body["payment_url"])
    assert url.path == SANDBOX_PAY
    query = dict(parse_qsl(url.query, keep_blank_values=True))
    assert query["vnp_Amount"] == str(body["amount"] * 100)
    assert query["vnp_TxnRef"] == payment.reference
    assert vnpay.verify(query, secret=settings.VNPAY_HASH_SECRET)
    assert not vnpay.verify(query | {"vnp_Amount": "100"}, secret=settings.VNPAY_HASH_SECRET)


def test_the_invoices_of_a_started_payment_are_being_paid(api, family):
    started(api, family, [family.home_bill.pk, family.parents_bill.pk])
    rows = api.get("/invoices?status=PENDING", token=family.token).json()
    assert sorted(row["id"] for row in rows) == sorted(
        [family.home_bill.pk, family.parents_bill.pk]
    )
    assert {row["status"] for row in rows} == {"PENDING"}
    assert api.get("/invoices?status=UNPAID", token=family.token).json() == []


def test_the_amount_is_what_is_due_whatever_the_request_says(api, family):
    """A partly paid invoice is paid for what is left; an id given twice counts once; an
    amount in the request is ignored."""
    part = factories.invoice(
        family.home,
        month=date(2026, 9, 1),
        total=400_000,
        status="PARTIALLY_PAID",
        paid_amount=150_000,
    )
    ids = [family.home_bill.pk, part.pk, family.home_bill.pk]
    response = api.post(
        "/payments", {"invoice_ids": ids, "method": "VNPAY", "amount": 1}, token=family.token
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == 550_000 + 250_000
    assert sorted(row["amount"] for row in body["invoices"]) == [250_000, 550_000]
    assert Payment.objects.get().amount == 800_000


def test_ids_may_come_as_digit_strings(api, family):
    body = started(api, family, [str(family.home_bill.pk)])
    assert [row["id"] for row in body["invoices"]] == [family.home_bill.pk]


def test_the_gateway_page_is_in_the_language_asked_for(api, family):
    for bill, language, locale in (
        (family.home_bill, "en", "en"),
        (family.parents_bill, "vi", "vn"),
    ):
        body = start(api, family, [bill.pk], lang=language).json()
        assert dict(parse_qsl(urlsplit(body["payment_url"]).query))["vnp_Locale"] == locale


def test_the_gateway_page_follows_the_accounts_language_without_accept_language(api, family):
    body = started(api, family, [family.home_bill.pk])
    assert dict(parse_qsl(urlsplit(body["payment_url"]).query))["vnp_Locale"] == "en"


def test_a_vietqr_payment_answers_the_qr_to_scan(api, family):
    factories.collecting_account("EVNHCMC", account_name="TONG CONG TY DIEN LUC TP HCM")
    older = factories.invoice(family.home, month=date(2026, 9, 1), total=410_000)
    response = start(api, family, [family.home_bill.pk, older.pk], "VIETQR")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "PENDING" and body["amount"] == 960_000
    assert "payment_url" not in body
    qr = body["qr"]
    assert {
        key: qr[key]
        for key in ("bank_bin", "account_number", "account_name", "amount", "reference")
    } == {
        "bank_bin": "970436",
        "account_number": "0071000123456",
        "account_name": "TONG CONG TY DIEN LUC TP HCM",
        "amount": 960_000,
        "reference": body["reference"],
    }
    assert qr["image"].startswith("data:image/svg+xml")
    fields = vietqr.parse(qr["payload"])
    assert fields["initiation"] == "12"  # dynamic: one payment, amount set
    assert (fields["bin"], fields["account"]) == ("970436", "0071000123456")
    assert fields["amount"] == 960_000
    assert fields["reference"] == body["reference"]
    assert body["reference"] in fields["purpose"]
    assert set(statuses(api, family).values()) >= {"PENDING"}
    assert statuses(api, family)[older.pk] == "PENDING"


# ---------------------------------------------------------------- what is refused


NO_INVOICE = "Choose at least one unpaid invoice."
NOT_WHOLE = "Invoices are identified by whole numbers."
NO_METHOD = "Choose a payment method."
UNAVAILABLE = "This payment method is not available."


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"method": "VNPAY"}, "invoices", NO_INVOICE),
        ({"invoice_ids": None, "method": "VNPAY"}, "invoices", NO_INVOICE),
        ({"invoice_ids": [], "method": "VNPAY"}, "invoices", NO_INVOICE),
        ({"invoice_ids": ["abc"], "method": "VNPAY"}, "invoices", NOT_WHOLE),
        ({"invoice_ids": ["OWN", "-1"], "method": "VNPAY"}, "invoices", NOT_WHOLE),
        ({"invoice_ids": [0], "method": "VNPAY"}, "invoices", NOT_WHOLE),
        ({"invoice_ids": [-5], "method": "VNPAY"}, "invoices", NOT_WHOLE),
        ({"invoice_ids": ["1e3"], "method": "VNPAY"}, "invoices", NOT_WHOLE),
        ({"invoice_ids": ["OWN", " 7"], "method": "VNPAY"}, "invoices", NOT_WHOLE),
        (
            {"invoice_ids": list(range(1, 52)), "method": "VNPAY"},
            "invoices",
            "Pay at most 50 invoices at once.",
        ),
        ({"invoice_ids": ["OWN"]}, "method", NO_METHOD),
        ({"invoice_ids": ["OWN"], "method": ""}, "method", NO_METHOD),
        ({"invoice_ids": ["OWN"], "method": "BITCOIN"}, "method", UNAVAILABLE),
        ({"invoice_ids": ["OWN"], "method": "vnpay"}, "method", UNAVAILABLE),
        ({"invoice_ids": ["OWN"], "method": "MOMO"}, "method", UNAVAILABLE),
        ({"invoice_ids": ["OWN"], "method": "ZALOPAY"}, "method", UNAVAILABLE),
    ],
)
def test_bad_input_is_refused_with_a_message_and_writes_nothing(
    api, family, payload, field, message
):
    own = str(family.home_bill.pk)
    if payload.get("invoice_ids"):
        payload = payload | {
            "invoice_ids": [own if item == "OWN" else item for item in payload["invoice_ids"]]
        }
    error = error_of(api.post("/payments", payload, token=family.token), 422, "invalid")
    assert error["fields"][field] == [message]
    assert not Payment.objects.exists()
    assert Invoice.objects.get(pk=family.home_bill.pk).status == "UNPAID"


def test_a_method_named_in_settings_but_without_its_keys_is_not_offered(api, family, settings):
    settings.PAYMENT_METHODS = ["VNPAY", "VIETQR", "MOMO"]  # MoMo's keys are not set
    error = error_of(start(api, family, [family.home_bill.pk], "MOMO"), 422)
    assert error["fields"]["method"] == [UNAVAILABLE]
    settings.PAYMENT_METHODS = ["VIETQR"]
    error = error_of(start(api, family, [family.home_bill.pk], "VNPAY"), 422)
    assert error["fields"]["method"] == [UNAVAILABLE]
    assert not Payment.objects.exists()


@pytest.mark.parametrize("ids", [[1.5], [[1]], [{"id": 1}], "1", 7])
def test_ids_of_the_wrong_type_are_refused(api, family, ids):
    error_of(
        api.post("/payments", {"invoice_ids": ids, "method": "VNPAY"}, token=family.token),
        422,
        "invalid",
    )
    assert not Payment.objects.exists()


@pytest.mark.parametrize("item", [True, 1.5, [1]])
def test_ids_that_are_not_whole_numbers_get_the_invoices_message(api, family, item):
    payload = {"invoice_ids": [item], "method": "VNPAY"}
    error = error_of(api.post("/payments", payload, token=family.token), 422, "invalid")
    assert error["fields"] == {"invoices": [NOT_WHOLE]}
    assert not Payment.objects.exists()


def test_a_digit_that_is_not_a_number_is_refused(api, family):
    payload = {"invoice_ids": ["²"], "method": "VNPAY"}
    error = error_of(api.post("/payments", payload, token=family.token), 422, "invalid")
    assert error["fields"]["invoices"] == [NOT_WHOLE]


def test_an_id_beyond_any_invoice_is_refused(api, family):
    response = start(api, family, [10**20])
    assert response.status_code in (409, 422), response.content
    assert not Payment.objects.exists()


def test_an_invoice_of_a_code_not_linked_to_the_account_cannot_be_paid(api, family):
    stranger = factories.customer(unit_code="PE0100")
    theirs = factories.invoice(stranger, month=OCTOBER)
    draft = factories.invoice(family.home, month=date(2026, 11, 1), status="DRAFT")
    for ids, missing in (
        ([theirs.pk], f"Invoice {theirs.pk} is not one of your invoices."),
        ([family.home_bill.pk, theirs.pk], f"Invoice {theirs.pk} is not one of your invoices."),
        ([draft.pk], f"Invoice {draft.pk} is not one of your invoices."),
        (
            [theirs.pk, 999_999],
            f"Invoices {theirs.pk}, 999999 are not among your invoices.",
        ),
    ):
        error = error_of(start(api, family, ids), 404, "invoice_not_found")
        assert error["message"] == missing
    assert not Payment.objects.exists()
    assert set(
        Invoice.objects.filter(pk__in=[theirs.pk, family.home_bill.pk]).values_list(
            "status", flat=True
        )
    ) == {"UNPAID"}


@pytest.mark.parametrize(
    ("status", "says"),
    [("PAID", "is already paid."), ("CANCELLED", "was cancelled.")],
)
def test_a_paid_or_cancelled_invoice_cannot_be_chosen(api, family, status, says):
    done = factories.invoice(family.parents, month=date(2026, 8, 1), status=status)
    error = error_of(start(api, family, [family.home_bill.pk, done.pk]), 409, "invoice_not_payable")
    assert error["message"] == f"The invoice of {family.parents.code} for 08/2026 {says}"
    assert not Payment.objects.exists()
    assert statuses(api, family)[family.home_bill.pk] == "UNPAID"  # nothing half-done


def test_an_invoice_inside_another_pending_payment_cannot_be_chosen(api, family):
    first = started(api, family, [family.parents_bill.pk])
    error = error_of(
        start(api, family, [family.home_bill.pk, family.parents_bill.pk]),
        409,
        "invoice_not_payable",
    )
    assert error["message"] == (
        f"The invoice of {family.parents.code} for 10/2026 is inside another payment that is "
        "still being processed. Wait for it to finish or expire."
    )
    assert list(Payment.objects.values_list("pk", flat=True)) == [first["id"]]
    assert statuses(api, family)[family.home_bill.pk] == "UNPAID"


def test_a_pending_payment_past_its_time_frees_its_invoices_for_a_new_one(api, family):
    first = started(api, family, [family.home_bill.pk, family.parents_bill.pk])
    expires = Payment.objects.get(pk=first["id"]).expires_at
    created = Payment.objects.get(pk=first["id"]).created_at
    assert expires - created == timedelta(minutes=15)
    kwargs = {"account": family.account, "method": "VNPAY", "ip": "127.0.0.1", "locale": "en"}

    with pytest.raises(services.InvoiceNotPayable):  # still in time
        services.start(
            invoice_ids=[family.home_bill.pk], now=expires - timedelta(seconds=1), **kwargs
        )
    assert api.get(f"/payments/{first['id']}", token=family.token).json()["status"] == "PENDING"

    second = services.start(
        invoice_ids=[family.home_bill.pk], now=expires + timedelta(minutes=1), **kwargs
    )
    assert api.get(f"/payments/{first['id']}", token=family.token).json()["status"] == "EXPIRED"
    assert second.status == "PENDING" and second.amount == 550_000
    # the parents' bill, freed with it, is payable again; the home bill is in the new payment
    assert statuses(api, family) == {
        family.home_bill.pk: "PENDING",
        family.parents_bill.pk: "UNPAID",
    }
    third = started(api, family, [family.parents_bill.pk])
    assert third["amount"] == 320_000


def test_vietqr_cannot_mix_the_invoices_of_two_power_corporations(api, family):
    factories.collecting_account("EVNHCMC")
    factories.collecting_account("EVNHANOI", account_number="1122334455", bank_bin="970415")
    error = error_of(
        start(api, family, [family.home_bill.pk, family.parents_bill.pk], "VIETQR"),
        422,
        "one_company_per_transfer",
    )
    assert error["message"] == (
        "A VietQR transfer goes to one power company's account: pay the invoices of each "
        "power company separately, or choose VNPay."
    )
    assert not Payment.objects.exists()
    assert set(statuses(api, family).values()) == {"UNPAID"}


def test_vietqr_needs_a_collecting_account_of_the_power_company(api, family):
    factories.collecting_account("EVNHCMC")  # Hanoi has none
    factories.collecting_account("EVNHANOI", valid_from=date(2099, 1, 1))  # not yet
    error = error_of(
        start(api, family, [family.parents_bill.pk], "VIETQR"), 422, "no_collecting_account"
    )
    assert error["message"] == (
        "This power company does not take VietQR transfers yet. Please choose VNPay."
    )
    assert not Payment.objects.exists()
    assert statuses(api, family)[family.parents_bill.pk] == "UNPAID"


# Requests whose refusal is a message of the catalog: (the request, where the message is,
# its msgid). In Vietnamese the message must differ from the English one once translated.
REFUSALS = {
    "no invoice": ({"invoice_ids": [], "method": "VNPAY"}, "invoices", NO_INVOICE),
    "not whole": ({"invoice_ids": ["x"], "method": "VNPAY"}, "invoices", NOT_WHOLE),
    "no method": ({"invoice_ids": ["OWN"]}, "method", NO_METHOD),
    "bad method": ({"invoice_ids": ["OWN"], "method": "X"}, "method", UNAVAILABLE),
    "one company": (
        {"invoice_ids": ["OWN", "PARENTS"], "method": "VIETQR"},
        None,
        "A VietQR transfer goes to one power company's account: pay the invoices of "
        "each power company separately, or choose VNPay.",
    ),
    "not payable": (
        {"invoice_ids": ["PAID"], "method": "VNPAY"},
        None,
        "The invoice of %(code)s for %(month)s is already paid.",
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refusals_are_in_the_language_asked_for(api, family, case):
    payload, field, msgid = REFUSALS[case]
    factories.collecting_account("EVNHCMC")
    factories.collecting_account("EVNHANOI", account_number="1122334455")
    paid = factories.invoice(family.home, month=date(2026, 7, 1), status="PAID")
    ids = {"OWN": family.home_bill.pk, "PARENTS": family.parents_bill.pk, "PAID": paid.pk}
    if payload.get("invoice_ids"):
        payload = payload | {
            "invoice_ids": [ids.get(item, item) for item in payload["invoice_ids"]]
        }

    def message(language: str) -> str:
        response = api.post("/payments", payload, token=family.token, lang=language)
        error = error_of(response, 422 if case != "not payable" else 409)
        return error["fields"][field][0] if field else error["message"]

    english, vietnamese = message("en"), message("vi")
    assert vietnamese
    assert not Payment.objects.exists()
    with translation.override("vi"):
        translated = translation.gettext(msgid)
    if translated == msgid:
        pytest.skip(f"the Vietnamese catalog has no translation of {msgid!r} yet")
    assert vietnamese != english
    if field:  # a message of its own, not a sentence filled in
        assert vietnamese == translated


# ---------------------------------------------------------------- the account's payments


def test_the_list_and_the_detail_show_only_the_accounts_own_payments(api, family):
    mine = started(api, family, [family.home_bill.pk])
    other = Family()
    theirs = started(api, other, [other.home_bill.pk])
    assert pay(api.client, Payment.objects.get(pk=theirs["id"]))["RspCode"] == "00"

    assert [row["id"] for row in api.get("/payments", token=family.token).json()] == [mine["id"]]
    assert [row["id"] for row in api.get("/payments", token=other.token).json()] == [theirs["id"]]
    assert (
        api.get(f"/payments/{mine['id']}", token=family.token).json()["reference"]
        == (mine["reference"])
    )
    for path in (
        f"/payments/{theirs['id']}",
        f"/payments/{theirs['id']}/receipt",
        "/payments/999999",
    ):
        error = error_of(api.get(path, token=family.token), 404, "payment_not_found")
        assert error["message"] == "Payment not found."


def test_the_list_is_newest_first_and_filters(api, family):
    home = started(api, family, [family.home_bill.pk])
    parents = started(api, family, [family.parents_bill.pk])
    assert pay(api.client, Payment.objects.get(pk=home["id"]))["RspCode"] == "00"
    today = timezone.localdate()

    def ids(query: str) -> list[int]:
        response = api.get(f"/payments{query}", token=family.token)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()]

    assert ids("") == [parents["id"], home["id"]]
    assert ids("?status=PAID") == [home["id"]]
    assert ids("?status=PENDING") == [parents["id"]]
    assert ids("?status=REFUNDED") == []
    assert ids(f"?customer={family.parents.code}") == [parents["id"]]
    assert ids(f"?from={today}&to={today}") == [parents["id"], home["id"]]
    assert ids(f"?to={today - timedelta(days=1)}") == []
    assert ids(f"?from={today + timedelta(days=1)}") == []
    paid = api.get("/payments?status=PAID", token=family.token).json()[0]
    assert paid["transaction_no"] and paid["settled_at"]
    assert paid["receipt_url"] == f"http://testserver/api/v1/payments/{home['id']}/receipt"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("status=DONE", "status", "This status does not exist."),
        ("status=paid", "status", "This status does not exist."),
        ("customer=PE0100999999", "customer", "This customer code is not linked to your account."),
        ("customer=x'%20OR%201=1", "customer", "This customer code is not linked to your account."),
        ("from=May", "start", "Enter a date as YYYY-MM-DD."),
        ("to=2026-02-30", "end", "Enter a date as YYYY-MM-DD."),
        ("from=2026-11-02&to=2026-11-01", "end", "The last day must not come before the first."),
    ],
)
def test_bad_filters_are_refused_with_a_message(api, family, query, field, message):
    error = error_of(api.get(f"/payments?{query}", token=family.token), 422, "invalid")
    assert error["fields"][field] == [message]


def test_the_receipt_of_a_paid_payment_is_a_pdf_with_its_reference_and_amount(api, family):
    body = started(api, family, [family.home_bill.pk, family.parents_bill.pk])
    payment = Payment.objects.get(pk=body["id"])
    assert pay(api.client, payment)["RspCode"] == "00"
    assert api.get(f"/payments/{payment.pk}", token=family.token).json()["status"] == "PAID"
    assert set(statuses(api, family).values()) == {"PAID"}

    response = api.get(f"/payments/{payment.pk}/receipt", token=family.token)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="bien-nhan-{payment.reference}.pdf"' in response["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "PAYMENT RECEIPT" in text
    assert payment.reference in text
    assert "870,000 VND" in text
    assert family.home.code in text and family.parents.code in text


def test_a_payment_that_is_not_paid_has_no_receipt(api, family):
    body = started(api, family, [family.home_bill.pk])
    error = error_of(api.get(f"/payments/{body['id']}/receipt", token=family.token), 404)
    assert error["message"] == "There is no receipt: this payment is not paid."
    assert (
        pay(api.client, Payment.objects.get(pk=body["id"]), response_code="51")["RspCode"] == "00"
    )
    assert api.get(f"/payments/{body['id']}", token=family.token).json()["status"] == "FAILED"
    error_of(api.get(f"/payments/{body['id']}/receipt", token=family.token), 404)


def test_every_payment_endpoint_needs_a_token(api, family):
    body = started(api, family, [family.home_bill.pk])
    for method, path in (
        ("post", "/payments"),
        ("get", "/payments"),
        ("get", f"/payments/{body['id']}"),
        ("get", f"/payments/{body['id']}/receipt"),
    ):
        data = (
            {"invoice_ids": [family.home_bill.pk], "method": "VNPAY"} if method == "post" else None
        )
        for token in (None, "not-a-token"):
            error = error_of(
                api.call(method, path, data, token=token, lang="en"), 401, "not_authenticated"
            )
            assert error["message"] == "Please log in again."
    assert Payment.objects.count() == 1


def test_a_reference_already_taken_is_drawn_again(api, family, monkeypatch):
    """References are random (a billion a day): a collision draws another one."""
    draws = iter("AAAAAAAAAAAABBBBBB")
    monkeypatch.setattr(services.secrets, "choice", lambda alphabet: next(draws))
    factories.collecting_account("EVNHCMC")
    first = started(api, family, [family.home_bill.pk], "VIETQR")
    second = started(api, family, [family.parents_bill.pk])
    assert first["reference"].endswith("AAAAAA") and second["reference"].endswith("BBBBBB")
    assert vietqr.parse(first["qr"]["payload"])["reference"] == first["reference"]
