"""Read state: one row per notice read, and a watermark for "mark all read"; each
account has its own."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cskh.core.errors import NotFound
from cskh.notifications import queries, services
from cskh.notifications.models import Audience, NoticeRead, ReadWatermark
from tests import factories
from tests.notifications.conftest import linked_account, make_notice

pytestmark = pytest.mark.django_db


def unread(account, *, now=None) -> int:
    return queries.unread_count(account, now=now or timezone.now())


def read_flags(account, *, now=None) -> dict[int, bool]:
    result = queries.page(account, now=now or timezone.now(), category=None, number=1)
    return {notice.id: notice.is_read for notice in result["items"]}


@pytest.fixture
def three(saigon):
    """Three notices saigon sees, published 3, 2 and 1 hours ago."""
    now = timezone.now()
    return [make_notice(publish_at=now - timedelta(hours=hours)) for hours in (3, 2, 1)]


def test_unread_counts_the_published_notices_the_account_sees(units, saigon, hanoi, three):
    make_notice(draft=True)
    make_notice(publish_at=timezone.now() + timedelta(hours=1))
    make_notice(audience=Audience.UNIT, unit=units["PD01"])
    assert unread(saigon) == 3
    assert unread(hanoi) == 4
    assert unread(factories.account()) == 3


def test_mark_one_read(saigon, three):
    now = timezone.now()
    notice = services.mark_read(account=saigon, notice_id=three[1].pk, now=now)

    assert notice == three[1]
    assert unread(saigon) == 2
    assert read_flags(saigon) == {three[0].pk: False, three[1].pk: True, three[2].pk: False}
    read = NoticeRead.objects.get()
    assert (read.account, read.notice, read.read_at) == (saigon, three[1], now)


def test_mark_read_twice_is_fine(saigon, three):
    first = timezone.now()
    services.mark_read(account=saigon, notice_id=three[0].pk, now=first)
    services.mark_read(account=saigon, notice_id=three[0].pk, now=first + timedelta(minutes=5))

    assert unread(saigon) == 2
    assert NoticeRead.objects.count() == 1
    assert NoticeRead.objects.get().read_at == first  # the first reading is kept


def test_mark_all_read_then_later_notices_are_unread(saigon, three):
    now = timezone.now()
    services.mark_all_read(account=saigon, now=now)

    assert unread(saigon, now=now) == 0
    assert set(read_flags(saigon, now=now).values()) == {True}
    assert ReadWatermark.objects.get(account=saigon).read_before == now

    later = make_notice(publish_at=now + timedelta(minutes=1))
    after = now + timedelta(minutes=2)
    assert unread(saigon, now=after) == 1
    assert [notice.pk for notice in queries.unread(saigon, now=after)] == [later.pk]
    assert read_flags(saigon, now=after)[later.pk] is False
    assert read_flags(saigon, now=after)[three[0].pk] is True


def test_a_notice_scheduled_before_mark_all_read_is_unread_when_it_comes_out(saigon, three):
    now = timezone.now()
    scheduled = make_notice(publish_at=now + timedelta(days=1))
    services.mark_all_read(account=saigon, now=now)

    assert unread(saigon, now=now) == 0
    assert unread(saigon, now=now + timedelta(days=1)) == 1
    assert read_flags(saigon, now=now + timedelta(days=1))[scheduled.pk] is False


def test_reading_one_after_mark_all_read_still_works(saigon, three):
    now = timezone.now()
    services.mark_read(account=saigon, notice_id=three[0].pk, now=now)
    services.mark_all_read(account=saigon, now=now + timedelta(seconds=1))
    services.mark_all_read(account=saigon, now=now + timedelta(seconds=2))  # again: fine
    assert ReadWatermark.objects.filter(account=saigon).count() == 1

    later = make_notice(publish_at=now + timedelta(minutes=1))
    then = now + timedelta(minutes=2)
    assert unread(saigon, now=then) == 1
    services.mark_read(account=saigon, notice_id=later.pk, now=then)
    services.mark_read(account=saigon, notice_id=three[1].pk, now=then)  # already read: fine
    assert unread(saigon, now=then) == 0
    assert set(read_flags(saigon, now=then).values()) == {True}


def test_read_state_is_per_account(units, saigon, three):
    other, _ = linked_account("PE0100")
    services.mark_read(account=saigon, notice_id=three[0].pk, now=timezone.now())
    assert unread(saigon) == 2
    assert unread(other) == 3
    assert set(read_flags(other).values()) == {False}

    services.mark_all_read(account=other, now=timezone.now())
    assert unread(other) == 0
    assert unread(saigon) == 2
    assert read_flags(saigon)[three[1].pk] is False


def test_marking_a_notice_not_addressed_to_you_is_not_found(units, saigon, hanoi):
    theirs = make_notice(audience=Audience.UNIT, unit=units["PD01"])
    personal = make_notice(audience=Audience.ACCOUNT, account=hanoi)
    for notice in (theirs, personal):
        with pytest.raises(NotFound) as caught:
            services.mark_read(account=saigon, notice_id=notice.pk, now=timezone.now())
        assert caught.value.code == "notice_not_found"
    assert not NoticeRead.objects.exists()
    assert unread(hanoi) == 2


def test_marking_a_draft_a_scheduled_or_a_missing_notice_is_not_found(saigon):
    now = timezone.now()
    draft = make_notice(draft=True)
    scheduled = make_notice(publish_at=now + timedelta(hours=1))
    for notice_id in (draft.pk, scheduled.pk, scheduled.pk + 1000):
        with pytest.raises(NotFound):
            services.mark_read(account=saigon, notice_id=notice_id, now=now)
    services.mark_read(account=saigon, notice_id=scheduled.pk, now=now + timedelta(hours=1))
    assert NoticeRead.objects.get().notice == scheduled


def test_an_old_notice_outside_the_history_window_cannot_be_marked(units, settings):
    now = timezone.now()
    old = make_notice(publish_at=now - timedelta(days=settings.NOTICE_HISTORY_DAYS + 5))
    account = factories.account(created_at=now)
    with pytest.raises(NotFound):
        services.mark_read(account=account, notice_id=old.pk, now=now)
    assert unread(account, now=now) == 0
