"""Reconciling VietQR transfers from a bank statement (docs/payments.md, "Bank statements").

The file is CSV in UTF-8 with a header row and these columns, in any order:
`booked_at` (YYYY-MM-DD HH:MM[:SS], Vietnam time), `bank_transaction_id`, `amount`
(credited VND, digits only) and `description` (the transfer content). A credit settles a
VietQR payment only when its description carries the payment's reference and its amount
is the payment's; everything else is listed for a person, never applied. Each bank
transaction is taken once, however often the statement is uploaded."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cskh.core.errors import InvalidInput
from cskh.payments import services
from cskh.payments.gateways import Outcome
from cskh.payments.models import Callback, Method, Payment, Statement, StatementLine

COLUMNS = ("booked_at", "bank_transaction_id", "amount", "description")
MAX_BYTES = 2_000_000
MAX_LINES = 20_000
REFERENCE = re.compile(r"EVN\d{6}[A-Z2-9]{6}")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Credit:
    line_no: int
    booked_at: datetime
    bank_transaction_id: str
    amount: int
    description: str


def parse(data: bytes) -> list[Credit]:
    """The credits of a statement file; InvalidInput naming every bad line otherwise."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(fields={"file": [_("The file is larger than 2 MB.")]})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(fields={"file": [_("The file is not UTF-8 text.")]}) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            fields={
                "file": [
                    _("The header lacks these columns: %(columns)s.")
                    % {"columns": ", ".join(missing)}
                ]
            }
        )
    credits, errors, seen = [], [], set()
    try:
        rows = [(reader.line_num, row) for row in reader]  # the line a row ends on
    except csv.Error as error:
        raise InvalidInput(
            fields={
                "file": [_("Line %(line)d: %(error)s") % {"line": reader.line_num, "error": error}]
            }
        ) from None
    if len(rows) > MAX_LINES:
        raise InvalidInput(
            fields={"file": [_("A statement has at most %(n)d lines.") % {"n": MAX_LINES}]}
        )
    for line_no, row in rows:
        try:
            credit = _credit(line_no, row)
        except ValueError as error:
            errors.append(_("Line %(line)d: %(error)s") % {"line": line_no, "error": error})
            continue
        if credit.bank_transaction_id in seen:
            errors.append(
                _("Line %(line)d: bank transaction %(id)s appears twice.")
                % {"line": line_no, "id": credit.bank_transaction_id}
            )
        seen.add(credit.bank_transaction_id)
        credits.append(credit)
    if errors:
        raise InvalidInput(fields={"file": errors[:20]})
    if not credits:
        raise InvalidInput(fields={"file": [_("The statement has no lines.")]})
    return credits


def _credit(line_no: int, row: dict) -> Credit:
    values = {name: (row.get(name) or "").strip() for name in COLUMNS}
    booked = None
    for layout in _TIME_FORMATS:
        try:
            booked = datetime.strptime(values["booked_at"], layout)
            break
        except ValueError:
            continue
    if booked is None:
        raise ValueError(_("the time must be YYYY-MM-DD HH:MM."))
    if not values["bank_transaction_id"] or len(values["bank_transaction_id"]) > 40:
        raise ValueError(_("the bank transaction id must have 1 to 40 characters."))
    if not re.fullmatch(r"[0-9]{1,15}", values["amount"]) or int(values["amount"]) <= 0:
        raise ValueError(_("the amount must be a positive whole number of VND."))
    return Credit(
        line_no=line_no,
        booked_at=timezone.make_aware(booked),
        bank_transaction_id=values["bank_transaction_id"],
        amount=int(values["amount"]),
        description=values["description"][:255],
    )


def reconcile(*, statement: Statement, credits: list[Credit], now) -> Statement:
    """Save the statement and match each credit (the caller fills in who and what file)."""
    with transaction.atomic():
        statement.uploaded_at = now
        statement.save()
        StatementLine.objects.bulk_create(
            StatementLine(statement=statement, **_match(statement, credit, now=now))
            for credit in credits
        )
    return statement


def _match(statement: Statement, credit: Credit, *, now) -> dict:
    line = {
        "line_no": credit.line_no,
        "bank_transaction_id": credit.bank_transaction_id,
        "booked_at": credit.booked_at,
        "amount": credit.amount,
        "description": credit.description,
    }
    account = statement.account
    key = f"{account.bank_bin}:{account.account_number}:{credit.bank_transaction_id}"
    seen = StatementLine.objects.filter(
        statement__account=account, bank_transaction_id=credit.bank_transaction_id
    )
    taken = Callback.objects.filter(gateway=Method.VIETQR, reference=key)
    if seen.exists() or taken.exists():  # on an earlier upload, whatever it became
        return line | {"result": StatementLine.Result.ALREADY}
    found = REFERENCE.search(re.sub(r"\s+", "", credit.description.upper()))
    if found is None:
        return line | {"result": StatementLine.Result.NO_REFERENCE}
    payment = Payment.objects.filter(
        reference=found.group(), method=Method.VIETQR, collecting_account=account
    ).first()
    if payment is None:
        return line | {"result": StatementLine.Result.UNKNOWN}
    verdict, payment = services.receive(
        method=Method.VIETQR,
        reference=payment.reference,
        key=key,
        outcome=Outcome(
            paid=True,
            amount=credit.amount,
            code="00",
            transaction_no=credit.bank_transaction_id,
            bank_code=account.bank_bin,
            payload=line | {"booked_at": credit.booked_at.isoformat()},
        ),
        source="STATEMENT",
        now=now,
    )
    if verdict == services.Verdict.CONFIRMED and taken.exists():
        return line | {"result": StatementLine.Result.ALREADY}  # a twin upload took it
    results = {
        services.Verdict.AMOUNT: StatementLine.Result.AMOUNT,
        services.Verdict.CONFIRMED: StatementLine.Result.TWICE,
        services.Verdict.RECORDED: StatementLine.Result.MATCHED
        if payment.status == Payment.Status.PAID
        else StatementLine.Result.LATE,
    }
    return line | {"payment": payment, "result": results[verdict]}
