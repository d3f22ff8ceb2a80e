"""Whatever sequence of files arrives — new days, re-sent days, corrections, rejected
rows, several months — the incrementally kept rollups equal their definition."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cskh.metering.models import Correction, ImportBatch, MonthlyUsage, Reading
from tests import factories
from tests.metering.files import csv_of, row, send
from tests.metering.test_ingest import assert_rollups_are_definition

pytestmark = pytest.mark.django_db

START = date(2026, 9, 20)

a_row = st.tuples(
    st.integers(min_value=0, max_value=60),  # day after START
    st.integers(min_value=0, max_value=3),  # a wobble that makes corrections
    st.sampled_from(["", "estimated", "actual"]),
)
files = st.lists(st.lists(a_row, min_size=1, max_size=8), min_size=1, max_size=5)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(files=files)
def test_rollups_follow_any_sequence_of_imports(units, files):
    meter = factories.customer(meter="PROP01").meters.get()
    for received in files:
        lines = [
            row(meter, START + timedelta(days=day), f"{10 * day + wobble}", quality=quality)
            for day, wobble, quality in received
        ]
        send(csv_of(*lines))
    assert_rollups_are_definition(meter)
    for model in (Reading, MonthlyUsage, Correction, ImportBatch):
        model.objects.all().delete()
    meter.customer.delete()
