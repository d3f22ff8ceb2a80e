"""What an account sees of payments: only its own, newest first."""

from datetime import date, datetime, time, timedelta

from django.db.models import F, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cskh.billing import queries as billing
from cskh.billing.models import Invoice
from cskh.core.errors import NotFound
from cskh.customers.models import Customer, CustomerLink
from cskh.payments.models import Payment, PaymentInvoice


class PaymentNotFound(NotFound):
    code = "payment_not_found"
    default_message = _("Payment not found.")


def payable_invoices(account) -> QuerySet[Invoice]:
    """The invoices with something to pay across the account's linked codes, by code and
    oldest first (the order they should be paid in); those inside a payment still
    waiting are among them, not payable."""
    nickname = CustomerLink.objects.filter(account=account, customer=OuterRef("customer"))
    holder = PaymentInvoice.objects.filter(
        invoice=OuterRef("pk"), holds=True, payment__status=Payment.Status.PENDING
    )
    return (
        billing.invoices_for(account)
        .filter(status__in=billing.OPEN, total__gt=F("paid_amount"))
        .annotate(
            nickname=Subquery(nickname.values("nickname")[:1]),
            held_until=Subquery(holder.values("payment__expires_at")[:1]),
        )
        .order_by("customer__code", "period_end", "pk")
    )


def held_until(customer: Customer) -> datetime | None:
    """Until when a payment still waiting for its gateway holds invoices of this code."""
    return Payment.objects.filter(
        status=Payment.Status.PENDING,
        items__invoice__customer=customer,
        items__holds=True,
    ).aggregate(until=Max("expires_at"))["until"]


def _items() -> Prefetch:
    return Prefetch(
        "items",
        queryset=PaymentInvoice.objects.select_related("invoice__customer").order_by(
            "invoice__customer__code", "invoice__period_end", "invoice_id"
        ),
    )


def payments_for(
    account,
    *,
    status: str | None = None,
    customer_code: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[Payment]:
    """The account's payments, newest first; `start`/`end` are local days, inclusive."""
    rows = Payment.objects.filter(account=account)
    if status:
        rows = rows.filter(status=status)
    if customer_code:
        rows = rows.filter(items__invoice__customer__code=customer_code).distinct()
    if start:
        rows = rows.filter(created_at__gte=_midnight(start))
    if end:
        rows = rows.filter(created_at__lt=_midnight(end + timedelta(days=1)))
    return rows.prefetch_related(_items()).order_by("-created_at", "-pk")


def payment_for(account, payment_id: int) -> Payment:
    """One of the account's payments with its invoices; 404 for anyone else's."""
    payment = (
        Payment.objects.filter(account=account, pk=payment_id)
        .select_related("collecting_account")
        .prefetch_related(_items())
        .first()
    )
    if payment is None:
        raise PaymentNotFound()
    return payment


def payment_by_reference(reference: str) -> Payment | None:
    return (
        Payment.objects.filter(reference=reference)
        .select_related("collecting_account")
        .prefetch_related(_items())
        .first()
    )


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def personal_data_of_account(sender, *, user, **kwargs):
    """Receiver of accounts.signals.collect_personal_data: the account's payments."""
    return (
        "payments",
        [
            {
                "reference": payment.reference,
                "method": payment.method,
                "status": payment.status,
                "amount": payment.amount,
                "refunded_amount": payment.refunded_amount,
                "created_at": payment.created_at.isoformat(),
                "settled_at": payment.settled_at.isoformat() if payment.settled_at else None,
                "transaction_no": payment.transaction_no,
                "ip": payment.ip,
                "invoices": [
                    {
                        "customer_code": item.invoice.customer.code,
                        "period": f"{item.invoice.period_month:%Y-%m}",
                        "amount": item.amount,
                    }
                    for item in payment.items.all()
                ],
            }
            for payment in payments_for(user)
        ],
    )
