"""The rules of a planned outage (cskh.outages.services.check) and how its customers
are found (services.affected_customers), with an explicit `now`."""

from datetime import date, timedelta

import pytest
from django.utils import translation

from cskh.core.errors import InvalidInput
from cskh.outages import services
from cskh.outages.models import Outage
from tests import factories
from tests.outages.conftest import local, make_plan

NOW = local(date(2025, 12, 1), 9, 0)  # Monday 1 December 2025, 09:00 in Hà Nội


def errors_of(call, *args, **kwargs) -> dict[str, list[str]]:
    """The field errors of an InvalidInput raised by `call`, in English."""
    with translation.override("en"), pytest.raises(InvalidInput) as raised:
        call(*args, **kwargs)
    assert raised.value.status == 422
    return {name: [str(m) for m in messages] for name, messages in raised.value.fields.items()}


def check(plan, **kwargs):
    return services.check(plan, now=NOW, **kwargs)


# ---------------------------------------------------------------- check: times


@pytest.fixture
def unit(units):
    return units["PE0100"]


def test_a_plan_a_week_ahead_passes(unit):
    check(make_plan(unit, start_at=NOW + timedelta(days=7)))


@pytest.mark.parametrize("hours", [0, -2])
def test_the_restoration_must_come_after_the_start(unit, hours):
    start = NOW + timedelta(days=7)
    errors = errors_of(
        check, make_plan(unit, start_at=start, end_at=start + timedelta(hours=hours))
    )
    assert errors == {"end_at": ["The restoration time must come after the start."]}


def test_an_outage_already_over_is_refused_even_as_an_emergency(unit):
    start = NOW - timedelta(hours=6)
    plan = make_plan(unit, start_at=start, end_at=NOW - timedelta(hours=1), emergency=True)
    errors = errors_of(check, plan)
    assert errors == {"end_at": ["This outage would already be over."]}


def test_ending_exactly_now_is_already_over(unit):
    plan = make_plan(unit, start_at=NOW - timedelta(hours=2), end_at=NOW, emergency=True)
    assert "This outage would already be over." in errors_of(check, plan)["end_at"]


def test_four_days_ahead_is_too_soon_for_planned_work(unit):
    plan = make_plan(unit, start_at=NOW + timedelta(days=4))
    errors = errors_of(check, plan)
    assert set(errors) == {"start_at"}
    [message] = errors["start_at"]
    assert "at least 5 days ahead" in message
    assert "06/12/2025 09:00" in message  # the earliest start allowed, in the active language
    assert "emergency" in message


def test_the_earliest_date_follows_the_language(unit):
    plan = make_plan(unit, start_at=NOW + timedelta(days=4))
    with translation.override("vi"), pytest.raises(InvalidInput) as raised:
        check(plan)
    [message] = raised.value.fields["start_at"]
    assert "09:00 06/12/2025" in str(message)  # Vietnamese dates put the time first
    assert "at least" not in str(message)


def test_an_emergency_may_start_at_once(unit):
    check(make_plan(unit, start_at=NOW + timedelta(hours=1), emergency=True))
    check(make_plan(unit, start_at=NOW + timedelta(days=4), emergency=True))


def test_an_emergency_already_going_on_is_accepted(unit):
    start = NOW - timedelta(hours=1)
    check(make_plan(unit, start_at=start, end_at=NOW + timedelta(hours=3), emergency=True))


def test_exactly_five_days_ahead_is_enough(unit):
    check(make_plan(unit, start_at=NOW + timedelta(days=5)))


def test_a_minute_short_of_five_days_is_not(unit):
    plan = make_plan(unit, start_at=NOW + timedelta(days=5) - timedelta(minutes=1))
    assert set(errors_of(check, plan)) == {"start_at"}


def test_the_notice_period_is_the_setting(unit, settings):
    settings.OUTAGE_NOTICE_DAYS = 3
    check(make_plan(unit, start_at=NOW + timedelta(days=3)))
    assert (
        "at least 3 days ahead"
        in errors_of(check, make_plan(unit, start_at=NOW + timedelta(days=2)))["start_at"][0]
    )


def test_the_notice_period_is_checked_only_when_the_start_is_set_or_changed(unit):
    # an outage published in time keeps its start; changing its end days later is fine
    plan = make_plan(unit, start_at=NOW + timedelta(days=2))
    check(plan, start_changed=False)
    assert set(errors_of(check, plan, start_changed=True)) == {"start_at"}


def test_an_unchanged_start_still_needs_the_end_after_it(unit):
    start = NOW + timedelta(days=2)
    plan = make_plan(unit, start_at=start, end_at=start - timedelta(hours=1))
    assert set(errors_of(check, plan, start_changed=False)) == {"end_at"}


# ---------------------------------------------------------------- check: reductions


def test_a_reduction_needs_its_capacity_limit(unit):
    plan = make_plan(unit, start_at=NOW + timedelta(days=6), kind=Outage.Kind.REDUCTION)
    assert errors_of(check, plan) == {"capacity_kw": ["Give the capacity limit of the reduction."]}


def test_a_reduction_with_its_capacity_limit_passes(unit):
    check(
        make_plan(
            unit, start_at=NOW + timedelta(days=6), kind=Outage.Kind.REDUCTION, capacity_kw=250
        )
    )


def test_an_outage_needs_no_capacity_limit(unit):
    check(make_plan(unit, start_at=NOW + timedelta(days=6), kind=Outage.Kind.OUTAGE))


def test_every_fault_is_told_at_once(unit):
    start = NOW + timedelta(days=1)
    plan = make_plan(
        unit, start_at=start, end_at=start, kind=Outage.Kind.REDUCTION, capacity_kw=None
    )
    assert set(errors_of(check, plan)) == {"end_at", "capacity_kw", "start_at"}


# ---------------------------------------------------------------- affected customers


@pytest.fixture
def people(units):
    """Customers of PE0100 (two on feeder 475E1.4, one on 471E1.2) and one of PD0100
    on a feeder with the same name."""
    return {
        "a": factories.customer(unit_code="PE0100", feeder="475E1.4"),
        "b": factories.customer(unit_code="PE0100", feeder="475E1.4"),
        "c": factories.customer(unit_code="PE0100", feeder="471E1.2"),
        "hanoi": factories.customer(unit_code="PD0100", feeder="475E1.4"),
    }


def affected(unit, codes=(), feeders=()):
    return services.affected_customers(unit=unit, codes=list(codes), feeders=list(feeders))


def codes_of(customers) -> set[str]:
    return {customer.code for customer in customers}


def test_customers_by_code_as_people_type_them(units, people):
    typed = [people["a"].code.lower(), f" {people['c'].code[:6]} {people['c'].code[6:]} "]
    assert codes_of(affected(units["PE0100"], typed)) == {people["a"].code, people["c"].code}


def test_customers_by_feeder_are_only_the_units_own(units, people):
    found = affected(units["PE0100"], feeders=["475E1.4"])
    assert codes_of(found) == {people["a"].code, people["b"].code}  # not the Hà Nội one


def test_the_hanoi_unit_finds_only_its_customer_on_the_same_feeder_name(units, people):
    assert codes_of(affected(units["PD01"], feeders=["475E1.4"])) == {people["hanoi"].code}


def test_a_company_reaches_the_customers_of_its_branches(units, people):
    found = affected(units["PE01"], [people["c"].code], ["475E1.4"])
    assert codes_of(found) == {people["a"].code, people["b"].code, people["c"].code}


def test_codes_and_feeders_together_count_each_customer_once(units, people):
    found = affected(units["PE0100"], [people["a"].code, people["a"].code], ["475E1.4"])
    assert sorted(c.code for c in found) == sorted([people["a"].code, people["b"].code])


def test_unknown_and_malformed_codes_are_named(units, people):
    errors = errors_of(affected, units["PE0100"], ["PE0100999999", "XX12", people["a"].code])
    [message] = errors["customer_codes"]
    assert message.startswith("Not customers of PE0100:")
    assert "PE0100999999" in message
    assert "XX12" in message
    assert people["a"].code not in message
    assert set(errors) == {"customer_codes"}


def test_codes_of_another_unit_are_named(units, people):
    errors = errors_of(affected, units["PE0100"], [people["a"].code, people["hanoi"].code])
    assert errors == {"customer_codes": [f"Not customers of PE0100: {people['hanoi'].code}"]}


def test_a_branch_cannot_name_the_customers_of_its_parent_company(units, people):
    other_branch = factories.customer(unit_code="PE01")
    errors = errors_of(affected, units["PE0100"], [other_branch.code])
    assert other_branch.code in errors["customer_codes"][0]


def test_feeders_without_customers_of_the_unit_are_named(units, people):
    errors = errors_of(affected, units["PE0100"], feeders=["475E1.4", "999E9.9", "373E8.22"])
    assert errors == {"feeders": ["No customer of PE0100 is on: 373E8.22, 999E9.9"]}


def test_a_feeder_only_another_unit_has_is_named(units, people):
    factories.customer(unit_code="PD0100", feeder="373E8.22")
    errors = errors_of(affected, units["PE0100"], feeders=["373E8.22"])
    assert errors == {"feeders": ["No customer of PE0100 is on: 373E8.22"]}


def test_bad_codes_and_bad_feeders_are_told_together(units, people):
    errors = errors_of(affected, units["PE0100"], ["PE0100999999"], ["999E9.9"])
    assert set(errors) == {"customer_codes", "feeders"}


def test_no_customer_at_all_is_refused(units, people):
    errors = errors_of(affected, units["PE0100"])
    assert errors == {"customer_codes": ["Name the affected customers by code or by feeder."]}


def test_errors_are_in_vietnamese_too(units, people):
    with translation.override("vi"), pytest.raises(InvalidInput) as raised:
        affected(units["PE0100"], ["PE0100999999"])
    assert str(raised.value.fields["customer_codes"][0]).startswith(
        "Không phải khách hàng của PE0100:"
    )
