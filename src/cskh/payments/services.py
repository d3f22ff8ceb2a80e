"""Use cases of payments: start one, take a gateway's word on it (once), expire it,
reconcile it, refund it.

Every state change locks the payment row, then its invoices in id order, inside one
transaction that also writes the inbox row (`Callback`) recording the gateway's word; a
repeat of that word (or its twin arriving at the same moment) finds the payment no longer
open, or the inbox row already there, and changes nothing."""

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cskh.billing.models import Invoice
from cskh.billing.queries import InvoiceNotFound
from cskh.core.errors import Conflict, DomainError, InvalidInput, NotFound
from cskh.core.money import format_vnd
from cskh.customers.models import Customer, CustomerLink
from cskh.notifications import services as notifications
from cskh.notifications.models import Category
from cskh.payments import gateways, http, vietqr, zalopay
from cskh.payments.gateways import Outcome
from cskh.payments.models import (
    Callback,
    CollectingAccount,
    Method,
    Payment,
    PaymentInvoice,
    Refund,
)
from cskh.payments.queries import PaymentNotFound

log = logging.getLogger(__name__)

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or retyped


class NoInvoiceChosen(InvalidInput):
    code = "no_invoice"
    default_message = gettext_lazy("Choose at least one unpaid invoice.")


class InvoiceNotPayable(Conflict):
    code = "invoice_not_payable"


class MethodUnavailable(InvalidInput):
    code = "method_unavailable"
    default_message = gettext_lazy("This payment method is not available.")


class OneCompanyPerTransfer(InvalidInput):
    code = "one_company_per_transfer"
    default_message = gettext_lazy(
        "A VietQR transfer goes to one power company's account: pay the invoices of "
        "each power company separately, or choose VNPay."
    )


class NoCollectingAccount(InvalidInput):
    code = "no_collecting_account"
    default_message = gettext_lazy(
        "This power company does not take VietQR transfers yet. Please choose VNPay."
    )


class GatewayUnavailable(DomainError):
    status = 503
    code = "gateway_unavailable"
    default_message = gettext_lazy(
        "The payment gateway cannot be reached right now. Nothing was charged; please try "
        "again in a few minutes."
    )


class NoSuchCustomer(NotFound):
    code = "customer_not_found"
    default_message = gettext_lazy("No customer has this code. Check it on your bill.")


class NothingToRefund(Conflict):
    code = "nothing_to_refund"


class Verdict(StrEnum):
    """What became of a gateway's word."""

    RECORDED = "RECORDED"  # it changed the payment
    UNKNOWN = "UNKNOWN"  # no such payment
    AMOUNT = "AMOUNT"  # the amount differs from the payment's
    CONFIRMED = "CONFIRMED"  # the payment already had the gateway's word


# starting a payment


def start(*, account, invoice_ids: Iterable[int], method: str, now, ip: str, locale: str):
    """A payment of the account's chosen invoices (of its linked codes only)."""
    ids = sorted({int(pk) for pk in invoice_ids})
    if not ids:
        raise NoInvoiceChosen()
    linked = CustomerLink.objects.filter(account=account).values("customer_id")
    found = set(
        Invoice.objects.filter(pk__in=ids, customer__in=linked)
        .exclude(status=Invoice.Status.DRAFT)
        .values_list("pk", flat=True)
    )
    missing = [pk for pk in ids if pk not in found]
    if missing:  # as any invoice not linked to the account: not found
        raise InvoiceNotFound(
            ngettext(
                "Invoice %(ids)s is not one of your invoices.",
                "Invoices %(ids)s are not among your invoices.",
                len(missing),
            )
            % {"ids": ", ".join(map(str, missing))}
        )
    return _create(account=account, ids=ids, method=method, now=now, ip=ip, locale=locale)


def start_for_customer(*, customer: Customer, method: str, now, ip: str, locale: str):
    """ "Pay without logging in": everything due on one customer code."""
    ids = [invoice.pk for invoice in payable_of(customer, now=now)]
    if not ids:
        raise NoInvoiceChosen(_("Nothing is due on this customer code."))
    return _create(account=None, ids=ids, method=method, now=now, ip=ip, locale=locale)


def payable_of(customer: Customer, *, now) -> list[Invoice]:
    """What is due on one customer code and free to pay (once expired payments let their
    invoices go), oldest first."""
    held = Invoice.objects.filter(customer=customer, status=Invoice.Status.PENDING)
    release_expired(invoice_ids=held.values_list("pk", flat=True), now=now)
    rows = Invoice.objects.filter(
        customer=customer, status__in=(Invoice.Status.UNPAID, Invoice.Status.PARTIALLY_PAID)
    ).order_by("period_end", "pk")
    return [invoice for invoice in rows if invoice.payable]


def _create(*, account, ids: list[int], method: str, now, ip: str, locale: str) -> Payment:
    if method not in gateways.enabled():
        raise MethodUnavailable()
    gateway = gateways.get(method)
    with transaction.atomic():
        release_expired(invoice_ids=ids, now=now)
        invoices = list(
            Invoice.objects.select_for_update(of=("self",))  # not the customers and units
            .filter(pk__in=ids)
            .select_related("customer", "unit")
            .order_by("pk")
        )
        for invoice in invoices:
            if not invoice.payable:
                raise InvoiceNotPayable(_not_payable_message(invoice))
        payment = Payment(
            account=account,
            method=method,
            status=Payment.Status.PENDING,
            amount=sum(invoice.due for invoice in invoices),
            created_at=now.replace(microsecond=0),
            expires_at=now.replace(microsecond=0) + timedelta(minutes=gateway.minutes),
            locale="en" if locale.startswith("en") else "vi",
            ip=ip or None,
        )
        if method == Method.VIETQR:
            payment.collecting_account = _collecting_account(invoices, on=timezone.localdate(now))
        _save_with_new_reference(payment, now=now)
        try:
            with transaction.atomic():
                PaymentInvoice.objects.bulk_create(
                    PaymentInvoice(payment=payment, invoice=invoice, amount=invoice.due)
                    for invoice in invoices
                )
        except IntegrityError as error:  # another payment holds one: only if locks failed
            raise InvoiceNotPayable(_("An invoice is already being paid.")) from error
        for invoice in invoices:
            invoice.hold()
    return payment


def _not_payable_message(invoice: Invoice) -> str:
    what = {"code": invoice.customer.code, "month": f"{invoice.period_month:%m/%Y}"}
    if invoice.status == Invoice.Status.PAID:
        return _("The invoice of %(code)s for %(month)s is already paid.") % what
    if invoice.status == Invoice.Status.CANCELLED:
        return _("The invoice of %(code)s for %(month)s was cancelled.") % what
    if invoice.status == Invoice.Status.PENDING:
        return (
            _(
                "The invoice of %(code)s for %(month)s is inside another payment that is "
                "still being processed. Wait for it to finish or expire."
            )
            % what
        )
    return _("Nothing is due on the invoice of %(code)s for %(month)s.") % what


def _save_with_new_reference(payment: Payment, *, now: datetime) -> None:
    """`EVN` + the local day + 6 random characters (a billion a day; drawn again in the
    rare case it is taken). The VietQR payload carries it, so it is built here too."""
    day = timezone.localtime(now).strftime("%y%m%d")
    for attempt in range(3):
        payment.reference = "EVN" + day + "".join(secrets.choice(_ALPHABET) for _ in range(6))
        if payment.collecting_account:
            payment.qr_payload = vietqr.encode(
                bin=payment.collecting_account.bank_bin,
                account=payment.collecting_account.account_number,
                amount=payment.amount,
                reference=payment.reference,
                purpose=f"TIEN DIEN {payment.reference}",  # 25 characters, tag 62's most
            )
        try:
            with transaction.atomic():
                payment.save()
                return
        except IntegrityError:
            if attempt == 2 or not Payment.objects.filter(reference=payment.reference).exists():
                raise


def _collecting_account(invoices: list[Invoice], *, on) -> CollectingAccount:
    """The one account the invoices' power company collects transfers on."""
    units = {invoice.unit_id: invoice.unit for invoice in invoices}
    accounts = {CollectingAccount.for_unit(unit, on=on) for unit in units.values()}
    if None in accounts:
        raise NoCollectingAccount()
    if len(accounts) > 1:
        raise OneCompanyPerTransfer()
    return accounts.pop()


def redirect_url(payment: Payment, *, return_url: str, page_url: str) -> str:
    """Where the browser goes to pay: the gateway's page ("" for a QR payment), which
    sends it back to VNPay's Return URL (`return_url`) or to the payment's page."""
    gateway = gateways.get(payment.method)
    if not hasattr(gateway, "start"):
        return ""
    items = list(payment.items.select_related("invoice__customer").order_by("invoice_id"))
    codes = [item.invoice.customer.code for item in items]
    month = f"{items[0].invoice.period_month:%m/%Y}"
    try:
        return gateway.start(
            payment,
            return_url=return_url,
            page_url=page_url,
            info=gateways.order_info(payment, codes, month),
        )
    except (http.GatewayUnreachable, gateways.GatewayRefused) as error:
        log.warning("payment %s could not start at %s: %s", payment, payment.method, error)
        fail(payment_id=payment.pk, code="START")
        raise GatewayUnavailable() from error


# the gateways' word


def receive(
    *, method: str, reference: str, key: str, outcome: Outcome, source: str, now
) -> tuple[Verdict, Payment | None]:
    """Record a gateway's word (already verified) on the payment `reference`, once:
    `key` identifies the word in the inbox (VNPay's TxnRef, a bank transaction id)."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update().filter(reference=reference, method=method).first()
        )
        if payment is None:
            log.warning("%s %s: no such payment (%s)", method, reference, source)
            return Verdict.UNKNOWN, None
        if outcome.amount != payment.amount:
            log.warning(
                "%s %s: amount %s, expected %s", method, reference, outcome.amount, payment.amount
            )
            return Verdict.AMOUNT, payment
        if not payment.is_open or Callback.objects.filter(gateway=method, reference=key).exists():
            return Verdict.CONFIRMED, payment
        try:
            with transaction.atomic():
                callback = Callback.objects.create(
                    gateway=method,
                    reference=key,
                    payment=payment,
                    source=source,
                    payload=outcome.payload,
                    outcome="PAID" if outcome.paid else "FAILED",
                    received_at=now,
                )
        except IntegrityError:
            return Verdict.CONFIRMED, payment
        payment.result_code = outcome.code
        payment.transaction_no = outcome.transaction_no
        payment.bank_code = outcome.bank_code
        if outcome.paid:
            _settle(payment, now=now)
        else:
            _end(payment, Payment.Status.FAILED)
        callback.outcome = payment.status  # PAID, REFUND_DUE or FAILED
        callback.save(update_fields=["outcome"])
    return Verdict.RECORDED, payment


def _settle(payment: Payment, *, now) -> None:
    """The gateway took the money: the invoices are paid. A payment that had expired here
    takes its invoices back if they are still free, else the money is to be refunded."""
    items = list(payment.items.order_by("invoice_id"))
    invoices = {
        invoice.pk: invoice
        for invoice in Invoice.objects.select_for_update(of=("self",))
        .filter(pk__in=[item.invoice_id for item in items])
        .select_related("customer")
        .order_by("pk")
    }
    if payment.status == Payment.Status.EXPIRED:
        held = PaymentInvoice.objects.filter(invoice_id__in=invoices, holds=True).exists()
        free = all(
            invoices[item.invoice_id].payable and invoices[item.invoice_id].due == item.amount
            for item in items
        )
        if held or not free:
            log.warning("payment %s paid after it expired; its invoices are taken", payment)
            payment.status = Payment.Status.REFUND_DUE
            payment.settled_at = now
            payment.save()
            _tell(payment, list(invoices.values()), now=now)
            return
        PaymentInvoice.objects.filter(payment=payment).update(holds=True)
    payment.status = Payment.Status.PAID
    payment.settled_at = now
    payment.save()
    channel = gateways.get(payment.method).channel
    for item in items:
        invoices[item.invoice_id].settle(amount=item.amount, at=now, channel=channel)
    _tell(payment, [invoices[item.invoice_id] for item in items], now=now)


def _end(payment: Payment, status: str) -> None:
    """Failed or expired: the invoices are free again (the caller holds the lock)."""
    was_holding = payment.status == Payment.Status.PENDING
    payment.status = status
    payment.save()
    if was_holding:
        ids = list(payment.items.values_list("invoice_id", flat=True))
        PaymentInvoice.objects.filter(payment=payment).update(holds=False)
        for invoice in Invoice.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
            invoice.release()


def fail(*, payment_id: int, code: str) -> None:
    """The payment could not even start at the gateway."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status == Payment.Status.PENDING:
            payment.result_code = code
            _end(payment, Payment.Status.FAILED)


def release_expired(*, invoice_ids: Iterable[int], now) -> None:
    """Pending payments past their time that hold any of these invoices let them go (a
    page listing invoices to pay calls this first, so none stays stuck)."""
    stale = (
        Payment.objects.filter(
            status=Payment.Status.PENDING,
            expires_at__lte=now,
            items__invoice_id__in=list(invoice_ids),
            items__holds=True,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    for payment_id in list(stale):
        expire(payment_id=payment_id, now=now)


def cancel(*, payment: Payment) -> bool:
    """The customer gave up a payment still waiting: its invoices are free at once. It
    ends as expired, so that a success VNPay still reports is recorded, not lost."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status != Payment.Status.PENDING:
            return False
        _end(payment, Payment.Status.EXPIRED)
        return True


def expire(*, payment_id: int, now) -> bool:
    """Expire a pending payment past its time; a later word of the gateway is still taken."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != Payment.Status.PENDING or payment.expires_at > now:
            return False
        _end(payment, Payment.Status.EXPIRED)
        return True


def _tell(payment: Payment, invoices: list[Invoice], *, now) -> None:
    """ "Đã thanh toán hóa đơn …" (or, for money that came too late, that it will be
    refunded): to the payer, or, when paid without logging in, to the accounts following
    the codes (who are only told of invoices paid)."""
    channel = gateways.get(payment.method).channel
    late = payment.status == Payment.Status.REFUND_DUE

    def render() -> tuple[str, str]:
        language = translation.get_language() or "vi"
        what = {
            "invoices": ", ".join(
                _("%(code)s for %(month)s")
                % {"code": invoice.customer.code, "month": f"{invoice.period_month:%m/%Y}"}
                for invoice in invoices
            ),
            "amount": format_vnd(payment.amount, language),
            "channel": channel,
            "reference": payment.reference,
        }
        if late:
            title = _("Payment received too late")
            body = _(
                "%(channel)s confirmed payment %(reference)s of %(amount)s after invoices "
                "%(invoices)s had been paid another way. EVN will refund it to you."
            )
        else:
            title = ngettext("Invoice paid", "Invoices paid", len(invoices))
            body = _("Paid %(invoices)s: %(amount)s through %(channel)s, payment %(reference)s.")
        return title, body % what

    if payment.account_id:
        notifications.notify_account(
            account=payment.account,
            category=Category.BILL,
            render=render,
            link=reverse("payments:detail", args=[payment.pk]),
            now=now,
        )
    elif not late:
        notifications.notify_customers(
            customers=sorted({invoice.customer for invoice in invoices}, key=lambda c: c.pk),
            category=Category.BILL,
            render=render,
            link=reverse("billing:invoices"),
            now=now,
        )


# reconciliation


def reconcile(*, now) -> dict[str, int]:
    """The daily job: ask the gateway about every payment past its time that has no word
    yet (pending, or expired here), settle what it says, expire what it does not know.
    Idempotent: a payment with the gateway's word is never asked again."""
    since = now - timedelta(days=settings.PAYMENT_RECONCILE_DAYS)
    counts = {"paid": 0, "failed": 0, "expired": 0, "unanswered": 0}
    open_ones = (
        Payment.objects.filter(
            status__in=(Payment.Status.PENDING, Payment.Status.EXPIRED),
            expires_at__lte=now,
            created_at__gte=since,
        )
        .exclude(callbacks__isnull=False)
        .order_by("pk")
    )
    for payment in open_ones:
        try:
            counts[_reconcile_one(payment, now=now)] += 1
        except (http.GatewayUnreachable, gateways.GatewayRefused) as error:
            log.warning("querydr %s failed: %s", payment, error)
            counts["unanswered"] += 1
        except Exception:  # one bad answer must not stop the others; the next run retries
            log.exception("reconciling %s failed", payment)
            counts["unanswered"] += 1
    return counts


def _reconcile_one(payment: Payment, *, now) -> str:
    """Ask about one payment; say what became of it."""
    gateway = gateways.get(payment.method)
    outcome = None
    if hasattr(gateway, "query"):
        outcome = gateway.query(payment, request_id=secrets.token_hex(8).upper(), now=now)
    if outcome is not None:
        verdict, _payment = receive(
            method=payment.method,
            reference=payment.reference,
            key=payment.reference,
            outcome=outcome,
            source="QUERY",
            now=now,
        )
        if verdict == Verdict.RECORDED:
            return "paid" if outcome.paid else "failed"
        return "unanswered"
    return "expired" if expire(payment_id=payment.pk, now=now) else "unanswered"


# refunds (staff)


def refund(*, payment_id: int, amount: int, reason: str, by, now) -> Refund:
    """Ask the gateway to refund `amount` of a paid payment; every request is kept, with
    the gateway's answer. A full refund of a paid payment makes its invoices due again.

    The request is recorded (ASKED, its amount set aside) before the gateway is called and
    settled after, each in a short transaction: no lock is held while the gateway answers
    (an IPN for the payment must not wait on it), and two refunds asked at once cannot
    together exceed what is left."""
    method = Payment.objects.filter(pk=payment_id).values_list("method", flat=True).first()
    if method is None:
        raise PaymentNotFound()
    if not gateways.refunds(method):
        raise NothingToRefund(
            _("Refunds of this method are made by bank transfer outside the app.")
        )
    if not reason.strip():
        raise InvalidInput(fields={"reason": [_("Say why the money is refunded.")]})
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        asked = payment.refunds.filter(status=Refund.Status.ASKED).aggregate(sum=Sum("amount"))
        left = payment.refundable - (asked["sum"] or 0)
        if amount <= 0 or amount > left:
            raise NothingToRefund(
                _("A refund must be between 1 and %(max)s.")
                % {"max": format_vnd(left, translation.get_language() or "vi")}
                if left > 0
                else _("This payment has nothing left to refund.")
            )
        record = Refund.objects.create(
            payment=payment,
            request_id=secrets.token_hex(8).upper(),
            amount=amount,
            full=payment.refunded_amount == 0 and amount == payment.amount and not asked["sum"],
            reason=reason.strip(),
            status=Refund.Status.ASKED,
            created_by=by,
            created_at=now,
        )
    try:
        answer = gateways.get(method).refund(
            payment,
            request_id=record.request_id,
            amount=amount,
            full=record.full,
            by=by.phone,
            now=now,
        )
    except http.GatewayUnreachable as error:  # it may have refunded: keep the request
        log.warning("refund %s of %s: no answer: %s", record.request_id, payment, error)
        answer = None
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if answer is None:
            record.status = Refund.Status.UNANSWERED
        else:
            record.status = Refund.Status.DONE if answer.accepted else Refund.Status.REJECTED
            record.response_code = answer.code
            record.response = answer.payload
        record.save(update_fields=["status", "response_code", "response"])
        if record.status == Refund.Status.DONE:
            _refunded(payment, amount)
    return record


def _refunded(payment: Payment, amount: int) -> None:
    payment.refunded_amount += amount
    if payment.refunded_amount == payment.amount:
        if payment.status == Payment.Status.PAID:
            items = list(payment.items.order_by("invoice_id"))
            invoices = Invoice.objects.select_for_update().filter(
                pk__in=[item.invoice_id for item in items]
            )
            by_id = {invoice.pk: invoice for invoice in invoices.order_by("pk")}
            PaymentInvoice.objects.filter(payment=payment).update(holds=False)
            for item in items:
                by_id[item.invoice_id].unsettle(amount=item.amount)
        payment.status = Payment.Status.REFUNDED
    payment.save()


# VNPay's IPN, MoMo's IPN, ZaloPay's callback: the protocol around `receive`

_IPN_ANSWERS = {
    Verdict.RECORDED: ("00", "Confirm Success"),
    Verdict.UNKNOWN: ("01", "Order not found"),
    Verdict.AMOUNT: ("04", "Invalid amount"),
    Verdict.CONFIRMED: ("02", "Order already confirmed"),
}


def vnpay_ipn(*, query: dict[str, str], now) -> dict[str, str]:
    """VNPay's IPN, checked in VNPay's order: signature (97), order (01), amount (04),
    still open (02), then recorded (00); anything unexpected is 99, which VNPay retries."""
    gateway = gateways.get(Method.VNPAY)
    if not gateway.verify(query):
        log.warning("VNPay IPN with a wrong signature: %s", query.get("vnp_TxnRef", ""))
        return {"RspCode": "97", "Message": "Invalid signature"}
    reference = query.get("vnp_TxnRef", "")
    try:
        verdict, _payment = receive(
            method=Method.VNPAY,
            reference=reference,
            key=reference,
            outcome=gateway.outcome(query),
            source="IPN",
            now=now,
        )
    except Exception:  # the protocol's 99: VNPay retries, and the retry settles it
        log.exception("VNPay IPN for %s failed", reference)
        return {"RspCode": "99", "Message": "Unknown error"}
    code, message = _IPN_ANSWERS[verdict]
    return {"RspCode": code, "Message": message}


def momo_ipn(*, body: dict, now) -> bool:
    """MoMo's IPN; False when its signature is wrong (nothing is recorded)."""
    gateway = gateways.get(Method.MOMO)
    if not gateway.verify(body):
        log.warning("MoMo IPN with a wrong signature: %s", body.get("orderId", ""))
        return False
    reference = str(body.get("orderId", ""))
    receive(
        method=Method.MOMO,
        reference=reference,
        key=reference,
        outcome=gateway.outcome(body),
        source="IPN",
        now=now,
    )
    return True


def zalopay_callback(*, body: dict, now) -> dict:
    gateway = gateways.get(Method.ZALOPAY)
    try:
        data = gateway.data(body)
    except ValueError:
        log.warning("ZaloPay callback with a wrong mac")
        return zalopay.CALLBACK_BAD_MAC
    reference = gateway.reference(data)
    try:
        receive(
            method=Method.ZALOPAY,
            reference=reference,
            key=reference,
            outcome=gateway.outcome(data),
            source="IPN",
            now=now,
        )
    except Exception:  # return_code 0 makes ZaloPay call again
        log.exception("ZaloPay callback for %s failed", reference)
        return {"return_code": 0, "return_message": "retry"}
    return zalopay.CALLBACK_OK
