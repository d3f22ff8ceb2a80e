"""Load the demo data: units, showcase customers, generated customers, generated
customer accounts, demo logins, two years of daily meter readings and the invoices
billed from them.

Idempotent: running it again changes nothing (on a later day it adds the readings of
the days that have passed). `--customers N` sets how many generated customers there
are, `--accounts M` how many generated accounts follow them (benchmarks use 1,000,000
and 300,000; `make run` none), `--readings K` how many of the generated customers
have readings besides the showcase ones."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from cskh.demo import accounts as demo_accounts
from cskh.demo import generator, incidents, invoices, notices, outages, payments, readings


class Command(BaseCommand):
    help = "Load deterministic demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=3000)
        parser.add_argument(
            "--accounts",
            type=int,
            default=0,
            help=f"generated customer accounts (+8497…, password {demo_accounts.DEMO_PASSWORD})",
        )
        parser.add_argument(
            "--readings",
            type=int,
            dest="with_readings",
            default=readings.DEFAULT_CUSTOMERS,
            help="generated customers with two years of daily readings (the first ones; "
            "the showcase customers and two time-of-use ones always have them)",
        )
        parser.add_argument("--seed", type=int, default=generator.SEED)

    def handle(
        self, *args, customers: int, accounts: int, with_readings: int, seed: int, **options
    ):
        if with_readings < 0:
            raise CommandError("--readings is 0 or more.")
        if accounts and customers < 1:
            raise CommandError("--accounts needs generated customers to link (--customers).")
        if not 0 <= accounts <= generator.MAX_ACCOUNTS:
            raise CommandError(f"--accounts is between 0 and {generator.MAX_ACCOUNTS}.")
        generator.ensure_units()
        demo_accounts.ensure_showcase_customers()
        with tqdm(total=customers, unit="customer", disable=customers < 50_000) as bar:
            created = generator.generate_customers(count=customers, seed=seed, progress=bar.update)
        with tqdm(total=accounts, unit="account", disable=accounts < 50_000) as bar:
            new_accounts = generator.generate_accounts(
                count=accounts, customers=customers, seed=seed, progress=bar.update
            )
        demo_accounts.ensure_accounts()
        notices.ensure_notices()
        outages.ensure_outage()
        incidents.ensure_incident()
        batch = readings.load_readings(
            customers=min(with_readings, customers),
            generated=customers,
            seed=seed,
            today=timezone.localdate(),
            now=timezone.now(),
        )
        new_invoices = invoices.ensure_invoices(today=timezone.localdate(), now=timezone.now())
        payments.ensure_payments()
        summary = f"demo data: {created} new customers of {customers}"
        if accounts:
            summary += (
                f"; {new_accounts} new accounts of {accounts} "
                f"({generator.account_phone(0)}…, password {demo_accounts.DEMO_PASSWORD})"
            )
        summary += f"; {batch.rows_new if batch else 0} new daily readings"
        summary += f"; {new_invoices} new invoices"
        self.stdout.write(f"{summary}; logins:")
        for phone, password, role in demo_accounts.LOGINS:
            self.stdout.write(f"  {phone} / {password}  ({role})")
