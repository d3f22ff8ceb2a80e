"""Publishing, changing and cancelling planned outages, and telling the customers.

Rules (domain/evn.md, Circular 22/2020/TT-BCT): the restoration comes after the start;
planned work is announced at least OUTAGE_NOTICE_DAYS (5) days ahead unless it is an
emergency; an outage that has ended or was cancelled is not changed any more; every
publication, change and cancellation is a notice to every account linked to an
affected customer, saying what changed."""

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cskh.core import codes as code_rules
from cskh.core.errors import InvalidInput
from cskh.customers.models import Customer, Unit
from cskh.notifications import services as notices
from cskh.notifications.models import Category
from cskh.outages import tasks
from cskh.outages.models import Outage, OutageCustomer


@dataclass(frozen=True)
class Plan:
    """What staff enter for an outage."""

    unit: Unit
    kind: str
    capacity_kw: int | None
    emergency: bool
    area: str
    line: str
    reason: str
    start_at: datetime
    end_at: datetime


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def check(plan: Plan, *, now: datetime, start_changed: bool = True) -> None:
    errors: dict[str, list[str]] = {}
    if plan.end_at <= plan.start_at:
        errors["end_at"] = [_("The restoration time must come after the start.")]
    if plan.end_at <= now:
        errors.setdefault("end_at", []).append(_("This outage would already be over."))
    if plan.kind == Outage.Kind.REDUCTION and not plan.capacity_kw:
        errors["capacity_kw"] = [_("Give the capacity limit of the reduction.")]
    earliest = now + timedelta(days=settings.OUTAGE_NOTICE_DAYS)
    if start_changed and not plan.emergency and plan.start_at < earliest:
        errors["start_at"] = [
            _(
                "Planned work must be announced at least %(days)d days ahead: start on "
                "%(earliest)s or later, or mark it as an emergency."
            )
            % {"days": settings.OUTAGE_NOTICE_DAYS, "earliest": _when(earliest)}
        ]
    if errors:
        raise InvalidInput(fields=errors)


def affected_customers(*, unit: Unit, codes: list[str], feeders: list[str]) -> list[Customer]:
    """Customers of `unit` (and the units under it) named by code or on one of the feeders."""
    errors: dict[str, list[str]] = {}
    wanted, malformed = set(), []
    for text in codes:
        try:
            wanted.add(code_rules.normalize_customer_code(text))
        except code_rules.InvalidCode:
            malformed.append(text)
    in_unit = Customer.objects.filter(unit__path__startswith=unit.path)
    by_code = {c.code: c for c in in_unit.filter(code__in=wanted)}
    unknown = malformed + sorted(wanted - set(by_code))
    if unknown:
        errors["customer_codes"] = [
            _("Not customers of %(unit)s: %(codes)s")
            % {"unit": unit.code, "codes": ", ".join(unknown[:20])}
        ]
    by_feeder = {c.code: c for c in in_unit.filter(feeder__in=feeders)} if feeders else {}
    missing_feeders = sorted(set(feeders) - {c.feeder for c in by_feeder.values()})
    if missing_feeders:
        errors["feeders"] = [
            _("No customer of %(unit)s is on: %(feeders)s")
            % {"unit": unit.code, "feeders": ", ".join(missing_feeders)}
        ]
    if errors:
        raise InvalidInput(fields=errors)
    customers = list({**by_code, **by_feeder}.values())
    if not customers:
        raise InvalidInput(
            fields={"customer_codes": [_("Name the affected customers by code or by feeder.")]}
        )
    return customers


def _announce(outage: Outage, customers, *, headline, details: str, now: datetime) -> None:
    def render():
        kind = outage.get_kind_display()
        title = headline() % {"kind": kind, "start": _when(outage.start_at)}
        body = _(
            "%(kind)s from %(start)s to %(end)s (expected restoration). Area: %(area)s. "
            "%(line)sReason: %(reason)s. Work by %(unit)s."
        ) % {
            "kind": kind,
            "start": _when(outage.start_at),
            "end": _when(outage.end_at),
            "area": outage.area,
            "line": f"{outage.line}. " if outage.line else "",
            "reason": outage.reason,
            "unit": outage.unit.name,
        }
        if outage.kind == Outage.Kind.REDUCTION:
            body += " " + _("Capacity limit: %(kw)d kW.") % {"kw": outage.capacity_kw}
        return title, details() + body if details else body

    notices.notify_customers(
        customers=customers,
        category=Category.INCIDENT,
        render=render,
        link=f"/outages/{outage.pk}/",
        now=now,
    )


def _schedule_reminder(outage: Outage, *, now: datetime) -> None:
    """Remind the customers the day before (at the same time of day), if still ahead."""
    run_after = outage.start_at - timedelta(days=1)
    if run_after <= now:
        return
    transaction.on_commit(
        lambda: tasks.remind.using(run_after=run_after).enqueue(
            outage.pk, outage.start_at.isoformat()
        )
    )


def remind(*, outage_id: int, start_at: str, now: datetime) -> bool:
    """The day-before reminder; does nothing if the outage was cancelled, moved or
    already reminded (the job may run twice). Returns whether it reminded."""
    with transaction.atomic():
        outage = (
            Outage.objects.select_for_update().select_related("unit").filter(pk=outage_id).first()
        )
        if (
            outage is None
            or outage.is_cancelled
            or outage.reminded_at is not None
            or outage.start_at.isoformat() != start_at
            or outage.start_at <= now
        ):
            return False
        outage.reminded_at = now
        outage.save(update_fields=["reminded_at"])
        _announce(
            outage,
            list(outage.customers.all()),
            headline=lambda: _("Reminder: %(kind)s from %(start)s"),
            details=None,
            now=now,
        )
    return True


def publish(*, plan: Plan, customers: list[Customer], by, now: datetime) -> Outage:
    check(plan, now=now)
    with transaction.atomic():
        outage = Outage.objects.create(created_by=by, **plan.__dict__)
        OutageCustomer.objects.bulk_create(
            OutageCustomer(outage=outage, customer=customer) for customer in customers
        )
        _announce(
            outage,
            customers,
            headline=lambda: _("%(kind)s planned from %(start)s"),
            details=None,
            now=now,
        )
        _schedule_reminder(outage, now=now)
    return outage


def _refuse_if_closed(outage: Outage, now: datetime) -> None:
    if outage.is_cancelled:
        raise InvalidInput(_("This outage was cancelled; it cannot be changed."))
    if outage.has_ended(now):
        raise InvalidInput(_("This outage has ended; it cannot be changed."))


def change(*, outage: Outage, plan: Plan, customers: list[Customer], now: datetime) -> Outage:
    with transaction.atomic():
        outage = Outage.objects.select_for_update().select_related("unit").get(pk=outage.pk)
        _refuse_if_closed(outage, now)
        check(plan, now=now, start_changed=plan.start_at != outage.start_at)
        before = {field.name: getattr(outage, field.name) for field in fields(Plan)}
        old_customers = set(outage.customers.all())
        for name, value in plan.__dict__.items():
            setattr(outage, name, value)
        outage.save()
        OutageCustomer.objects.filter(outage=outage).exclude(customer__in=customers).delete()
        OutageCustomer.objects.bulk_create(
            [OutageCustomer(outage=outage, customer=c) for c in set(customers) - old_customers]
        )
        changed = [name for name, value in before.items() if getattr(outage, name) != value]
        if "start_at" in changed:
            outage.reminded_at = None  # a new start gets its own reminder
            outage.save(update_fields=["reminded_at"])
            _schedule_reminder(outage, now=now)
        if changed or set(customers) != old_customers:

            def what_changed() -> str:
                labels = [str(Outage._meta.get_field(name).verbose_name) for name in changed]
                what = ", ".join(labels) or _("the affected customers")
                return _("What changed: %(what)s. ") % {"what": what}

            _announce(
                outage,
                list(old_customers | set(customers)),
                headline=lambda: _("Changed: %(kind)s from %(start)s"),
                details=what_changed,
                now=now,
            )
    return outage


def cancel(*, outage: Outage, reason: str, now: datetime) -> Outage:
    if not reason.strip():
        raise InvalidInput(fields={"cancel_reason": [_("Say why the outage is cancelled.")]})
    with transaction.atomic():
        outage = Outage.objects.select_for_update().select_related("unit").get(pk=outage.pk)
        _refuse_if_closed(outage, now)
        outage.cancelled_at, outage.cancel_reason = now, reason.strip()
        outage.save(update_fields=["cancelled_at", "cancel_reason"])
        _announce(
            outage,
            list(outage.customers.all()),
            headline=lambda: _("Cancelled: %(kind)s from %(start)s"),
            details=lambda: (
                _("This outage will not take place (%(reason)s). ")
                % {"reason": outage.cancel_reason}
            ),
            now=now,
        )
    return outage
