"""The tariffs in force: what the engine needs for a period, what the tariff page shows,
and adding a version in the back-office."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cskh.billing import engine
from cskh.billing.models import (
    CustomerGroup,
    Price,
    PriceList,
    TenantRule,
    TouHourSet,
    TouWindow,
    VatRate,
    Version,
    Voltage,
)

_ORDERED_PRICES = Prefetch("prices", queryset=Price.objects.order_by("id"))


@dataclass(frozen=True)
class Timelines:
    """The engine's dated inputs for one customer group, voltage and period."""

    schedules: list
    vat_rates: list
    tenant_rules: list


def timelines(*, group: str, voltage: str | None, start: date, end: date) -> Timelines:
    lists = PriceList.overlapping(start, end).prefetch_related(_ORDERED_PRICES)
    schedules = []
    for price_list in lists:
        schedule = price_list.schedule(group, voltage)
        if schedule is not None:
            schedules.append(price_list.dated(schedule))
    return Timelines(
        schedules=schedules,
        vat_rates=[rate.dated(rate.rate) for rate in VatRate.overlapping(start, end)],
        tenant_rules=[rule.dated(rule.rule) for rule in TenantRule.overlapping(start, end)],
    )


# ---------------------------------------------------------------- the tariff page


@dataclass(frozen=True)
class TierRow:
    number: int
    lower: int
    upper: int | None
    price: int


class _Labelled:
    group: str
    voltage: str

    @property
    def group_label(self) -> str:
        return CustomerGroup(self.group).label

    @property
    def voltage_label(self) -> str:
        return Voltage(self.voltage).label if self.voltage else ""


@dataclass(frozen=True)
class TouRow(_Labelled):
    group: str
    voltage: str
    offpeak: int | None
    normal: int | None
    peak: int | None


@dataclass(frozen=True)
class FlatRow(_Labelled):
    group: str
    voltage: str
    price: int


@dataclass(frozen=True)
class Sheet:
    """Everything in force on `day`, as the public page and the API show it."""

    day: date
    price_list: PriceList | None
    tiers: list[TierRow]
    tou: list[TouRow]
    flat: list[FlatRow]
    vat: VatRate | None
    hours: TouHourSet | None
    windows: list[TouWindow]
    tenant_rule: TenantRule | None


def _in_force(model: type[Version], day: date):
    return model.overlapping(day, day + timedelta(days=1)).first()


def sheet(day: date) -> Sheet:
    price_list = (
        PriceList.overlapping(day, day + timedelta(days=1))
        .prefetch_related(_ORDERED_PRICES)
        .first()
    )
    prices = list(price_list.prices.all()) if price_list else []
    residential = [
        row
        for row in prices
        if row.customer_group == CustomerGroup.RESIDENTIAL and row.band == "TIER"
    ]
    residential.sort(key=lambda row: (row.up_to_kwh is None, row.up_to_kwh or 0))
    tiers, lower = [], 0
    for number, row in enumerate(residential, start=1):
        tiers.append(TierRow(number, lower, row.up_to_kwh, row.price))
        lower = row.up_to_kwh or lower
    tou: dict[tuple[str, str], dict[str, int]] = {}
    flat = []
    for row in prices:
        if row.band in engine.BANDS:
            tou.setdefault((row.customer_group, row.voltage), {})[row.band] = row.price
        elif row.band == "FLAT":
            flat.append(FlatRow(row.customer_group, row.voltage, row.price))
    hours = _in_force(TouHourSet, day)
    return Sheet(
        day=day,
        price_list=price_list,
        tiers=tiers,
        tou=[
            TouRow(
                group,
                voltage,
                bands.get(engine.OFFPEAK),
                bands.get(engine.NORMAL),
                bands.get(engine.PEAK),
            )
            for (group, voltage), bands in tou.items()
        ],
        flat=flat,
        vat=_in_force(VatRate, day),
        hours=hours,
        windows=list(hours.windows.order_by("band", "days", "starts_at", "id")) if hours else [],
        tenant_rule=_in_force(TenantRule, day),
    )


def price_lists():
    """Every price list, newest first: the versions the page links to."""
    return PriceList.objects.order_by("-valid_from", "-id")


# ---------------------------------------------------------------- adding a version


def check_version(version: Version) -> None:
    """Raise ValidationError if `version` cannot be added: another version starts the
    same day, or it would run into the next version."""
    model = type(version)
    others = model.objects.exclude(pk=version.pk)
    if others.filter(valid_from=version.valid_from).exists():
        raise ValidationError(
            {"valid_from": _("Another version already comes into force on this day.")}
        )
    following = others.filter(valid_from__gt=version.valid_from).order_by("valid_from").first()
    if following and version.valid_until and version.valid_until > following.valid_from:
        raise ValidationError(
            {
                "valid_until": _(
                    "The next version comes into force on %(date)s: end this one on that "
                    "day or earlier, or leave the end empty."
                )
                % {"date": date_format(following.valid_from, "SHORT_DATE_FORMAT")}
            }
        )


@transaction.atomic
def add_version(version: Version) -> None:
    """Save a new version: the version before it ends the day this one starts, and
    this one, left open, ends the day the next one starts."""
    model = type(version)
    list(model.objects.select_for_update().order_by("pk"))  # one writer per kind
    check_version(version)
    others = model.objects.exclude(pk=version.pk)
    previous = others.filter(valid_from__lt=version.valid_from).order_by("-valid_from").first()
    if previous and (previous.valid_until is None or previous.valid_until > version.valid_from):
        previous.valid_until = version.valid_from
        previous.save(update_fields=["valid_until"])
    following = others.filter(valid_from__gt=version.valid_from).order_by("valid_from").first()
    if following and version.valid_until is None:
        version.valid_until = following.valid_from
    version.save()
