"""manage.py rebuild_rollups: the check names the meters whose rollups drifted from
their days and changes nothing; the rebuild puts them right, only in the unit asked."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cskh.metering.models import MonthlyUsage
from tests import factories
from tests.metering import data

pytestmark = pytest.mark.django_db


def meter_with_days(**fields):
    meter = data.meter_of(factories.customer(**fields))
    data.load(data.days(meter, date(2026, 9, 20), (20, 5)))
    return meter


def drift(meter) -> None:
    MonthlyUsage.objects.filter(meter=meter, month=date(2026, 10, 1)).update(wh=1)


def command(*args) -> str:
    out = StringIO()
    call_command("rebuild_rollups", *args, stdout=out)
    return out.getvalue()


def test_the_check_names_the_drifted_meters_and_the_rebuild_puts_them_right(units):
    hcmc = meter_with_days(meter="HCM0001")
    hanoi = meter_with_days(meter="HAN0001", unit_code="PD0100")
    assert "the rollups agree with the days" in command("--check")
    drift(hcmc)
    drift(hanoi)
    with pytest.raises(CommandError, match=r"2 of 2 meters .*HCM0001, HAN0001"):
        command("--check")
    assert MonthlyUsage.objects.filter(wh=1).count() == 2  # the check changes nothing
    assert "2 monthly rollups rebuilt" in command("--unit", "pe01")  # September, October
    with pytest.raises(CommandError, match=r"1 of 1 meters .*HAN0001\); .* --unit PD01"):
        command("--check", "--unit", "PD01")
    october = MonthlyUsage.objects.get(meter=hcmc, month=date(2026, 10, 1))
    assert october.wh == data.wh(45)  # 1–9 October
    command()
    assert "2 meters: the rollups agree" in command("--check")


def test_an_unknown_unit_is_refused(units):
    with pytest.raises(CommandError, match="No unit with the code XX99"):
        command("--check", "--unit", "XX99")
