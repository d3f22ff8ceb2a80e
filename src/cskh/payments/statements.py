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
    """Save the statement and match each credit (the caller fills in who and what file).
    What earlier uploads saw and the payments the descriptions name are read once for
    the whole file; only the credits that name a payment of this account are recorded
    one by one."""
    account = statement.account
    ids = [credit.bank_transaction_id for credit in credits]
    keys = {credit.bank_transaction_id: _key(account, credit) for credit in credits}
    seen = set(
        StatementLine.objects.filter(
            statement__account=account, bank_transaction_id__in=ids
        ).values_list("bank_transaction_id", flat=True)
    )
    taken = set(
        Callback.objects.filter(gateway=Method.VIETQR, reference__in=keys.values()).values_list(
            "reference", flat=True
        )
    )
    references = {credit.bank_transaction_id: _reference(credit) for credit in credits}
    payments = {
        payment.reference: payment
        for payment in Payment.objects.filter(
            reference__in={ref for ref in references.values() if ref},
            method=Method.VIETQR,
            collecting_account=account,
        ).select_related("collecting_account")
    }
    with transaction.atomic():
        statement.uploaded_at = now
        statement.save()
        lines = []
        for credit in credits:
            line = {
                "line_no": credit.line_no,
                "bank_transaction_id": credit.bank_transaction_id,
                "booked_at": credit.booked_at,
                "amount": credit.amount,
                "description": credit.description,
            }
            reference = references[credit.bank_transaction_id]
            key = keys[credit.bank_transaction_id]
            if credit.bank_transaction_id in seen or key in taken:  # an earlier upload's
                line["result"] = StatementLine.Result.ALREADY
            elif reference is None:
                line["result"] = StatementLine.Result.NO_REFERENCE
            elif reference not in payments:
                line["result"] = StatementLine.Result.UNKNOWN
            else:
                line |= _settle(payments[reference], credit, line, key=key, now=now)
            lines.append(StatementLine(statement=statement, **line))
        StatementLine.objects.bulk_create(lines)
    return statement


def _key(account, credit: Credit) -> str:
    """The credit in the inbox: a bank's transaction ids are unique per account."""
    return f"{account.bank_bin}:{account.account_number}:{credit.bank_transaction_id}"


def _reference(credit: Credit) -> str | None:
    found = REFERENCE.search(re.sub(r"\s+", "", credit.description.upper()))
    return found.group() if found else None


def _settle(payment: Payment, credit: Credit, line: dict, *, key: str, now) -> dict:
    """The credit names this account's VietQR payment: its word, through the inbox."""
    verdict, payment = services.receive(
        method=Method.VIETQR,
        reference=payment.reference,
        key=key,
        outcome=Outcome(
            paid=True,
            amount=credit.amount,
            code="00",
            transaction_no=credit.bank_transaction_id,
            bank_code=payment.collecting_account.bank_bin,
            payload=line | {"booked_at": credit.booked_at.isoformat()},
        ),
        source="STATEMENT",
        now=now,
    )
    taken = Callback.objects.filter(gateway=Method.VIETQR, reference=key)
    if verdict == services.Verdict.CONFIRMED and taken.exists():
        return {"result": StatementLine.Result.ALREADY}  # a twin upload took it meanwhile
    results = {
        services.Verdict.AMOUNT: StatementLine.Result.AMOUNT,
        services.Verdict.CONFIRMED: StatementLine.Result.TWICE,
        services.Verdict.RECORDED: StatementLine.Result.MATCHED
        if payment.status == Payment.Status.PAID
        else StatementLine.Result.LATE,
    }
    return {"payment": payment, "result": results[verdict]}
