"""Publishing, changing and cancelling an outage (cskh.outages.services): what is
stored, and the one notice to every account linked to an affected customer."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from cskh.accounts.models import User
from cskh.core.errors import InvalidInput
from cskh.notifications import queries as notices
from cskh.notifications.models import Audience, Category, Notice
from cskh.outages import services
from cskh.outages.models import Outage, OutageCustomer
from tests import factories
from tests.outages.conftest import days_ahead, linked_account, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(units):
    """Two customers of PE0100 on feeder 475E1.4, one more of PE0100 elsewhere, one
    of PD0100; the first is followed by its holder and by a relative."""
    feeder = factories.customer(unit_code="PE0100", feeder="475E1.4")
    neighbour = factories.customer(unit_code="PE0100", feeder="475E1.4")
    elsewhere = factories.customer(unit_code="PE0100", feeder="471E1.2")
    hanoi = factories.customer(unit_code="PD0100", feeder="475E1.4")
    return {
        "customer": feeder,
        "neighbour": neighbour,
        "elsewhere": elsewhere,
        "hanoi": hanoi,
        "holder": linked_account(feeder),
        "relative": linked_account(feeder, relation="OTHER"),
        "neighbour_holder": linked_account(neighbour),
        "elsewhere_holder": linked_account(elsewhere),
        "hanoi_holder": linked_account(hanoi),
        "unlinked": factories.account(),
    }


def publish(unit, customers, **fields) -> Outage:
    return services.publish(
        plan=make_plan(unit, **fields), customers=customers, by=None, now=timezone.now()
    )


def seen_by(notice: Notice) -> set[str]:
    """The phones of every account that sees `notice` (and has it unread)."""
    now = timezone.now()
    phones = set()
    for account in User.objects.all():
        if notices.visible(account, now=now).filter(pk=notice.pk).exists():
            assert notices.unread(account, now=now).filter(pk=notice.pk).exists()
            phones.add(account.phone)
    return phones


def phones(*accounts) -> set[str]:
    return {account.phone for account in accounts}


def english(notice: Notice) -> tuple[str, str]:
    return notice.title("en"), notice.body("en")


# ---------------------------------------------------------------- publish


def test_publish_stores_the_outage_and_its_customers(units, people):
    by = factories.account(is_staff=True)
    plan = make_plan(units["PE0100"])
    outage = services.publish(
        plan=plan, customers=[people["customer"], people["neighbour"]], by=by, now=timezone.now()
    )

    outage.refresh_from_db()
    assert (outage.unit, outage.start_at, outage.end_at) == (
        units["PE0100"],
        plan.start_at,
        plan.end_at,
    )
    assert (outage.area, outage.line, outage.reason) == (plan.area, plan.line, plan.reason)
    assert outage.created_by == by
    assert outage.cancelled_at is None
    assert set(OutageCustomer.objects.filter(outage=outage).values_list("customer", flat=True)) == {
        people["customer"].pk,
        people["neighbour"].pk,
    }


def test_publish_tells_every_linked_account_and_nobody_else(units, people):
    outage = publish(units["PE0100"], [people["customer"], people["neighbour"]])

    notice = Notice.objects.get()
    assert notice.category == Category.INCIDENT
    assert notice.audience == Audience.CUSTOMERS
    assert notice.link == f"/outages/{outage.pk}/"
    assert set(notice.recipients.values_list("customer", flat=True)) == {
        people["customer"].pk,
        people["neighbour"].pk,
    }
    assert seen_by(notice) == phones(
        people["holder"], people["relative"], people["neighbour_holder"]
    )
    now = timezone.now()
    for name in ("holder", "relative", "neighbour_holder"):
        assert notices.unread_count(people[name], now=now) == 1
    for name in ("elsewhere_holder", "hanoi_holder", "unlinked"):
        assert notices.unread_count(people[name], now=now) == 0


def test_an_account_linked_later_sees_the_notice_too(units, people):
    publish(units["PE0100"], [people["customer"]])
    newcomer = linked_account(people["customer"], relation="OTHER")
    assert notices.unread_count(newcomer, now=timezone.now()) == 1


def test_the_notice_says_what_when_where_and_who(units, people):
    start = days_ahead(7, 8)
    publish(
        units["PE0100"],
        [people["customer"]],
        start_at=start,
        end_at=start + timedelta(hours=9, minutes=30),
        area="Phố Hàng Bạc",
        line="ĐZ 22kV lộ 475E1.4",
        reason="Thay máy biến áp",
    )
    title, body = english(Notice.objects.get())
    day = f"{timezone.localtime(start):%d/%m/%Y}"
    assert title == f"Outage planned from {day} 08:00"
    assert f"from {day} 08:00 to {day} 17:30 (expected restoration)" in body
    assert "Area: Phố Hàng Bạc." in body
    assert "ĐZ 22kV lộ 475E1.4." in body
    assert "Reason: Thay máy biến áp." in body
    assert "Work by Branch PE0100." in body
    assert "What changed" not in body


def test_a_reduction_notice_gives_the_capacity_limit(units, people):
    publish(units["PE0100"], [people["customer"]], kind=Outage.Kind.REDUCTION, capacity_kw=250)
    title, body = english(Notice.objects.get())
    assert title.startswith("Reduction of supply planned from")
    assert body.endswith("Capacity limit: 250 kW.")


def test_without_a_line_the_notice_skips_it(units, people):
    publish(units["PE0100"], [people["customer"]], line="")
    _title, body = english(Notice.objects.get())
    assert "(expected restoration). Area: Phố Hàng Bạc, Hàng Bè (phường Hàng Bạc). Reason:" in body


def test_the_vietnamese_texts_are_filled_and_translated(units, people):
    start = days_ahead(7, 8)
    publish(units["PE0100"], [people["customer"]], start_at=start)
    notice = Notice.objects.get()
    assert notice.title_vi and notice.body_vi and notice.title_en and notice.body_en
    assert notice.title_vi != notice.title_en
    assert notice.body_vi != notice.body_en
    # the Vietnamese date format: time first
    assert f"08:00 {timezone.localtime(start):%d/%m/%Y}" in notice.title_vi
    assert "Phố Hàng Bạc" in notice.body_vi


def test_publish_refuses_a_start_too_soon_and_stores_nothing(units, people):
    with pytest.raises(InvalidInput) as raised:
        publish(units["PE0100"], [people["customer"]], start_at=days_ahead(2))
    assert set(raised.value.fields) == {"start_at"}
    assert not Outage.objects.exists()
    assert not Notice.objects.exists()


def test_an_emergency_is_published_at_once(units, people):
    start = timezone.now() + timedelta(hours=2)
    outage = publish(
        units["PE0100"],
        [people["customer"]],
        start_at=start,
        end_at=start + timedelta(hours=4),
        emergency=True,
    )
    assert outage.emergency
    assert notices.unread_count(people["holder"], now=timezone.now()) == 1


# ---------------------------------------------------------------- change


def change(outage, customers, *, now=None, **fields) -> Outage:
    plan = {name: getattr(outage, name) for name in services.Plan.__dataclass_fields__}
    plan.update(fields)
    return services.change(
        outage=outage,
        plan=services.Plan(**plan),
        customers=customers,
        now=now or timezone.now(),
    )


@pytest.fixture
def outage(units, people):
    return publish(units["PE0100"], [people["customer"], people["neighbour"]])


def last_notice() -> Notice:
    return Notice.objects.order_by("-id").first()


def test_a_new_start_and_end_are_told_to_the_customers(outage, people):
    customers = [people["customer"], people["neighbour"]]
    start = outage.start_at + timedelta(days=1)
    changed = change(outage, customers, start_at=start, end_at=start + timedelta(hours=4))

    changed.refresh_from_db()
    assert (changed.start_at, changed.end_at) == (start, start + timedelta(hours=4))
    assert Notice.objects.count() == 2
    notice = last_notice()
    assert notice.category == Category.INCIDENT
    assert notice.link == f"/outages/{outage.pk}/"
    title, body = english(notice)
    day = f"{timezone.localtime(start):%d/%m/%Y}"
    assert title == f"Changed: Outage from {day} 08:00"
    assert body.startswith("What changed: start, expected restoration. ")
    assert f"from {day} 08:00 to {day} 12:00" in body
    assert seen_by(notice) == phones(
        people["holder"], people["relative"], people["neighbour_holder"]
    )
    assert notices.unread_count(people["holder"], now=timezone.now()) == 2
    assert notice.title_vi != notice.title_en
    assert "Nội dung thay đổi" in notice.body_vi


def test_a_new_end_only_names_the_restoration(outage, people):
    change(
        outage,
        [people["customer"], people["neighbour"]],
        end_at=outage.end_at + timedelta(hours=2),
    )
    _title, body = english(last_notice())
    assert body.startswith("What changed: expected restoration. ")


def test_other_fields_are_named_too(outage, people):
    change(
        outage,
        [people["customer"], people["neighbour"]],
        area="Phố Mã Mây",
        reason="Thay cáp ngầm",
    )
    _title, body = english(last_notice())
    assert body.startswith("What changed: area, reason. ")
    assert "Area: Phố Mã Mây." in body


def test_removed_customers_are_told_and_new_ones_too(outage, people):
    changed = change(outage, [people["customer"], people["elsewhere"]])

    assert set(changed.customers.all()) == {people["customer"], people["elsewhere"]}
    notice = last_notice()
    assert english(notice)[1].startswith("What changed: the affected customers. ")
    # the neighbour is no longer affected, and is told so by the same notice
    assert seen_by(notice) == phones(
        people["holder"],
        people["relative"],
        people["neighbour_holder"],
        people["elsewhere_holder"],
    )
    assert notices.unread_count(people["hanoi_holder"], now=timezone.now()) == 0


def test_a_change_that_changes_nothing_tells_nobody(outage, people):
    change(outage, [people["neighbour"], people["customer"]])
    assert Notice.objects.count() == 1


def test_a_change_of_an_outage_published_in_time_keeps_its_start(outage, people):
    # three days before the work, the restoration is moved: the start did not change
    later = outage.start_at - timedelta(days=3)
    change(
        outage,
        [people["customer"], people["neighbour"]],
        now=later,
        end_at=outage.end_at + timedelta(hours=1),
    )
    assert Notice.objects.count() == 2


def test_moving_the_start_needs_the_notice_period_again(outage, people):
    with pytest.raises(InvalidInput) as raised:
        change(
            outage,
            [people["customer"], people["neighbour"]],
            start_at=timezone.now() + timedelta(days=2),
        )
    assert set(raised.value.fields) == {"start_at"}
    outage_before = Outage.objects.get(pk=outage.pk)
    assert outage_before.start_at == outage.start_at
    assert Notice.objects.count() == 1


def test_an_ended_outage_cannot_be_changed(outage, people):
    after = outage.end_at + timedelta(minutes=1)
    with translation.override("en"), pytest.raises(InvalidInput) as raised:
        change(outage, [people["customer"]], now=after, reason="Sửa lại")
    assert str(raised.value.message) == "This outage has ended; it cannot be changed."
    assert Outage.objects.get(pk=outage.pk).reason == outage.reason
    assert Notice.objects.count() == 1


def test_an_ended_outage_cannot_be_cancelled(outage):
    with pytest.raises(InvalidInput):
        services.cancel(outage=outage, reason="Không cần", now=outage.end_at)
    assert not Outage.objects.get(pk=outage.pk).is_cancelled
    assert Notice.objects.count() == 1


# ---------------------------------------------------------------- cancel


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_cancelling_needs_a_reason(outage, reason):
    with translation.override("en"), pytest.raises(InvalidInput) as raised:
        services.cancel(outage=outage, reason=reason, now=timezone.now())
    assert raised.value.fields == {"cancel_reason": ["Say why the outage is cancelled."]}
    assert not Outage.objects.get(pk=outage.pk).is_cancelled
    assert Notice.objects.count() == 1


def test_cancelling_tells_the_customers_why(outage, people):
    now = timezone.now()
    services.cancel(outage=outage, reason="  Thời tiết xấu  ", now=now)

    outage.refresh_from_db()
    assert outage.cancelled_at == now
    assert outage.cancel_reason == "Thời tiết xấu"
    notice = last_notice()
    assert notice.category == Category.INCIDENT
    title, body = english(notice)
    assert title.startswith("Cancelled: Outage from ")
    assert body.startswith("This outage will not take place (Thời tiết xấu). ")
    assert seen_by(notice) == phones(
        people["holder"], people["relative"], people["neighbour_holder"]
    )
    assert notice.title_vi != notice.title_en


def test_a_cancelled_outage_cannot_be_changed_or_cancelled_again(outage, people):
    services.cancel(outage=outage, reason="Thời tiết xấu", now=timezone.now())
    with translation.override("en"), pytest.raises(InvalidInput) as raised:
        change(outage, [people["customer"]], reason="Làm lại")
    assert str(raised.value.message) == "This outage was cancelled; it cannot be changed."
    with pytest.raises(InvalidInput):
        services.cancel(outage=outage, reason="Lần nữa", now=timezone.now())
    outage.refresh_from_db()
    assert outage.cancel_reason == "Thời tiết xấu"
    assert outage.reason != "Làm lại"
    assert Notice.objects.count() == 2
