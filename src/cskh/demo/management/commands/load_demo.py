"""Load the demo data: units, showcase customers, generated customers, demo logins.

Idempotent: running it again changes nothing. `--customers N` sets how many
generated customers there are (benchmarks use 1,000,000)."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from cskh.demo import accounts, generator, notices


class Command(BaseCommand):
    help = "Load deterministic demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=generator.SEED)

    def handle(self, *args, customers: int, seed: int, **options):
        generator.ensure_units()
        accounts.ensure_showcase_customers()
        with tqdm(total=customers, unit="customer", disable=customers < 50_000) as bar:
            created = generator.generate_customers(count=customers, seed=seed, progress=bar.update)
        accounts.ensure_accounts()
        notices.ensure_notices()
        self.stdout.write(f"demo data: {created} new customers of {customers}; logins:")
        for phone, password, role in accounts.LOGINS:
            self.stdout.write(f"  {phone} / {password}  ({role})")
