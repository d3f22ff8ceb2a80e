"""Who sees a notice: everyone, a unit and everything under it, a list of customers
(every account linked to them), one account; only once published; only from
NOTICE_HISTORY_DAYS before the account registered. And `notify_customer`, the
service other apps call for personal notices."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from cskh.customers.models import CustomerLink, Unit
from cskh.notifications import queries, services
from cskh.notifications.models import Audience, Category, Notice, NoticeCustomer
from tests import factories
from tests.notifications.conftest import linked_account, make_notice

pytestmark = pytest.mark.django_db


def sees(account, notice, *, now=None) -> bool:
    return queries.visible(account, now=now or timezone.now()).filter(pk=notice.pk).exists()


def seen_ids(account, *, now=None) -> list[int]:
    return sorted(queries.visible(account, now=now or timezone.now()).values_list("id", flat=True))


# ---------------------------------------------------------------- everyone


def test_everyone_reaches_every_account(units, saigon, hanoi):
    unlinked = factories.account()
    notice = make_notice(audience=Audience.EVERYONE)
    for account in (saigon, hanoi, unlinked):
        assert sees(account, notice)


# ---------------------------------------------------------------- a unit and everything under it


@pytest.mark.parametrize(
    ("unit_code", "saigon_sees", "hanoi_sees"),
    [
        ("EVN", True, True),
        ("EVNHCMC", True, False),
        ("PE01", True, False),
        ("PE0100", True, False),
        ("EVNHANOI", False, True),
        ("PD01", False, True),
        ("PD0100", False, True),
    ],
)
def test_a_unit_notice_reaches_the_customers_under_it_and_nobody_else(
    units, saigon, hanoi, unit_code, saigon_sees, hanoi_sees
):
    notice = make_notice(audience=Audience.UNIT, unit=units[unit_code])
    assert sees(saigon, notice) is saigon_sees
    assert sees(hanoi, notice) is hanoi_sees


def test_a_corporation_notice_does_not_leak_to_another_corporation(units, saigon, hanoi):
    saigon_notice = make_notice(audience=Audience.UNIT, unit=units["EVNHCMC"])
    hanoi_notice = make_notice(audience=Audience.UNIT, unit=units["EVNHANOI"])
    assert seen_ids(saigon) == [saigon_notice.pk]
    assert seen_ids(hanoi) == [hanoi_notice.pk]


def test_a_branch_notice_does_not_reach_the_sibling_branch(units, saigon):
    sibling = Unit.objects.create(
        code="PE0101", name="Quận 3", level=Unit.Level.BRANCH, parent=units["PE01"]
    )
    neighbour, neighbour_customer = linked_account("PE0100")
    neighbour_customer.unit = sibling
    neighbour_customer.save()

    to_branch = make_notice(audience=Audience.UNIT, unit=units["PE0100"])
    to_sibling = make_notice(audience=Audience.UNIT, unit=sibling)
    to_company = make_notice(audience=Audience.UNIT, unit=units["PE01"])

    assert seen_ids(saigon) == sorted([to_branch.pk, to_company.pk])
    assert seen_ids(neighbour) == sorted([to_sibling.pk, to_company.pk])


def test_a_unit_whose_code_starts_like_another_does_not_match_it(units, saigon):
    """PE0100 is not under a unit called PE010 (codes are matched whole, not as prefixes)."""
    look_alike = Unit.objects.create(
        code="PE010", name="Look-alike", level=Unit.Level.COMPANY, parent=units["EVNHCMC"]
    )
    notice = make_notice(audience=Audience.UNIT, unit=look_alike)
    assert not sees(saigon, notice)


def test_an_account_linked_in_two_corporations_sees_each_notice_once(units):
    account, _ = linked_account("PE0100")
    factories.link(account, factories.customer(unit_code="PD0100"))
    factories.link(account, factories.customer(unit_code="PE0100"))
    notices = [
        make_notice(audience=Audience.EVERYONE),
        make_notice(audience=Audience.UNIT, unit=units["EVN"]),
        make_notice(audience=Audience.UNIT, unit=units["PE01"]),
        make_notice(audience=Audience.UNIT, unit=units["PD0100"]),
        make_notice(
            audience=Audience.CUSTOMERS,
            customers=[link.customer for link in account.customer_links.all()],
        ),
    ]
    visible = list(queries.visible(account, now=timezone.now()).values_list("id", flat=True))
    assert sorted(visible) == sorted(notice.pk for notice in notices)
    assert queries.visible(account, now=timezone.now()).count() == len(notices)


def test_a_unit_notice_follows_the_customer_when_it_moves_to_another_unit(units, saigon):
    notice = make_notice(audience=Audience.UNIT, unit=units["PE01"])
    customer = saigon.customer_links.get().customer
    customer.unit = units["PD0100"]
    customer.save()
    assert not sees(saigon, notice)


# ---------------------------------------------------------------- a list of customers


def test_a_customers_notice_reaches_every_account_linked_to_them_and_nobody_else(units):
    customer = factories.customer(unit_code="PE0100")
    holder = factories.account()
    factories.link(holder, customer, relation="OWNER")
    tenant = factories.account()
    factories.link(tenant, customer, relation="OTHER")
    same_branch, _ = linked_account("PE0100")
    unlinked = factories.account()

    notice = make_notice(audience=Audience.CUSTOMERS, customers=[customer])

    assert sees(holder, notice)
    assert sees(tenant, notice)
    assert not sees(same_branch, notice)
    assert not sees(unlinked, notice)


def test_a_customers_notice_is_seen_by_an_account_that_links_later_and_lost_on_unlink(units):
    customer = factories.customer(unit_code="PD0100")
    notice = make_notice(audience=Audience.CUSTOMERS, customers=[customer])
    account = factories.account()
    assert not sees(account, notice)

    factories.link(account, customer)
    assert sees(account, notice)

    CustomerLink.objects.filter(account=account).delete()
    assert not sees(account, notice)


# ---------------------------------------------------------------- one account


def test_an_account_notice_reaches_only_that_account(units):
    customer = factories.customer()
    mine = factories.account()
    factories.link(mine, customer)
    other = factories.account()
    factories.link(other, customer, relation="OTHER")

    notice = make_notice(audience=Audience.ACCOUNT, account=mine)

    assert sees(mine, notice)
    assert not sees(other, notice)


# ---------------------------------------------------------------- when


@pytest.mark.parametrize("audience", [Audience.EVERYONE, Audience.UNIT, Audience.ACCOUNT])
def test_a_draft_is_invisible(units, saigon, audience):
    notice = make_notice(
        audience=audience,
        unit=units["PE01"] if audience == Audience.UNIT else None,
        account=saigon if audience == Audience.ACCOUNT else None,
        draft=True,
    )
    now = timezone.now()
    for moment in (now, now + timedelta(days=3650)):
        assert not sees(saigon, notice, now=moment)


def test_a_scheduled_notice_is_invisible_until_its_time(units, saigon, hanoi):
    now = timezone.now()
    at = now + timedelta(hours=2)
    notice = make_notice(audience=Audience.UNIT, unit=units["EVNHCMC"], publish_at=at)

    assert not sees(saigon, notice, now=now)
    assert not sees(saigon, notice, now=at - timedelta(microseconds=1))
    assert sees(saigon, notice, now=at)
    assert sees(saigon, notice, now=at + timedelta(days=1))
    assert not sees(hanoi, notice, now=at + timedelta(days=1))


def test_a_notice_older_than_the_history_window_is_not_shown_to_a_new_account(units, settings):
    days = settings.NOTICE_HISTORY_DAYS
    now = timezone.now()
    old = make_notice(publish_at=now - timedelta(days=days + 1))
    recent = make_notice(publish_at=now - timedelta(days=days - 1))
    newcomer = factories.account(created_at=now)
    long_standing = factories.account(created_at=now - timedelta(days=400))

    assert seen_ids(newcomer, now=now) == [recent.pk]
    assert seen_ids(long_standing, now=now) == sorted([old.pk, recent.pk])


def test_the_history_window_follows_the_setting(units, settings):
    settings.NOTICE_HISTORY_DAYS = 7
    now = timezone.now()
    account = factories.account(created_at=now)
    eight_days = make_notice(publish_at=now - timedelta(days=8))
    six_days = make_notice(publish_at=now - timedelta(days=6))
    assert seen_ids(account, now=now) == [six_days.pk]
    assert not sees(account, eight_days, now=now)


def test_the_history_window_applies_to_personal_notices_too(units):
    now = timezone.now()
    customer = factories.customer()
    old = make_notice(
        audience=Audience.CUSTOMERS, customers=[customer], publish_at=now - timedelta(days=400)
    )
    account = factories.account(created_at=now)
    factories.link(account, customer)
    assert not sees(account, old, now=now)


# ---------------------------------------------------------------- accounts without codes


def test_an_account_without_links_sees_only_everyone_and_its_own_notices(units):
    account = factories.account()
    other = factories.account()
    customer = factories.customer()
    everyone = make_notice(audience=Audience.EVERYONE)
    own = make_notice(audience=Audience.ACCOUNT, account=account)
    make_notice(audience=Audience.ACCOUNT, account=other)
    for code in ("EVN", "EVNHCMC", "PE01", "PE0100", "PD0100"):
        make_notice(audience=Audience.UNIT, unit=units[code])
    make_notice(audience=Audience.CUSTOMERS, customers=[customer])

    assert seen_ids(account) == sorted([everyone.pk, own.pk])


def test_the_category_filter(units, saigon):
    bill = make_notice(category=Category.BILL)
    incident = make_notice(category=Category.INCIDENT)
    make_notice(category=Category.MEDIA)
    now = timezone.now()
    assert list(queries.visible(saigon, now=now, category=Category.BILL)) == [bill]
    assert list(queries.visible(saigon, now=now, category=Category.INCIDENT)) == [incident]
    assert queries.visible(saigon, now=now).count() == 3


# ---------------------------------------------------------------- notify_customer


def render_bill():
    """Rendered under each language: a catalog string and the active language."""
    return gettext("Bills"), f"{gettext('Notices')} ({translation.get_language()})"


def test_notify_customer_stores_one_notice_whatever_the_number_of_accounts(units):
    customer = factories.customer(unit_code="PE0100")
    accounts = [factories.account() for _ in range(3)]
    for index, account in enumerate(accounts):
        factories.link(account, customer, relation="OWNER" if index == 0 else "OTHER")
    bystander, _ = linked_account("PE0100")
    now = timezone.now()

    notice = services.notify_customers(
        customers=[customer],
        category=Category.BILL,
        render=render_bill,
        link=f"/customers/{customer.code}/",
        now=now,
    )

    assert Notice.objects.count() == 1
    assert NoticeCustomer.objects.count() == 1
    assert NoticeCustomer.objects.get().customer == customer
    notice.refresh_from_db()
    assert (notice.audience, notice.category, notice.publish_at) == (
        Audience.CUSTOMERS,
        Category.BILL,
        now,
    )
    assert notice.link == f"/customers/{customer.code}/"
    assert (notice.title_vi, notice.body_vi) == ("Tiền điện", "Thông báo (vi)")
    assert (notice.title_en, notice.body_en) == ("Bills", "Notices (en)")
    assert notice.title("en") == "Bills"
    assert notice.title("vi") == "Tiền điện"
    for account in accounts:
        assert sees(account, notice, now=now)
    assert not sees(bystander, notice, now=now)


def test_notify_customer_leaves_the_active_language_as_it_was(units):
    customer = factories.customer()
    with translation.override("en"):
        services.notify_customers(
            customers=[customer], category=Category.BILL, render=render_bill, now=timezone.now()
        )
        assert translation.get_language() == "en"


def test_notify_customers_stores_one_notice_for_several_customers(units):
    first = factories.customer(unit_code="PE0100")
    second = factories.customer(unit_code="PD0100")
    first_account, second_account = factories.account(), factories.account()
    factories.link(first_account, first)
    factories.link(second_account, second)

    notice = services.notify_customers(
        customers=[first, second],
        category=Category.INCIDENT,
        render=render_bill,
        now=timezone.now(),
    )

    assert Notice.objects.count() == 1
    assert set(notice.recipients.values_list("customer_id", flat=True)) == {first.pk, second.pk}
    assert sees(first_account, notice)
    assert sees(second_account, notice)


def test_notify_account_reaches_only_that_account(units, saigon):
    other = factories.account()
    notice = services.notify_account(
        account=saigon, category=Category.MEDIA, render=render_bill, now=timezone.now()
    )
    assert notice.audience == Audience.ACCOUNT
    assert sees(saigon, notice)
    assert not sees(other, notice)
