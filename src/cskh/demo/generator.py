"""A deterministic (seeded) generator of EVN units, customers and meters.

The same seed and size always give the same rows, and a second run adds nothing:
units and showcase customers are matched by code, generated customers are
skipped when their code exists. `--customers 1000000` feeds the benchmarks."""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from cskh.customers.models import Customer, Meter, Unit, UnitHotline
from cskh.demo import names, units

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


def _customer(rng: random.Random, index: int, branches: list[Branch]) -> tuple[Customer, Meter]:
    branch = branches[index % len(branches)]
    number = FIRST_GENERATED_NUMBER + index // len(branches)
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
        code=f"{branch.code}{number:07d}",
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
