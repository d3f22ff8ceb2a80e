"""The bill engine (cskh.billing.engine) against /work/shared/domain/tariffs.md: its worked
examples to the VND, the split rules computed by hand, and properties over random
periods, change dates, household counts and kWh. Pure Python: no database."""

from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cskh.billing import engine
from cskh.billing.engine import (
    NORMAL,
    OFFPEAK,
    PEAK,
    Dated,
    EngineError,
    NoPrice,
    NoTariff,
    Schedule,
    Tenant,
    TenantRule,
    Tier,
    compute_bill,
    is_regular_month,
    kwh_for_amount,
    register_kwh,
    tier_divisor,
)

# ------------------------------------------------------------ the domain table

FROM_2699 = date(2024, 10, 11)  # Decision 2699/QĐ-BCT
FROM_1279 = date(2025, 5, 10)  # Decision 1279/QĐ-BCT
LIMITS = (50, 100, 200, 300, 400, None)  # kWh in the month, tiers 1–6
PRICES_2699 = (1893, 1956, 2271, 2860, 3197, 3302)
PRICES_1279 = (1984, 2050, 2380, 2998, 3350, 3460)
BUSINESS_LV_1279 = {NORMAL: 3152, PEAK: 5422, OFFPEAK: 1918}  # business < 6 kV
TENANT_RULES_FROM = date(2025, 12, 2)  # Circular 60/2025/TT-BCT
VAT_8, VAT_10 = Fraction(8, 100), Fraction(10, 100)
VAT_10_FROM = date(2027, 1, 1)

# A regular month under Decision 1279 and VAT 8 %.
JUNE = {"start": date(2025, 6, 1), "end": date(2025, 7, 1)}


def residential(name: str, prices: tuple[int, ...]) -> Schedule:
    return Schedule(name, tiers=tuple(map(Tier, LIMITS, prices)))


def residential_schedules(change: date = FROM_1279) -> tuple[Dated[Schedule], ...]:
    """2699 then 1279; `change` moves the date between them (property tests)."""
    return (
        Dated(FROM_2699 - timedelta(days=400), change, residential("2699/QĐ-BCT", PRICES_2699)),
        Dated(change, None, residential("1279/QĐ-BCT", PRICES_1279)),
    )


def vat_rates(change: date = VAT_10_FROM) -> tuple[Dated[Fraction], ...]:
    """8 %, then 10 % from `change`."""
    return (Dated(date(2020, 1, 1), change, VAT_8), Dated(change, None, VAT_10))


def households(*changes: tuple[date, int | Fraction]) -> tuple[Dated[Fraction], ...]:
    """Household counts from each date on: households((d1, 1), (d2, 2))."""
    ends = [day for day, _ in changes[1:]] + [None]
    return tuple(
        Dated(day, end, Fraction(count)) for (day, count), end in zip(changes, ends, strict=True)
    )


def tenant_rules() -> tuple[Dated[TenantRule], ...]:
    return (Dated(TENANT_RULES_FROM, None, TenantRule(people_per_household=4, undeclared_tier=3)),)


def bill(**inputs) -> engine.Bill:
    inputs.setdefault("schedules", residential_schedules())
    inputs.setdefault("vat_rates", vat_rates())
    return compute_bill(**inputs)


def amounts(result: engine.Bill) -> tuple[int, int, int]:
    return result.subtotal, result.vat_amount, result.total


def tier_kwh(result: engine.Bill, segment: int = 0) -> list[int]:
    return [line.kwh for line in result.lines if line.segment == segment]


def check_sums(result: engine.Bill) -> None:
    assert sum(segment.kwh for segment in result.segments) == result.kwh
    assert sum(line.kwh for line in result.lines) == result.kwh
    assert sum(line.amount for line in result.lines) == result.subtotal
    assert sum(line.kwh * line.price for line in result.lines) == result.subtotal
    assert sum(part.amount for part in result.vat) == result.vat_amount
    assert sum(part.base for part in result.vat) == result.subtotal
    assert result.total == result.subtotal + result.vat_amount


# ------------------------------------------------------------ worked examples


@pytest.mark.parametrize(
    ("kwh", "subtotal", "vat", "total"),
    [
        (50, 99_200, 7_936, 107_136),
        (100, 201_700, 16_136, 217_836),
        (120, 249_300, 19_944, 269_244),
        (400, 1_074_500, 85_960, 1_160_460),
    ],
)
def test_worked_residential_examples(kwh, subtotal, vat, total):
    result = bill(kwh=kwh, **JUNE)
    assert amounts(result) == (subtotal, vat, total)
    assert result.regular and result.divisor == result.days == 30
    assert result.vat_rate == VAT_8
    assert len(result.segments) == 1
    assert result.segments[0].tariff == "1279/QĐ-BCT"
    assert result.segments[0].tier_widths == (50, 50, 100, 100, 100)
    check_sums(result)


def test_worked_residential_400_kwh_lines():
    result = bill(kwh=400, **JUNE)
    assert [(line.tier, line.kwh, line.price, line.amount) for line in result.lines] == [
        (1, 50, 1984, 99_200),
        (2, 50, 2050, 102_500),
        (3, 100, 2380, 238_000),
        (4, 100, 2998, 299_800),
        (5, 100, 3350, 335_000),
    ]
    assert [(line.lower, line.upper) for line in result.lines] == [
        (0, 50),
        (50, 100),
        (100, 200),
        (200, 300),
        (300, 400),
    ]


def test_the_last_tier_is_open():
    result = bill(kwh=1000, **JUNE)
    last = result.lines[-1]
    assert (last.tier, last.kwh, last.price, last.upper) == (6, 600, 3460, None)
    assert result.subtotal == 1_074_500 + 600 * 3460


def test_worked_business_example():
    schedules = (Dated(FROM_1279, None, Schedule("1279/QĐ-BCT", bands=BUSINESS_LV_1279)),)
    registers = {NORMAL: 1000, PEAK: 300, OFFPEAK: 200}
    result = bill(registers=registers, schedules=schedules, **JUNE)
    assert amounts(result) == (5_162_200, 412_976, 5_575_176)
    assert [(line.band, line.kwh, line.amount) for line in result.lines] == [
        (NORMAL, 1000, 3_152_000),
        (PEAK, 300, 1_626_600),
        (OFFPEAK, 200, 383_600),
    ]
    assert result.kwh == 1500
    check_sums(result)


def test_business_below_the_tou_threshold_pays_the_normal_price():
    schedules = (Dated(FROM_1279, None, Schedule("1279/QĐ-BCT", bands=BUSINESS_LV_1279)),)
    result = bill(kwh=1500, schedules=schedules, **JUNE)
    assert [(line.band, line.kwh, line.price) for line in result.lines] == [(NORMAL, 1500, 3152)]
    assert result.subtotal == 1500 * 3152


def test_the_old_column_prices_a_period_before_the_change():
    # 120 kWh under 2699: 50 × 1,893 + 50 × 1,956 + 20 × 2,271 = 94,650 + 97,800 + 45,420.
    result = bill(kwh=120, start=date(2025, 1, 15), end=date(2025, 2, 15))
    assert result.subtotal == 237_870
    assert result.vat_amount == 19_030  # 19,029.6
    assert result.segments[0].tariff == "2699/QĐ-BCT"


def test_zero_kwh_is_a_bill_of_nothing():
    result = bill(kwh=0, **JUNE)
    assert amounts(result) == (0, 0, 0)
    assert result.lines == ()
    assert len(result.segments) == 1


# ------------------------------------------------------------ split rules


def test_price_change_inside_the_period():
    # 2025-04-30 → 2025-05-31 crosses 10/5/2025: T = 31, Nc = 10 (30/4 → 10/5), Nm = 21.
    # Both ends are month-ends: a regular month, D = T = 31.
    # S = 310: kWh old = round(310 × 10 / 31) = 100, new = 210.
    # Widths old: round(50 × 10/31) = round(16.13) = 16, round(100 × 10/31) = round(32.26) = 32
    # Widths new: round(50 × 21/31) = round(33.87) = 34, round(100 × 21/31) = round(67.74) = 68
    # Old part (2699): 16×1,893 + 16×1,956 + 32×2,271 + 32×2,860 + 4×3,197
    #   = 30,288 + 31,296 + 72,672 + 91,520 + 12,788 = 238,564
    # New part (1279): 34×1,984 + 34×2,050 + 68×2,380 + 68×2,998 + 6×3,350
    #   = 67,456 + 69,700 + 161,840 + 203,864 + 20,100 = 522,960
    # Subtotal 761,524; VAT round(60,921.92) = 60,922; total 822,446.
    result = bill(kwh=310, start=date(2025, 4, 30), end=date(2025, 5, 31))
    assert (result.days, result.divisor, result.regular) == (31, 31, True)
    old, new = result.segments
    assert (old.start, old.end, old.days, old.kwh) == (date(2025, 4, 30), FROM_1279, 10, 100)
    assert (new.start, new.end, new.days, new.kwh) == (FROM_1279, date(2025, 5, 31), 21, 210)
    assert (old.tariff, new.tariff) == ("2699/QĐ-BCT", "1279/QĐ-BCT")
    assert old.tier_widths == (16, 16, 32, 32, 32)
    assert new.tier_widths == (34, 34, 68, 68, 68)
    assert not old.measured and not new.measured
    assert tier_kwh(result, 0) == [16, 16, 32, 32, 4]
    assert tier_kwh(result, 1) == [34, 34, 68, 68, 6]
    assert sum(line.amount for line in result.lines if line.segment == 0) == 238_564
    assert sum(line.amount for line in result.lines if line.segment == 1) == 522_960
    assert amounts(result) == (761_524, 60_922, 822_446)
    check_sums(result)


@pytest.mark.parametrize(
    ("kwh", "old"),
    [
        (47, 15),  # 47 × 10 / 31 = 15.16
        (100, 32),  # 32.26
        (31, 10),  # exactly 10
        (14, 5),  # 4.52 → 5
        (0, 0),
    ],
)
def test_kwh_at_the_old_price_is_rounded_by_days(kwh, old):
    result = bill(kwh=kwh, start=date(2025, 4, 30), end=date(2025, 5, 31))
    assert [segment.kwh for segment in result.segments] == [old, kwh - old]


def test_half_kwh_rounds_up():
    # 2025-05-08 → 2025-05-12 crosses 10/5: T = 4, Nc = 2. S = 3: 3 × 2 / 4 = 1.5 → 2 kWh
    # at the old price, 1 at the new.
    result = bill(kwh=3, start=date(2025, 5, 8), end=date(2025, 5, 12))
    assert [segment.kwh for segment in result.segments] == [2, 1]


def test_vat_change_inside_the_period():
    # 2026-12-15 → 2027-01-15: T = 31, Nc = 17 (to 1/1/2027, 8 %), Nm = 14 (10 %). S = 200.
    # kWh at 8 % = round(200 × 17/31) = round(109.68) = 110; at 10 %: 90.
    # Widths 8 %: round(50 × 17/31) = round(27.42) = 27, round(100 × 17/31) = round(54.84) = 55
    # Widths 10 %: round(50 × 14/31) = round(22.58) = 23, round(100 × 14/31) = round(45.16) = 45
    # 8 % part: 27×1,984 + 27×2,050 + 55×2,380 + 1×2,998 = 53,568 + 55,350 + 130,900 + 2,998
    #   = 242,816; VAT round(19,425.28) = 19,425
    # 10 % part: 23×1,984 + 23×2,050 + 44×2,380 = 45,632 + 47,150 + 104,720 = 197,502;
    #   VAT round(19,750.2) = 19,750
    # Subtotal 440,318; VAT 39,175; total 479,493.
    result = bill(kwh=200, start=date(2026, 12, 15), end=date(2027, 1, 15))
    first, second = result.segments
    assert (first.days, first.kwh, first.vat_rate) == (17, 110, VAT_8)
    assert (second.days, second.kwh, second.vat_rate) == (14, 90, VAT_10)
    assert first.tier_widths == (27, 27, 55, 55, 55)
    assert second.tier_widths == (23, 23, 45, 45, 45)
    assert [(part.rate, part.base, part.amount) for part in result.vat] == [
        (VAT_8, 242_816, 19_425),
        (VAT_10, 197_502, 19_750),
    ]
    assert result.vat_rate is None
    assert amounts(result) == (440_318, 39_175, 479_493)
    check_sums(result)


def test_household_count_change_inside_the_period():
    # 2025-06-05 → 2025-07-05: T = 30 (regular), one household until 20/6, two from then:
    # Nc = 15, Nm = 15. S = 300: 150 kWh each.
    # Widths h = 1: round(50 × 15/30 × 1) = 25, 100 → 50;  h = 2: round(50 × 15/30 × 2) = 50, 100.
    # First part: 25×1,984 + 25×2,050 + 50×2,380 + 50×2,998 = 49,600 + 51,250 + 119,000
    #   + 149,900 = 369,750
    # Second part: 50×1,984 + 50×2,050 + 50×2,380 = 99,200 + 102,500 + 119,000 = 320,700
    # Subtotal 690,450; VAT 55,236; total 745,686.
    counts = households((date(2025, 1, 1), 1), (date(2025, 6, 20), 2))
    result = bill(kwh=300, start=date(2025, 6, 5), end=date(2025, 7, 5), households=counts)
    first, second = result.segments
    assert (first.households, first.kwh, first.tier_widths) == (1, 150, (25, 25, 50, 50, 50))
    assert (second.households, second.kwh, second.tier_widths) == (2, 150, (50, 50, 100, 100, 100))
    assert tier_kwh(result, 0) == [25, 25, 50, 50]
    assert tier_kwh(result, 1) == [50, 50, 50]
    assert amounts(result) == (690_450, 55_236, 745_686)


def test_two_households_double_the_widths():
    # Widths 100, 100, 200, 200, 200. S = 400: 100×1,984 + 100×2,050 + 200×2,380
    #   = 198,400 + 205,000 + 476,000 = 879,400; VAT 70,352; total 949,752.
    result = bill(kwh=400, households=households((date(2025, 1, 1), 2)), **JUNE)
    assert result.segments[0].tier_widths == (100, 100, 200, 200, 200)
    assert tier_kwh(result) == [100, 100, 200]
    assert amounts(result) == (879_400, 70_352, 949_752)


TENANT_MONTH = {
    "start": date(2026, 1, 10),
    "end": date(2026, 2, 10),
    "tenant_rules": tenant_rules(),
}


def test_tenant_with_headcount_six_is_one_and_a_half_households():
    # 6 people / 4 = 3/2 households: widths 75, 75, 150, 150, 150.
    # S = 300: 75×1,984 + 75×2,050 + 150×2,380 = 148,800 + 153,750 + 357,000 = 659,550.
    result = bill(kwh=300, tenant=Tenant(people=6), **TENANT_MONTH)
    segment = result.segments[0]
    assert segment.households == Fraction(3, 2)
    assert segment.tier_widths == (75, 75, 150, 150, 150)
    assert segment.flat_tier is None
    assert result.subtotal == 659_550


def test_tenant_alone_is_a_quarter_household_rounded_half_up():
    # 1 person = 1/4: 50 / 4 = 12.5 → 13; 100 / 4 = 25.
    result = bill(kwh=100, tenant=Tenant(people=1), **TENANT_MONTH)
    assert result.segments[0].tier_widths == (13, 13, 25, 25, 25)
    assert tier_kwh(result) == [13, 13, 25, 25, 24]


def test_tenant_without_headcount_pays_tier_3_for_every_kwh():
    # 300 × 2,380 = 714,000; VAT 57,120.
    result = bill(kwh=300, tenant=Tenant(), **TENANT_MONTH)
    assert [(line.tier, line.kwh, line.price) for line in result.lines] == [(3, 300, 2380)]
    assert result.segments[0].flat_tier == 3
    assert amounts(result) == (714_000, 57_120, 771_120)


def test_tenant_overrides_the_contract_households():
    result = bill(
        kwh=300,
        tenant=Tenant(people=6),
        households=households((date(2025, 1, 1), 3)),
        **TENANT_MONTH,
    )
    assert result.segments[0].households == Fraction(3, 2)


def test_measured_reading_on_the_change_date_replaces_proration():
    # Same period as test_price_change_inside_the_period, but the meter was read on
    # 10/5/2025: 120 kWh before it (proration would have said 100), 190 after.
    # Widths stay prorated by days: 16, 16, 32, 32, 32 and 34, 34, 68, 68, 68.
    # Old: 16×1,893 + 16×1,956 + 32×2,271 + 32×2,860 + 24×3,197 = 225,776 + 76,728 = 302,504
    # New: 34×1,984 + 34×2,050 + 68×2,380 + 54×2,998 = 298,996 + 161,892 = 460,888
    result = bill(
        kwh=310,
        start=date(2025, 4, 30),
        end=date(2025, 5, 31),
        measured={FROM_1279: 120},
    )
    old, new = result.segments
    assert (old.kwh, old.measured) == (120, True)
    assert (new.kwh, new.measured) == (190, False)
    assert old.tier_widths == (16, 16, 32, 32, 32)
    assert tier_kwh(result, 0) == [16, 16, 32, 32, 24]
    assert tier_kwh(result, 1) == [34, 34, 68, 54]
    assert result.subtotal == 302_504 + 460_888


def test_measured_reading_beyond_the_period_kwh_is_refused():
    with pytest.raises(EngineError):
        bill(kwh=100, start=date(2025, 4, 30), end=date(2025, 5, 31), measured={FROM_1279: 101})


def test_readings_and_registers_do_not_mix():
    schedules = (Dated(FROM_1279, None, Schedule("1279/QĐ-BCT", bands=BUSINESS_LV_1279)),)
    with pytest.raises(EngineError):
        bill(registers={NORMAL: 1}, schedules=schedules, measured={FROM_1279: 0}, **JUNE)


@pytest.mark.parametrize(
    ("old", "new", "multiplier", "digits", "kwh"),
    [
        (1200, 1450, 1, None, 250),
        (1200, 1450, 40, None, 10_000),
        (99_850, 120, 1, 5, 270),  # rollover: 100,000 − 99,850 + 120
        (99_850, 120, 40, 5, 10_800),
        (500, 500, 1, None, 0),
    ],
)
def test_register_kwh(old, new, multiplier, digits, kwh):
    assert register_kwh(old=old, new=new, multiplier=multiplier, digits=digits) == kwh


@pytest.mark.parametrize(
    "inputs",
    [
        {"old": 99_850, "new": 120},  # backwards, register size unknown
        {"old": 120_000, "new": 120, "digits": 5},  # old index beyond the register
        {"old": -1, "new": 120},
        {"old": 1, "new": 120, "multiplier": 0},
    ],
)
def test_register_kwh_refuses(inputs):
    with pytest.raises(ValueError):
        register_kwh(**inputs)


# ------------------------------------------------------------ periods


@pytest.mark.parametrize(
    ("start", "end", "regular"),
    [
        (date(2025, 3, 15), date(2025, 4, 15), True),
        (date(2024, 12, 15), date(2025, 1, 15), True),  # over the new year
        (date(2025, 1, 31), date(2025, 2, 28), True),  # the 31st read on February's last day
        (date(2024, 1, 31), date(2024, 2, 29), True),  # leap year
        (date(2025, 1, 30), date(2025, 2, 28), True),
        (date(2025, 4, 30), date(2025, 5, 31), True),  # both month-ends
        (date(2025, 2, 28), date(2025, 3, 31), True),  # both month-ends
        (date(2025, 2, 28), date(2025, 3, 28), True),
        (date(2025, 2, 28), date(2025, 3, 29), True),  # read on the 29th, February has 28
        (date(2025, 2, 28), date(2025, 3, 30), True),
        (date(2025, 3, 15), date(2025, 4, 14), False),
        (date(2025, 3, 15), date(2025, 4, 16), False),
        (date(2025, 1, 15), date(2025, 3, 1), False),  # 45 days
        (date(2025, 4, 29), date(2025, 5, 31), False),
        (date(2025, 3, 15), date(2025, 5, 15), False),  # two months
    ],
)
def test_is_regular_month(start, end, regular):
    assert is_regular_month(start, end) is regular
    days = (end - start).days
    assert tier_divisor(start, end) == (days if regular else engine.STANDARD_MONTH_DAYS)


def test_regular_means_the_same_reading_day_not_thirty_days():
    result = bill(kwh=100, start=date(2025, 6, 15), end=date(2025, 7, 15))
    assert (result.days, result.regular) == (30, True)
    moved = bill(kwh=100, start=date(2025, 6, 15), end=date(2025, 7, 14))  # 29 days
    assert (moved.divisor, moved.regular) == (30, False)


def test_a_version_that_only_re_dates_the_same_value_does_not_split():
    # VAT 8 % until 1/7/2025 under one resolution, 8 % after under Resolution 204
    same_rate = (
        Dated(date(2024, 1, 1), date(2025, 7, 1), VAT_8),
        Dated(date(2025, 7, 1), None, VAT_8),
    )
    result = bill(kwh=100, start=date(2025, 6, 15), end=date(2025, 7, 15), vat_rates=same_rate)
    assert len(result.segments) == 1
    assert tier_kwh(result) == [50, 50]


def test_no_households_is_refused():
    with pytest.raises(engine.EngineError):
        bill(kwh=100, **JUNE, households=households((date(2025, 1, 1), 0)))


def test_a_reading_on_the_period_start_is_not_a_split():
    result = bill(kwh=400, **JUNE, measured={JUNE["start"]: 50})
    assert len(result.segments) == 1 and result.segments[0].kwh == 400


def test_a_45_day_period_scales_the_widths_by_one_and_a_half():
    # 2025-01-15 → 2025-03-01: T = 45, not a regular month: D = 30, widths × 45/30.
    # 50 × 1.5 = 75, 100 × 1.5 = 150. S = 300 under 2699:
    # 75×1,893 + 75×1,956 + 150×2,271 = 141,975 + 146,700 + 340,650 = 629,325.
    result = bill(kwh=300, start=date(2025, 1, 15), end=date(2025, 3, 1))
    assert (result.days, result.divisor, result.regular) == (45, 30, False)
    assert result.segments[0].tier_widths == (75, 75, 150, 150, 150)
    assert tier_kwh(result) == [75, 75, 150]
    assert result.subtotal == 629_325


def test_a_short_first_bill_narrows_the_widths():
    # 2025-06-20 → 2025-07-01: T = 11, D = 30: round(50 × 11/30) = round(18.33) = 18,
    # round(100 × 11/30) = round(36.67) = 37.
    result = bill(kwh=200, start=date(2025, 6, 20), end=date(2025, 7, 1))
    assert result.segments[0].tier_widths == (18, 18, 37, 37, 37)


# ------------------------------------------------------------ reverse mode


@pytest.mark.parametrize("amount", [0, 2_142, 2_143, 107_136, 500_000, 1_160_460, 10_000_000])
def test_kwh_for_amount(amount):
    result = kwh_for_amount(
        amount=amount, schedules=residential_schedules(), vat_rates=vat_rates(), **JUNE
    )
    assert result.total <= amount
    more = bill(kwh=result.kwh + 1, **JUNE)
    assert more.total > amount


def test_kwh_for_amount_of_a_worked_example():
    result = kwh_for_amount(
        amount=1_160_460, schedules=residential_schedules(), vat_rates=vat_rates(), **JUNE
    )
    assert result.kwh == 400


def test_kwh_for_a_negative_amount_is_refused():
    with pytest.raises(EngineError):
        kwh_for_amount(amount=-1, schedules=residential_schedules(), vat_rates=vat_rates(), **JUNE)


# ------------------------------------------------------------ errors


def test_period_must_end_after_it_starts():
    with pytest.raises(EngineError):
        bill(kwh=10, start=date(2025, 6, 1), end=date(2025, 6, 1))
    with pytest.raises(EngineError):
        bill(kwh=10, start=date(2025, 6, 2), end=date(2025, 6, 1))


def test_negative_kwh_is_refused():
    with pytest.raises(EngineError):
        bill(kwh=-1, **JUNE)


def test_negative_register_is_refused():
    with pytest.raises(EngineError):
        bill(registers={NORMAL: 5, PEAK: -1}, **JUNE)


def test_unknown_band_is_refused():
    with pytest.raises(EngineError):
        bill(registers={"SUPERPEAK": 5}, **JUNE)


@pytest.mark.parametrize("usage", [{}, {"kwh": 10, "registers": {NORMAL: 10}}])
def test_kwh_or_registers_exactly_one(usage):
    with pytest.raises(EngineError):
        bill(**usage, **JUNE)


def test_no_prices_in_force():
    # residential_schedules() begins 400 days before 2699; nothing before that.
    start = FROM_2699 - timedelta(days=420)
    with pytest.raises(NoTariff) as caught:
        bill(kwh=10, start=start, end=start + timedelta(days=30))
    assert (caught.value.kind, caught.value.day) == ("prices", start)


def test_prices_ending_inside_the_period():
    schedules = (Dated(date(2025, 1, 1), date(2025, 6, 15), residential("x", PRICES_1279)),)
    with pytest.raises(NoTariff) as caught:
        bill(kwh=10, schedules=schedules, **JUNE)
    assert (caught.value.kind, caught.value.day) == ("prices", date(2025, 6, 15))


def test_no_vat_in_force():
    with pytest.raises(NoTariff) as caught:
        bill(kwh=10, vat_rates=(Dated(date(2026, 1, 1), None, VAT_8),), **JUNE)
    assert (caught.value.kind, caught.value.day) == ("vat", JUNE["start"])


def test_no_tenant_rule_in_force():
    start = TENANT_RULES_FROM - timedelta(days=10)
    with pytest.raises(NoTariff) as caught:
        bill(
            kwh=10,
            start=start,
            end=start + timedelta(days=30),
            tenant=Tenant(people=4),
            tenant_rules=tenant_rules(),
        )
    assert (caught.value.kind, caught.value.day) == ("tenant_rule", start)


def test_a_declared_headcount_is_at_least_one():
    with pytest.raises(EngineError):
        bill(kwh=10, tenant=Tenant(people=0), **TENANT_MONTH)


def test_missing_band_price():
    schedules = (Dated(FROM_1279, None, Schedule("x", bands={NORMAL: 3152, PEAK: 5422})),)
    with pytest.raises(NoPrice) as caught:
        bill(registers={NORMAL: 10, OFFPEAK: 5}, schedules=schedules, **JUNE)
    assert (caught.value.band, caught.value.day) == (OFFPEAK, JUNE["start"])


def test_registers_against_a_tiered_schedule():
    with pytest.raises(EngineError):
        bill(registers={NORMAL: 10, PEAK: 5, OFFPEAK: 1}, **JUNE)


def test_registers_against_one_price_for_every_kwh():
    schedules = (Dated(FROM_1279, None, Schedule("one price", tiers=(Tier(None, 2072),))),)
    result = bill(registers={NORMAL: 10, PEAK: 5}, schedules=schedules, **JUNE)
    assert result.subtotal == 15 * 2072


@pytest.mark.parametrize(
    "tiers",
    [
        (),
        (Tier(50, 1), Tier(100, 2)),  # the last tier has a limit
        (Tier(100, 1), Tier(50, 2), Tier(None, 3)),  # limits decrease
        (Tier(50, 1), Tier(50, 2), Tier(None, 3)),  # limits repeat
        (Tier(None, 1), Tier(None, 2)),  # an open tier before the last
    ],
)
def test_schedule_refuses_bad_tiers(tiers):
    with pytest.raises(ValueError):
        Schedule("x", tiers=tiers)


def test_schedule_refuses_tiers_and_bands():
    with pytest.raises(ValueError):
        Schedule("x", tiers=(Tier(None, 1),), bands={NORMAL: 1})


# ------------------------------------------------------------ properties

ORIGIN = date(2024, 11, 1)


def next_month(day: date) -> date:
    """The same day next month, or that month's last day: the regular cycle, written
    independently of engine.is_regular_month."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


@st.composite
def periods(draw, regular=None):
    start = ORIGIN + timedelta(days=draw(st.integers(0, 3 * 365)))
    if regular if regular is not None else draw(st.booleans()):
        return start, next_month(start)
    return start, start + timedelta(days=draw(st.integers(1, 70)))


@st.composite
def change_dates(draw, start, end):
    """A date inside the period, on its ends, or outside it."""
    days = (end - start).days
    return start + timedelta(days=draw(st.integers(-40, days + 40)))


@st.composite
def residential_inputs(draw):
    start, end = draw(periods())
    counts = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    changes = sorted(draw(change_dates(start, end)) for _ in counts[1:])
    history = [ORIGIN - timedelta(days=100), *changes]
    timeline = households(*[(day, count) for day, count in zip(history, counts, strict=True)])
    timeline = tuple(dated for dated in timeline if dated.end is None or dated.start < dated.end)
    return {
        "start": start,
        "end": end,
        "schedules": residential_schedules(draw(change_dates(start, end))),
        "vat_rates": vat_rates(draw(change_dates(start, end))),
        "households": timeline,
    }


kwhs = st.integers(0, 5000)
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)


@PROPERTY_SETTINGS
@given(residential_inputs(), kwhs)
def test_the_parts_add_up(inputs, kwh):
    result = compute_bill(kwh=kwh, **inputs)
    assert result.kwh == kwh
    check_sums(result)
    assert result.segments[0].start == inputs["start"]
    assert result.segments[-1].end == inputs["end"]
    assert all(a.end == b.start for a, b in pairwise(result.segments))
    assert sum(segment.days for segment in result.segments) == result.days


@PROPERTY_SETTINGS
@given(residential_inputs(), kwhs, st.integers(1, 300))
def test_the_total_never_decreases_with_kwh(inputs, kwh, more):
    totals = [compute_bill(kwh=value, **inputs).total for value in (kwh, kwh + 1, kwh + more)]
    assert totals == sorted(totals)


@PROPERTY_SETTINGS
@given(residential_inputs(), kwhs)
def test_segment_kwh_follow_the_days(inputs, kwh):
    """Without a reading inside the period, the kWh before each change are the period's
    kWh prorated by days, rounded half-up."""
    result = compute_bill(kwh=kwh, **inputs)
    before = 0
    for segment in result.segments[:-1]:
        days = (segment.end - inputs["start"]).days
        before += segment.kwh
        assert before == (2 * kwh * days + result.days) // (2 * result.days)


def plain_bill(kwh: int, prices: tuple[int, ...], vat_percent: int) -> int:
    """An independent tier computation: the total of a regular month, one household."""
    subtotal, lower = 0, 0
    for up_to, price in zip(LIMITS, prices, strict=True):
        used = max(0, kwh - lower) if up_to is None else max(0, min(kwh, up_to) - lower)
        subtotal += used * price
        lower = up_to
    return subtotal + (subtotal * vat_percent * 2 + 100) // 200


@PROPERTY_SETTINGS
@given(periods(regular=True), kwhs, st.data())
def test_one_segment_is_the_plain_tier_computation(period, kwh, data):
    start, end = period
    outside = st.one_of(
        st.integers(-400, 0).map(lambda days: start + timedelta(days=days)),
        st.integers(0, 400).map(lambda days: end + timedelta(days=days)),
    )
    price_change, vat_change = data.draw(outside), data.draw(outside)
    result = compute_bill(
        start=start,
        end=end,
        kwh=kwh,
        schedules=residential_schedules(price_change),
        vat_rates=vat_rates(vat_change),
    )
    prices = PRICES_1279 if price_change <= start else PRICES_2699
    vat_percent = 10 if vat_change <= start else 8
    assert len(result.segments) == 1
    assert result.regular
    assert result.total == plain_bill(kwh, prices, vat_percent)


@settings(max_examples=40, deadline=None)
@given(residential_inputs(), st.integers(0, 3_000_000))
def test_kwh_for_amount_buys_the_most_kwh(inputs, amount):
    result = kwh_for_amount(amount=amount, **inputs)
    assert result.total <= amount
    assert compute_bill(kwh=result.kwh + 1, **inputs).total > amount
