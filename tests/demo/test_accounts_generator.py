"""`manage.py load_demo --accounts M`: generated customer accounts, each holding one
generated customer and sometimes following a second; deterministic and idempotent."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cskh.accounts.models import User
from cskh.core import codes
from cskh.customers.models import CustomerLink
from cskh.demo import accounts, generator
from cskh.notifications import queries
from cskh.notifications.models import Audience, Notice

pytestmark = pytest.mark.django_db

CUSTOMERS = 60
ACCOUNTS = 40


def load_demo(customers: int = CUSTOMERS, accounts: int = ACCOUNTS, **options) -> str:
    out = StringIO()
    call_command("load_demo", customers=customers, accounts=accounts, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo(db):
    return load_demo()


def generated_accounts():
    return User.objects.filter(phone__startswith=generator.ACCOUNT_PHONE_PREFIX)


def generated_links():
    return CustomerLink.objects.filter(account__in=generated_accounts())


def snapshot() -> list[tuple]:
    """Every generated account with what it follows, independent of ids and clocks."""
    return sorted(
        (
            user.phone,
            user.full_name,
            user.cccd,
            tuple(
                (link.customer.code, link.relation, link.proof, link.is_default)
                for link in user.customer_links.select_related("customer").order_by(
                    "-is_default", "customer__code"
                )
            ),
        )
        for user in generated_accounts().prefetch_related("customer_links")
    )


# ---------------------------------------------------------------- what it creates


def test_it_creates_the_accounts_asked_for(demo):
    assert set(generated_accounts().values_list("phone", flat=True)) == {
        generator.account_phone(i) for i in range(ACCOUNTS)
    }
    assert "demo data: 60 new customers of 60; 40 new accounts of 40" in demo


def test_phones_are_valid_mobile_numbers(demo):
    for phone in generated_accounts().values_list("phone", flat=True):
        assert codes.normalize_phone(phone) == phone
    assert generator.account_phone(generator.MAX_ACCOUNTS - 1) == "+84979999999"


def test_names_are_vietnamese(demo):
    family_names = {family for family, _weight in generator.names.FAMILY}
    for full_name in generated_accounts().values_list("full_name", flat=True):
        assert len(full_name.split()) == 3
        assert full_name.split()[0] in family_names


def test_every_account_has_exactly_one_default_link(demo):
    defaults = Counter(generated_links().filter(is_default=True).values_list("account", flat=True))
    assert set(defaults) == set(generated_accounts().values_list("id", flat=True))
    assert set(defaults.values()) == {1}


def test_links_are_to_generated_customers_one_owned_and_maybe_one_followed(demo):
    branches = generator.ensure_units()
    generated_codes = {generator.customer_code(i, branches) for i in range(CUSTOMERS)}
    per_account = Counter(generated_links().values_list("account", flat=True))
    assert set(per_account.values()) == {1, 2}  # both kinds occur with this seed
    for link in generated_links().select_related("customer", "account"):
        assert link.customer.code in generated_codes
        if link.is_default:
            assert link.relation == CustomerLink.Relation.OWNER
            assert link.proof in generator.OWNER_PROOFS
            assert link.account.cccd == link.customer.holder_cccd
        else:
            assert link.relation == CustomerLink.Relation.OTHER
            assert link.proof == CustomerLink.Proof.METER_NUMBER


def test_they_share_one_password_hash_computed_once(db, monkeypatch):
    calls = []
    real = generator.make_password

    def counting(password, *args, **kwargs):
        calls.append(password)
        return real(password, *args, **kwargs)

    monkeypatch.setattr(generator, "make_password", counting)

    load_demo()

    assert calls == [accounts.DEMO_PASSWORD]
    assert generated_accounts().values("password").distinct().count() == 1
    assert generated_accounts().first().check_password(accounts.DEMO_PASSWORD)


def test_a_generated_account_logs_in(demo, api):
    response = api.login(generator.account_phone(7), accounts.DEMO_PASSWORD)
    assert response["access_token"]


def test_they_see_a_notice_to_the_corporation_of_a_customer_they_follow(demo):
    now = timezone.now()
    hcmc_path = "/EVN/EVNHCMC/"
    notice = Notice.objects.get(audience=Audience.UNIT, unit__code="EVNHCMC")
    affected = generated_accounts().filter(
        customer_links__customer__unit__path__startswith=hcmc_path
    )
    assert affected.exists()
    assert generated_accounts().exclude(pk__in=affected).exists()
    for account in generated_accounts():
        sees = queries.visible(account, now=now).filter(pk=notice.pk).exists()
        assert sees == affected.filter(pk=account.pk).exists(), account.phone


# ---------------------------------------------------------------- idempotent, deterministic


def test_running_it_twice_adds_nothing(demo):
    before, users, links = snapshot(), User.objects.count(), CustomerLink.objects.count()

    output = load_demo()

    assert snapshot() == before
    assert (User.objects.count(), CustomerLink.objects.count()) == (users, links)
    assert "0 new accounts of 40" in output


def test_a_larger_run_only_adds_the_missing_accounts(demo):
    before = snapshot()

    output = load_demo(accounts=ACCOUNTS + 5)

    after = snapshot()
    assert generated_accounts().count() == ACCOUNTS + 5
    assert [row for row in after if row[0] in {r[0] for r in before}] == before
    assert "5 new accounts of 45" in output


def test_the_same_seed_gives_the_same_accounts(demo):
    first = snapshot()
    generated_accounts().delete()

    load_demo()

    assert snapshot() == first


def test_another_seed_gives_other_accounts_with_the_same_phones(demo):
    first = snapshot()
    generated_accounts().delete()

    load_demo(seed=1)

    other = snapshot()
    assert [row[0] for row in other] == [row[0] for row in first]
    assert other != first


def test_no_accounts_by_default(db):
    out = StringIO()
    call_command("load_demo", customers=10, stdout=out)
    assert not generated_accounts().exists()
    assert "accounts of" not in out.getvalue()


def test_accounts_need_generated_customers(db):
    with pytest.raises(CommandError):
        load_demo(customers=0, accounts=3)
    assert not generated_accounts().exists()


def test_accounts_need_their_customers_to_exist(db):
    with pytest.raises(ValueError, match="generate the customers first"):
        generator.generate_accounts(count=3, customers=10)
