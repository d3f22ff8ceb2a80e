"""Shared helpers of the notices tests: accounts linked to customers of each unit,
and notices made directly (the staff form and the services have tests of their own)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cskh.customers.models import Unit
from cskh.notifications.models import Audience, Category, Notice, NoticeCustomer
from tests import factories


def make_notice(
    *,
    audience: str = Audience.EVERYONE,
    unit: Unit | None = None,
    account=None,
    customers=(),
    category: str = Category.MEDIA,
    title_vi: str = "Thông báo thử",
    title_en: str = "",
    body_vi: str = "Nội dung thông báo.",
    body_en: str = "",
    link: str = "",
    publish_at=None,
    draft: bool = False,
    **fields,
) -> Notice:
    """A notice, published an hour ago unless `publish_at` is given or it is a draft."""
    if publish_at is None and not draft:
        publish_at = timezone.now() - timedelta(hours=1)
    notice = Notice.objects.create(
        audience=audience,
        unit=unit,
        account=account,
        category=category,
        title_vi=title_vi,
        title_en=title_en,
        body_vi=body_vi,
        body_en=body_en,
        link=link,
        publish_at=publish_at,
        **fields,
    )
    NoticeCustomer.objects.bulk_create(
        NoticeCustomer(notice=notice, customer=customer) for customer in customers
    )
    return notice


def linked_account(unit_code: str, **fields):
    """A new account linked to a new customer of `unit_code`; returns (account, customer)."""
    customer = factories.customer(unit_code=unit_code)
    account = factories.account(**fields)
    factories.link(account, customer)
    return account, customer


@pytest.fixture
def saigon(units):
    """An account linked to a customer of PE0100 (EVNHCMC → PE01 → PE0100)."""
    return linked_account("PE0100")[0]


@pytest.fixture
def hanoi(units):
    """An account linked to a customer of PD0100 (EVNHANOI → PD01 → PD0100)."""
    return linked_account("PD0100")[0]
