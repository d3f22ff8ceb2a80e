"""Linking customer codes to accounts.

- As holder (chính chủ): a code texted to the phone on the contract, or the CCCD
  number on the account's profile equal to the contract holder's.
- As someone else (không chính chủ): the number of a meter installed at the
  customer, which is printed on every bill (docs/decisions/0002-non-holder-proof.md).
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cskh.accounts import services as accounts
from cskh.accounts.models import OtpPurpose, User
from cskh.core import codes, ratelimit
from cskh.core.errors import Conflict, InvalidInput, NotFound
from cskh.customers.models import Customer, CustomerLink, Meter, Unit

HOUR = 3600


class CustomerNotFound(NotFound):
    code = "customer_not_found"


class LinkNotFound(NotFound):
    code = "link_not_found"
    default_message = gettext_lazy("This customer code is not linked to your account.")


class AlreadyLinked(Conflict):
    code = "already_linked"


class ProofRejected(InvalidInput):
    code = "proof_rejected"


def resolve_unit(customer_code: str) -> Unit | None:
    """The managing unit of a customer code: the longest unit code it starts with."""
    units = {
        unit.code: unit for unit in Unit.objects.filter(code__in=codes.unit_prefixes(customer_code))
    }
    return next(
        (units[prefix] for prefix in codes.unit_prefixes(customer_code) if prefix in units), None
    )


def _customer(code: str) -> Customer:
    customer = Customer.objects.select_related("unit").filter(code=code).first()
    if customer is None:
        message = _("No customer has the code %(code)s. Check the code on your bill.") % {
            "code": code
        }
        raise CustomerNotFound(message, fields={"code": [message]})
    if not customer.linkable:
        message = _("The contract of %(code)s has ended; it cannot be linked.") % {"code": code}
        raise InvalidInput(message, fields={"code": [message]})
    return customer


def _check_can_link(account: User, customer: Customer, relation: str) -> CustomerLink | None:
    """Refuse a link the account already has or one over the cap; return the link
    to upgrade when a non-holder link becomes a holder link."""
    existing = CustomerLink.objects.filter(account=account, customer=customer).first()
    if existing and (existing.is_owner or relation == CustomerLink.Relation.OTHER):
        raise AlreadyLinked(
            _("%(code)s is already linked to your account.") % {"code": customer.code}
        )
    if existing is None and account.customer_links.count() >= settings.MAX_LINKS_PER_ACCOUNT:
        raise Conflict(
            _("An account can follow at most %(n)d customer codes. Unlink one first.")
            % {"n": settings.MAX_LINKS_PER_ACCOUNT},
            code="too_many_links",
        )
    return existing


def _proof_failed(account: User, field: str, message: str):
    ratelimit.record(
        "link-proof",
        str(account.pk),
        limit=settings.LINK_PROOF_FAILURES_PER_HOUR,
        window=HOUR,
    )
    return ProofRejected(message, fields={field: [message]})


def _save_link(
    *, account: User, customer: Customer, relation: str, proof: str, nickname: str, now: datetime
) -> CustomerLink:
    with transaction.atomic():
        # One account links one code at a time: the cap and the default hold.
        User.objects.select_for_update().filter(pk=account.pk).first()
        existing = _check_can_link(account, customer, relation)
        if existing:
            existing.upgrade_to_owner(proof=proof)
            if nickname:
                existing.rename(nickname)
            return existing
        return CustomerLink.objects.create(
            account=account,
            customer=customer,
            relation=relation,
            proof=proof,
            nickname=nickname.strip(),
            is_default=not account.customer_links.exists(),
            linked_at=now,
        )


def _otp_subject(account: User, customer: Customer) -> str:
    return f"{account.pk}:{customer.code}"


def start_holder_link(*, account: User, code: str, ip: str, now: datetime) -> str:
    """Text a code to the phone on the contract; return that phone, masked."""
    ratelimit.check("link-proof", str(account.pk))
    customer = _customer(code)
    _check_can_link(account, customer, CustomerLink.Relation.OWNER)
    if not customer.contract_phone:
        message = _(
            "The contract has no phone number. Link with your CCCD number, or as "
            "not the holder, or ask your power company to add your phone."
        )
        raise InvalidInput(message, fields={"method": [message]})
    accounts.send_otp(
        phone=customer.contract_phone,
        purpose=OtpPurpose.LINK_CUSTOMER,
        subject=_otp_subject(account, customer),
        ip=ip,
        now=now,
    )
    return codes.mask_phone(customer.contract_phone)


def otp_sent_message(masked_phone: str) -> str:
    return _("We sent a code to %(phone)s, the phone on the contract.") % {"phone": masked_phone}


def verify_holder_link(
    *, account: User, code: str, otp: str, nickname: str, ip: str, now: datetime
) -> CustomerLink:
    customer = _customer(code)
    accounts.check_otp(
        phone=customer.contract_phone,
        purpose=OtpPurpose.LINK_CUSTOMER,
        subject=_otp_subject(account, customer),
        code=otp,
        ip=ip,
        now=now,
    )
    return _save_link(
        account=account,
        customer=customer,
        relation=CustomerLink.Relation.OWNER,
        proof=CustomerLink.Proof.CONTRACT_PHONE_OTP,
        nickname=nickname,
        now=now,
    )


def link_holder_by_cccd(*, account: User, code: str, nickname: str, now: datetime) -> CustomerLink:
    ratelimit.check("link-proof", str(account.pk))
    customer = _customer(code)
    _check_can_link(account, customer, CustomerLink.Relation.OWNER)
    if not account.cccd:
        message = _("Add your CCCD number to your profile first.")
        raise InvalidInput(message, fields={"method": [message]})
    if not customer.holder_cccd or customer.holder_cccd != account.cccd:
        raise _proof_failed(
            account,
            "method",
            _("The CCCD number in your profile is not the one on this contract."),
        )
    return _save_link(
        account=account,
        customer=customer,
        relation=CustomerLink.Relation.OWNER,
        proof=CustomerLink.Proof.CCCD,
        nickname=nickname,
        now=now,
    )


def link_other(
    *, account: User, code: str, meter_number: str, nickname: str, now: datetime
) -> CustomerLink:
    ratelimit.check("link-proof", str(account.pk))
    customer = _customer(code)
    _check_can_link(account, customer, CustomerLink.Relation.OTHER)
    typed = "".join(meter_number.split()).upper()
    installed = Meter.objects.filter(customer=customer, removed_date__isnull=True)
    if not typed or not installed.filter(number__iexact=typed).exists():
        raise _proof_failed(
            account,
            "meter_number",
            _("This meter number does not match the customer code. Copy it from your bill."),
        )
    return _save_link(
        account=account,
        customer=customer,
        relation=CustomerLink.Relation.OTHER,
        proof=CustomerLink.Proof.METER_NUMBER,
        nickname=nickname,
        now=now,
    )


def _link(account: User, code: str) -> CustomerLink:
    link = (
        CustomerLink.objects.select_for_update()
        .filter(account=account, customer__code=code)
        .first()
    )
    if link is None:
        raise LinkNotFound(_("%(code)s is not linked to your account.") % {"code": code})
    return link


def update_link(
    *, account: User, code: str, nickname: str | None = None, make_default: bool = False
) -> CustomerLink:
    with transaction.atomic():
        link = _link(account, code)
        if nickname is not None:
            link.rename(nickname.strip())
        if make_default:
            link.make_default()
    return link


def unlink(*, account: User, code: str) -> None:
    """Remove a link; the oldest remaining link becomes the default if needed."""
    with transaction.atomic():
        link = _link(account, code)
        was_default = link.is_default
        link.delete()
        if was_default:
            successor = (
                CustomerLink.objects.filter(account=account).order_by("linked_at", "id").first()
            )
            if successor:
                successor.make_default()
