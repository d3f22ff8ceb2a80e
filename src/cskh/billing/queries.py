"""What an account sees of invoices: those of the customers linked to it, never a draft,
unpaid first."""

from datetime import date

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Sum, Value, When

from cskh.billing.models import Invoice, InvoiceLine, InvoiceRegister
from cskh.core.errors import NotFound
from cskh.customers.models import CustomerLink, UnitHotline

OPEN = (Invoice.Status.UNPAID, Invoice.Status.PARTIALLY_PAID, Invoice.Status.PENDING)
VISIBLE = [status for status in Invoice.Status.values if status != Invoice.Status.DRAFT]


class InvoiceNotFound(NotFound):
    code = "invoice_not_found"


def _of(account) -> QuerySet[Invoice]:
    linked = CustomerLink.objects.filter(account=account).values("customer_id")
    return Invoice.objects.filter(customer__in=linked, status__in=VISIBLE)


def invoices_for(
    account,
    *,
    status: str | None = None,
    customer_code: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[Invoice]:
    """The account's invoices across its linked codes, unpaid first, newest first;
    `start`/`end` filter the billing month (inclusive)."""
    rows = _of(account).select_related("customer")
    if status:
        rows = rows.filter(status=status)
    if customer_code:
        rows = rows.filter(customer__code=customer_code)
    if start:
        rows = rows.filter(period_month__gte=start.replace(day=1))
    if end:
        rows = rows.filter(period_month__lte=end)
    return rows.annotate(
        open_first=Case(
            When(status__in=OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("open_first", "-period_end", "-pk")


def invoice_for(account, invoice_id: int) -> Invoice:
    """One invoice with its reading table and lines; 404 for anything not linked."""
    invoice = (
        _of(account)
        .select_related("customer", "unit", "adjusts")
        .prefetch_related(
            Prefetch("registers", queryset=InvoiceRegister.objects.order_by("position")),
            Prefetch("pricing__lines", queryset=InvoiceLine.objects.order_by("position")),
        )
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None:
        raise InvoiceNotFound()
    return invoice


def total_due(account) -> int:
    """What the account's linked customers still have to pay."""
    rows = (
        _of(account).filter(status__in=OPEN).aggregate(total=Sum("total"), paid=Sum("paid_amount"))
    )
    return (rows["total"] or 0) - (rows["paid"] or 0)


def hotlines(invoice: Invoice, *, today: date) -> list[str]:
    corporation = invoice.unit.corporation
    if corporation is None:
        return []
    return [hotline.number for hotline in UnitHotline.in_force(unit=corporation, on=today)]
