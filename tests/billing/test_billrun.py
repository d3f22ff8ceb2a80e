"""Bill runs from daily readings: the invoice a customer gets, a re-run that creates
nothing, a changed reading that yields an adjustment, drafts, skipped customers, a run
that stops half-way and resumes, the notices, and the reading table."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cskh.billing import billrun, invoices
from cskh.billing.models import (
    BillRun,
    Invoice,
    InvoiceLine,
    InvoiceRegister,
    Pricing,
    SkippedCustomer,
)
from cskh.customers.models import Meter
from cskh.metering import rollups
from cskh.metering.models import Reading
from cskh.notifications.models import Notice
from tests import factories
from tests.metering import data

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 3, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
APRIL_END, MAY_END = date(2025, 4, 30), date(2025, 5, 31)


def household(kwh_per_day=10, first=date(2025, 3, 31), days=62, **fields):
    """A residential customer read on the last day of the month, `kwh_per_day` every day."""
    customer = factories.customer(**fields)
    meter = data.meter_of(customer)
    data.load(data.days(meter, first, (days, kwh_per_day)))
    return customer


def reread(meter, day, *, wh):
    """A day's reading corrected, its month's rollup with it (as an import does)."""
    Reading.objects.filter(meter=meter, reading_date=day).update(wh=wh)
    rollups.rebuild({meter.pk})


def run(unit, day=APRIL_END, **kwargs):
    return billrun.run_bills(unit=unit, reading_date=day, now=NOW, **kwargs)


def test_previous_reading_day():
    assert billrun.previous_reading_day(date(2025, 5, 31)) == date(2025, 4, 30)
    assert billrun.previous_reading_day(date(2025, 4, 30)) == date(2025, 3, 31)
    assert billrun.previous_reading_day(date(2025, 3, 15)) == date(2025, 2, 15)
    assert billrun.previous_reading_day(date(2025, 3, 30)) == date(2025, 2, 28)


def test_a_month_of_readings_becomes_an_issued_invoice(units):
    customer = household()
    account = factories.account()
    factories.link(account, customer)
    summary = run(units["PE01"])
    assert (summary.run.customers, summary.run.issued, summary.run.skipped) == (1, 1, 0)
    invoice = Invoice.objects.get(customer=customer)
    # 30 days × 10 kWh = 300 kWh at Decision 2699 prices (50/50/100/100 kWh), VAT 8 %
    subtotal = 50 * 1893 + 50 * 1956 + 100 * 2271 + 100 * 2860
    assert (invoice.kwh, invoice.subtotal) == (300, subtotal)
    assert invoice.vat == (subtotal * 8 + 50) // 100
    assert invoice.total == invoice.subtotal + invoice.vat
    assert (invoice.period_start, invoice.period_end) == (date(2025, 3, 31), APRIL_END)
    assert invoice.period_month == date(2025, 4, 1)
    assert invoice.status == Invoice.Status.UNPAID and invoice.number == 1
    assert invoice.series == "C25TPE" and invoice.unit == units["PE01"]
    assert len(invoice.lookup_code) == 10
    assert invoice.due_date == APRIL_END + timedelta(days=10)
    row = invoice.registers.get()
    assert (row.register, row.kwh, row.multiplier) == ("KT", 300, 1)
    assert row.new_index - row.old_index == 300
    assert [line.kwh for line in invoice.lines.order_by("position")] == [50, 50, 100, 100]
    notice = Notice.objects.get(category="BILL")
    assert notice.recipients.get().customer == customer
    assert "C25TPE" not in notice.body_vi and customer.code in notice.body_vi
    assert notice.link == f"/invoices/{invoice.pk}/"


def test_a_period_across_the_price_change_is_split(units):
    customer = household()
    run(units["PE01"], MAY_END)
    invoice = Invoice.objects.get(customer=customer)
    # T = 31, Nc = 10: round(310 × 10/31) = 100 kWh at the old prices
    starts = {line.segment_start: line.tariff for line in invoice.lines.all()}
    assert starts == {APRIL_END: "2699/QĐ-BCT", date(2025, 5, 10): "1279/QĐ-BCT"}
    assert sum(line.kwh for line in invoice.lines.filter(segment_start=APRIL_END)) == 100
    assert invoice.kwh == 310


def test_a_rerun_creates_nothing_and_a_changed_reading_adjusts(units):
    customer = household()
    run(units["PE01"])
    again = run(units["PE01"])
    assert (again.run.issued, again.run.unchanged) == (0, 1)
    assert Invoice.objects.count() == 1 and Notice.objects.count() == 1
    first = Invoice.objects.get()
    meter = data.meter_of(customer)
    reread(meter, date(2025, 4, 20), wh=30_000)
    adjusted = run(units["PE01"])
    assert adjusted.run.adjusted == 1
    adjustment = Invoice.objects.get(kind=Invoice.Kind.ADJUSTMENT)
    assert adjustment.adjusts == first and adjustment.kwh == 20
    assert adjustment.total > 0 and adjustment.number == 2
    assert sum(line.kwh for line in adjustment.lines.all()) == 320  # the corrected bill
    assert Notice.objects.filter(category="BILL").count() == 2
    assert run(units["PE01"]).run.unchanged == 1  # and once is enough
    assert Invoice.objects.count() == 2


def test_drafts_are_not_seen_until_issued(units, api):
    customer = household()
    account = factories.account()
    factories.link(account, customer)
    summary = run(units["PE01"], draft=True)
    draft = Invoice.objects.get()
    assert draft.status == Invoice.Status.DRAFT and draft.number is None
    token = api.login(str(account.phone))["access_token"]
    assert api.get("/invoices", token=token).json() == []
    assert api.get(f"/invoices/{draft.pk}", token=token).status_code == 404
    assert not Notice.objects.exists()
    invoices.issue(list(summary.run.invoices.all()), now=NOW)
    assert [row["id"] for row in api.get("/invoices", token=token).json()] == [draft.pk]
    assert Notice.objects.filter(category="BILL").count() == 1


def test_a_missing_reading_skips_the_customer_until_it_arrives(units):
    customer = household(days=30)  # readings end on 29/04
    summary = run(units["PE01"])
    assert summary.run.skipped == 1 and summary.problems == {"NO_READING": 1}
    assert SkippedCustomer.objects.get().customer == customer
    meter = data.meter_of(customer)
    data.load(data.days(meter, APRIL_END, (1, 10), index_kwh=1300))
    again = run(units["PE01"])
    assert (again.run.issued, again.run.skipped) == (1, 0)
    assert not SkippedCustomer.objects.filter(bill_run=again.run).exists()


def test_a_run_that_stops_half_way_resumes(units, monkeypatch):
    customers = [household() for _ in range(3)]
    real = billrun._bill_chunk
    calls = []

    def failing(*args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the machine went down")
        return real(*args)

    monkeypatch.setattr(billrun, "_bill_chunk", failing)
    with pytest.raises(RuntimeError):
        run(units["PE01"], chunk=1)
    stopped = BillRun.objects.get()
    assert stopped.status == BillRun.Status.RUNNING and stopped.cursor == customers[0].pk
    monkeypatch.setattr(billrun, "_bill_chunk", real)
    resumed = run(units["PE01"], chunk=1)
    assert resumed.run.pk == stopped.pk and resumed.run.status == BillRun.Status.DONE
    assert resumed.run.issued == 3
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [1, 2, 3]


def test_a_time_of_use_business_is_billed_per_band(units):
    customer = factories.customer(purpose="BUSINESS", voltage="LT_6KV")
    meter = data.meter_of(customer)
    meter.registers = Meter.Registers.TOU
    meter.save()
    first = date(2025, 5, 31)
    data.load(
        data.days(meter, first, (31, 10), register="BT"),
        data.days(meter, first, (31, 3), register="CD"),
        data.days(meter, first, (31, 2), register="TD"),
    )
    run(units["PE01"], date(2025, 6, 30))
    invoice = Invoice.objects.get()
    assert sorted((line.band, line.kwh, line.price) for line in invoice.lines.all()) == [
        ("NORMAL", 300, 3152),
        ("OFFPEAK", 60, 1918),
        ("PEAK", 90, 5422),
    ]
    assert [row.register for row in invoice.registers.order_by("position")] == ["BT", "CD", "TD"]


def test_only_the_route_of_the_day_is_billed(units):
    on_the_15th = household(reading_day=15)
    household()
    run(units["PE01"])
    assert not Invoice.objects.filter(customer=on_the_15th).exists()
    assert Invoice.objects.count() == 1


def test_a_route_read_mid_month_is_billed_from_its_days(units):
    household(reading_day=15, first=date(2025, 3, 15), days=40)
    summary = run(units["PE01"], date(2025, 4, 15))
    assert summary.run.issued == 1 and Invoice.objects.get().kwh == 310  # 16/03…15/04


def test_a_calendar_month_is_read_from_the_rollups_as_from_the_days(units):
    """A route read on the month's last day is billed from the monthly rollups; they
    give what the days give, whichever days are missing or whichever meter replaced."""
    household()
    household(first=date(2025, 4, 1), days=30)  # not read on 31/03
    household(days=30)  # not read on 30/04
    household(first=date(2025, 3, 1), days=20)  # read in March only
    business = factories.customer(purpose="BUSINESS", voltage="LT_6KV")
    tou = data.meter_of(business)
    tou.registers = Meter.Registers.TOU
    tou.save()
    data.load(
        *(
            data.days(tou, date(2025, 3, 31), (31, kwh), register=register)
            for register, kwh in (("BT", 10), ("CD", 3), ("TD", 2))
        )
    )
    old = data.meter_of(factories.customer())
    new = data.replace_meter(old, on=date(2025, 4, 11), number="NEW0001", multiplier=40)
    data.load(
        data.days(old, date(2025, 3, 31), (11, 10)),
        data.days(new, date(2025, 4, 11), (20, 12), index_kwh=0),
    )
    meters = sorted(Meter.objects.values_list("pk", flat=True))
    start = date(2025, 3, 31)
    assert billrun.is_calendar_month(start, APRIL_END)
    assert not billrun.is_calendar_month(date(2025, 3, 15), date(2025, 4, 15))
    columns = ("meter_id", "register", "period_wh", "old_index", "new_index")
    from_days = sorted(billrun._day_usage(meters, start, APRIL_END).values_list(*columns))
    assert len({row[0] for row in from_days}) == 6
    assert sorted(billrun._month_usage(meters, start, APRIL_END).values_list(*columns)) == from_days
    summary = run(units["PE01"])
    assert summary.run.issued == 2  # the business's prices begin on 10/05/2025
    assert summary.problems == {"NO_READING": 2, "NO_PREVIOUS": 1, "NO_TARIFF": 1}


def test_a_second_correction_adjusts_against_what_was_billed_so_far(units):
    customer = household()
    run(units["PE01"])
    meter = data.meter_of(customer)
    for wh in (30_000, 45_000):  # the 20th re-read twice: +20 kWh, then +15 more
        reread(meter, date(2025, 4, 20), wh=wh)
        run(units["PE01"])
    adjustments = Invoice.objects.filter(kind=Invoice.Kind.ADJUSTMENT).order_by("pk")
    assert [adjustment.kwh for adjustment in adjustments] == [20, 15]
    rows = list(Invoice.objects.filter(customer=customer))
    fresh = household(kwh_per_day=10)
    reread(data.meter_of(fresh), date(2025, 4, 20), wh=45_000)
    run(units["PE01"])
    billed_once = Invoice.objects.get(customer=fresh)
    assert sum(row.total for row in rows) == billed_once.total
    assert sum(row.subtotal for row in rows) == billed_once.subtotal


@pytest.mark.django_db(transaction=True)  # each chunk commits: what it found is remembered
def test_customers_priced_alike_share_their_lines(units, monkeypatch):
    factories.tariffs_on_file()  # flushed by an earlier test that commits
    household(kwh_per_day=10)
    household(kwh_per_day=10)
    household(kwh_per_day=12)
    looked_up = []
    find = invoices._pricings

    def counted(wanted):
        looked_up.append(len(wanted))
        return find(wanted)

    monkeypatch.setattr(invoices, "_pricings", counted)
    run(units["PE01"], chunk=1)
    assert looked_up == [1, 0, 1]  # the second customer's bill: known from the first chunk
    assert Invoice.objects.count() == 3
    assert Pricing.objects.count() == 2 and InvoiceLine.objects.count() == 9
    ten, other, twelve = Invoice.objects.order_by("pk")
    assert ten.pricing_id == other.pricing_id != twelve.pricing_id
    assert [line.kwh for line in twelve.lines.order_by("position")] == [50, 50, 100, 100, 60]
    household(kwh_per_day=10, unit_code="PD0100")
    run(units["PD01"])  # another run finds the pricing on file
    assert Pricing.objects.count() == 2 and InvoiceLine.objects.count() == 9


@pytest.mark.django_db(transaction=True)  # the chunks are written by two threads
def test_a_chunk_that_fails_takes_the_chunk_after_it_along(units, monkeypatch):
    """Chunks commit in order: when chunk 2 fails, chunk 3, whose notices and reading
    rows may already be written, rolls back with it, and the run resumes after chunk 1
    with numbers and notices as if nothing had happened."""
    factories.tariffs_on_file()
    customers = [household() for _ in range(4)]
    real = invoices.store

    def failing(batch, **kwargs):
        if batch.invoices[0][0] == customers[1].pk:
            raise RuntimeError("the disk is full")
        return real(batch, **kwargs)

    monkeypatch.setattr(invoices, "store", failing)
    with pytest.raises(RuntimeError, match="the disk is full"):
        run(units["PE01"], chunk=1)
    stopped = BillRun.objects.get()
    assert stopped.status == BillRun.Status.RUNNING and stopped.cursor == customers[0].pk
    assert Invoice.objects.count() == Notice.objects.count() == 1
    assert InvoiceRegister.objects.count() == 1
    monkeypatch.setattr(invoices, "store", real)
    resumed = run(units["PE01"], chunk=1)
    assert (resumed.run.pk, resumed.run.issued) == (stopped.pk, 4)
    numbered = Invoice.objects.order_by("customer_id").values_list("customer_id", "number")
    assert list(numbered) == [(customer.pk, n) for n, customer in enumerate(customers, 1)]
    assert Notice.objects.count() == InvoiceRegister.objects.count() == 4


def test_a_pricing_written_meanwhile_by_another_run_is_used_as_it_is(units, monkeypatch):
    customer = household()
    written = invoices._insert_digests

    def another_run_first(digests):
        for digest in digests:  # the other run's transaction commits first, lines and all
            pricing = Pricing.objects.create(digest=digest)
            InvoiceLine.objects.create(
                pricing=pricing, position=1, segment_start=APRIL_END, segment_end=MAY_END,
                segment_days=31, tariff="theirs", kwh=0, price=0, amount=0,
            )  # fmt: skip
        return written(digests)

    monkeypatch.setattr(invoices, "_insert_digests", another_run_first)
    run(units["PE01"])
    invoice = Invoice.objects.get(customer=customer)
    assert [line.tariff for line in invoice.lines.all()] == ["theirs"]  # not written twice
    assert InvoiceLine.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_migrations_move_the_lines_between_invoices_and_pricings(units):
    factories.tariffs_on_file()
    for kwh_per_day in (10, 10, 12):
        household(kwh_per_day=kwh_per_day)
    run(units["PE01"])
    lines_of = {invoice.pk: _lines(invoice.lines.all()) for invoice in Invoice.objects.all()}
    assert len(lines_of) == 3
    executor = MigrationExecutor(connection)
    leaf = executor.loader.graph.leaf_nodes("billing")
    before = [("billing", "0004_drop_redundant_indexes")]
    executor.migrate(before)  # each invoice gets its own copy of its lines back
    executor.loader.build_graph()
    old = executor.loader.project_state(before).apps.get_model("billing", "Invoice")
    assert {
        invoice.pk: _lines(invoice.lines.order_by("position")) for invoice in old.objects.all()
    } == lines_of
    executor.migrate(leaf)  # and they are shared again
    assert Pricing.objects.count() == 2 and InvoiceLine.objects.count() == 9
    assert {invoice.pk: _lines(invoice.lines.all()) for invoice in Invoice.objects.all()} == (
        lines_of
    )


def _lines(lines) -> list[tuple]:
    return [(line.position, line.segment_start, line.tariff, line.kwh) for line in lines]
