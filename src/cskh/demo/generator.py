"""A deterministic (seeded) generator of EVN units, customers, meters and customer
accounts.

The same seed and size always give the same rows, and a second run adds nothing:
units and showcase customers are matched by code, generated customers are
skipped when their code exists, generated accounts when their phone exists.
`--customers 1000000 --accounts 300000` feeds the benchmarks (docs/performance.md)."""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from cskh.accounts.models import User
from cskh.customers.models import Customer, CustomerLink, Meter, Unit, UnitHotline
from cskh.demo import names, units
from cskh.demo.accounts import DEMO_PASSWORD

SEED = 20261124
BATCH = 2000
FIRST_GENERATED_NUMBER = 100  # 1–99 of every branch are kept for showcase customers
MOBILE_PREFIXES = [
    "091",
    "094",
    "096",
    "097",
    "098",
    "086",
    "032",
    "033",
    "035",
    "038",
    "070",
    "076",
    "077",
    "079",
    "081",
    "083",
    "085",
    "088",
    "090",
    "093",
]


@dataclass(frozen=True)
class Branch:
    unit_id: int
    code: str
    province: str
    district: str
    wards: tuple[str, ...]


def ensure_units() -> list[Branch]:
    """Create the unit tree and hotlines if missing; return the branches."""
    branches = []
    group, _ = Unit.objects.get_or_create(
        code="EVN", defaults={"name": "Tập đoàn Điện lực Việt Nam", "level": Unit.Level.GROUP}
    )
    for corp_code, corp_name, hotlines, companies in units.CORPORATIONS:
        corporation, _ = Unit.objects.get_or_create(
            code=corp_code,
            defaults={"name": corp_name, "level": Unit.Level.CORPORATION, "parent": group},
        )
        for number in hotlines:
            UnitHotline.objects.get_or_create(
                unit=corporation,
                number=number,
                defaults={"valid_from": units.HOTLINES_SINCE, "source": "domain/evn.md"},
            )
        for company_code, company_name, province, company_branches in companies:
            company, _ = Unit.objects.get_or_create(
                code=company_code,
                defaults={"name": company_name, "level": Unit.Level.COMPANY, "parent": corporation},
            )
            for branch_code, branch_name, district, wards in company_branches:
                branch, _ = Unit.objects.get_or_create(
                    code=branch_code,
                    defaults={"name": branch_name, "level": Unit.Level.BRANCH, "parent": company},
                )
                branches.append(Branch(branch.pk, branch_code, province, district, tuple(wards)))
    return branches


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([value for value, _ in pairs], [weight for _, weight in pairs])[0]


def person_name(rng: random.Random) -> str:
    family = _weighted(rng, names.FAMILY)
    if rng.random() < 0.5:
        return f"{family} {rng.choice(names.MIDDLE_MALE)} {rng.choice(names.GIVEN_MALE)}"
    return f"{family} {rng.choice(names.MIDDLE_FEMALE)} {rng.choice(names.GIVEN_FEMALE)}"


def _cccd(rng: random.Random) -> str:
    province = rng.randint(1, 96)
    century_sex = rng.choice("0123")
    year = rng.randint(40, 99) if century_sex in "01" else rng.randint(0, 6)
    return f"{province:03d}{century_sex}{year:02d}{rng.randrange(10**6):06d}"


def _meter_number(index: int) -> str:
    """Unique 10-digit meter numbers that do not follow the customer codes."""
    return str(10**9 + (index * 2654435761) % (9 * 10**9))


def customer_code(index: int, branches: list[Branch]) -> str:
    """The code of the `index`-th generated customer: branches take turns."""
    branch = branches[index % len(branches)]
    return f"{branch.code}{FIRST_GENERATED_NUMBER + index // len(branches):07d}"


def _customer(rng: random.Random, index: int, branches: list[Branch]) -> tuple[Customer, Meter]:
    branch = branches[index % len(branches)]
    purpose = _weighted(
        rng,
        [
            (Customer.Purpose.RESIDENTIAL, 88),
            (Customer.Purpose.BUSINESS, 8),
            (Customer.Purpose.PRODUCTION, 3),
            (Customer.Purpose.ADMINISTRATIVE, 1),
        ],
    )
    name = person_name(rng)
    if purpose == Customer.Purpose.BUSINESS:
        name = f"{rng.choice(names.BUSINESS)} {name.split()[-1]}"
    ward = rng.choice(branch.wards)
    address = (
        f"{rng.randint(1, 399)} {rng.choice(names.STREETS)}, {ward}, "
        f"{branch.district}, {branch.province}"
    )
    status = _weighted(
        rng,
        [
            (Customer.Status.ACTIVE, 97),
            (Customer.Status.SUSPENDED, 2),
            (Customer.Status.TERMINATED, 1),
        ],
    )
    tou = purpose in (Customer.Purpose.BUSINESS, Customer.Purpose.PRODUCTION)
    customer = Customer(
        code=customer_code(index, branches),
        name=name,
        address=address,
        ward=ward,
        district=branch.district,
        province=branch.province,
        unit_id=branch.unit_id,
        purpose=purpose,
        voltage=Customer.Voltage.KV_6_22
        if purpose == Customer.Purpose.PRODUCTION
        else Customer.Voltage.LT_6KV,
        households=1 if rng.random() < 0.95 else rng.randint(2, 3),
        contract_phone=f"+84{rng.choice(MOBILE_PREFIXES)[1:]}{rng.randrange(10**7):07d}",
        holder_cccd=_cccd(rng),
        status=status,
    )
    meter = Meter(
        number=_meter_number(index),
        registers=Meter.Registers.TOU if tou else Meter.Registers.KT,
        multiplier=rng.choice([1, 1, 40, 80]) if purpose == Customer.Purpose.PRODUCTION else 1,
        digits=6,
        installed_date=date(2015, 1, 1) + timedelta(days=rng.randrange(3650)),
    )
    return customer, meter


def _batches(count: int, branches: list[Branch], seed: int) -> Iterator[list]:
    rng = random.Random(seed)
    batch = []
    for index in range(count):
        batch.append(_customer(rng, index, branches))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def generate_customers(*, count: int, seed: int = SEED, progress=None) -> int:
    """Create the first `count` generated customers (and a meter each); return how
    many were new."""
    branches = ensure_units()
    created = 0
    for batch in _batches(count, branches, seed):
        codes = [customer.code for customer, _ in batch]
        with transaction.atomic():
            existing = set(Customer.objects.filter(code__in=codes).values_list("code", flat=True))
            new = [(c, m) for c, m in batch if c.code not in existing]
            Customer.objects.bulk_create([c for c, _ in new], batch_size=BATCH)
            ids = dict(
                Customer.objects.filter(code__in=[c.code for c, _ in new]).values_list("code", "id")
            )
            meters = []
            for customer, meter in new:
                meter.customer_id = ids[customer.code]
                meters.append(meter)
            Meter.objects.bulk_create(meters, batch_size=BATCH)
        created += len(new)
        if progress:
            progress(len(batch))
    return created


# ---------------------------------------------------------------- customer accounts

ACCOUNT_PHONE_PREFIX = "+8497"  # generated account i logs in as +8497 and i in 7 digits
MAX_ACCOUNTS = 10**7
SECOND_LINK_SHARE = 0.4  # of the generated accounts also follow someone else's code
OWNER_PROOFS = [CustomerLink.Proof.CCCD, CustomerLink.Proof.CONTRACT_PHONE_OTP]


def account_phone(index: int) -> str:
    """The phone (login) of the `index`-th generated account."""
    return f"{ACCOUNT_PHONE_PREFIX}{index:07d}"


@dataclass(frozen=True)
class _Account:
    phone: str
    full_name: str
    customers: tuple[int, ...]  # generated customer indexes: the first owned (and default)
    proof: str  # how the owned code was proved


def _account_batches(count: int, customers: int, seed: int) -> Iterator[list[_Account]]:
    rng = random.Random(f"{seed}:accounts")  # a stream of its own: customers stay as they are
    batch = []
    for index in range(count):
        first = rng.randrange(customers)
        linked = (first,)
        if customers > 1 and rng.random() < SECOND_LINK_SHARE:
            second = rng.randrange(customers - 1)
            linked = (first, second + (second >= first))  # any other customer
        batch.append(
            _Account(account_phone(index), person_name(rng), linked, rng.choice(OWNER_PROOFS))
        )
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _link(account_id: int, customer_id: int, account: _Account, *, owned: bool, now):
    """The owned code is the default one; a followed code was proved by its meter number."""
    return CustomerLink(
        account_id=account_id,
        customer_id=customer_id,
        relation=CustomerLink.Relation.OWNER if owned else CustomerLink.Relation.OTHER,
        proof=account.proof if owned else CustomerLink.Proof.METER_NUMBER,
        is_default=owned,
        linked_at=now,
    )


def generate_accounts(*, count: int, customers: int, seed: int = SEED, progress=None) -> int:
    """Create the first `count` generated accounts; return how many were new.

    Each one holds one of the first `customers` generated customers (OWNER, its
    default code) and 40 % also follow a second one (OTHER). They all log in with
    `DEMO_PASSWORD`, hashed once: Argon2 is slow on purpose, and 300,000 hashes of
    the same password would take an hour. Accounts whose phone exists are skipped,
    links and all; the customers must exist (`generate_customers` first)."""
    if not 0 <= count <= MAX_ACCOUNTS:
        raise ValueError(f"between 0 and {MAX_ACCOUNTS:,} generated accounts")
    if not count:
        return 0
    if customers < 1:
        raise ValueError("generated accounts need generated customers to link")
    branches = ensure_units()
    password = make_password(DEMO_PASSWORD)
    now = timezone.now()
    created = 0
    for batch in _account_batches(count, customers, seed):
        phones = [account.phone for account in batch]
        with transaction.atomic():
            existing = set(User.objects.filter(phone__in=phones).values_list("phone", flat=True))
            new = [account for account in batch if account.phone not in existing]
            codes = {customer_code(i, branches) for account in new for i in account.customers}
            found = {
                code: (pk, cccd)
                for code, pk, cccd in Customer.objects.filter(code__in=codes).values_list(
                    "code", "id", "holder_cccd"
                )
            }
            if missing := codes - set(found):
                raise ValueError(f"generate the customers first; missing {sorted(missing)[:5]}")
            User.objects.bulk_create(
                [
                    User(
                        phone=account.phone,
                        full_name=account.full_name,
                        # the account holds its first code: same CCCD as the contract
                        cccd=found[customer_code(account.customers[0], branches)][1],
                        password=password,
                        created_at=now,
                    )
                    for account in new
                ],
                batch_size=BATCH,
            )
            ids = dict(
                User.objects.filter(phone__in=[a.phone for a in new]).values_list("phone", "id")
            )
            CustomerLink.objects.bulk_create(
                [
                    _link(
                        ids[account.phone],
                        found[customer_code(index, branches)][0],
                        account,
                        owned=position == 0,
                        now=now,
                    )
                    for account in new
                    for position, index in enumerate(account.customers)
                ],
                batch_size=BATCH,
            )
        created += len(new)
        if progress:
            progress(len(batch))
    return created
