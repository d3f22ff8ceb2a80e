"""The one-time code policy of domain/identity.md, through the services."""

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import transaction

from cskh.accounts import services
from cskh.accounts.models import OtpChallenge, OtpPurpose, User
from cskh.core.errors import RateLimited
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NOW = datetime(2026, 1, 15, 2, 0, tzinfo=UTC)
PHONE = "+84912345678"
OTHER_PHONE = "+84987654321"
IP = "203.0.113.7"
REGISTER = OtpPurpose.REGISTER
RESET = OtpPurpose.RESET_PASSWORD


def send(phone=PHONE, *, purpose=REGISTER, now=NOW, ip=IP, subject="", deliver=True):
    services.send_otp(
        phone=phone, purpose=purpose, ip=ip, now=now, subject=subject, deliver=deliver
    )


def check(code, phone=PHONE, *, purpose=REGISTER, now=NOW, ip=IP, subject=""):
    services.check_otp(phone=phone, purpose=purpose, code=code, ip=ip, now=now, subject=subject)


def rejected(code, **kwargs) -> str:
    with pytest.raises(services.OtpRejected) as caught:
        check(code, **kwargs)
    error = caught.value
    assert error.status == 422
    assert error.code == "otp_rejected"
    assert error.fields == {"otp": [error.message]}
    return str(error.message)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


EXPIRED = "The code is wrong or has expired. Ask for a new code."
EXHAUSTED = "Too many wrong codes. Ask for a new code."


# ---------------------------------------------------------------- the code and the SMS


def test_a_six_digit_code_is_texted(outbox):
    send()
    [sms] = outbox.messages(PHONE)
    assert re.search(r"\b\d{6}\b", sms["text"])
    assert "valid for 5 minutes" in sms["text"]
    assert "Never give this code to anyone" in sms["text"]


def test_codes_are_random(outbox):
    codes = set()
    for n in range(8):
        phone = f"+8491200{n:04d}"
        send(phone)
        codes.add(outbox.last_code(phone))
    assert len(codes) > 1


def test_the_sms_is_in_the_active_language(outbox):
    from django.utils import translation

    with translation.override("vi"):
        send(PHONE)
    with translation.override("en"):
        send(OTHER_PHONE)
    [vi] = outbox.messages(PHONE)
    [en] = outbox.messages(OTHER_PHONE)
    assert vi["text"].startswith("EVN CSKH")
    assert vi["text"].replace(outbox.last_code(PHONE), "") != en["text"].replace(
        outbox.last_code(OTHER_PHONE), ""
    )


# ---------------------------------------------------------------- validity


def test_the_code_is_accepted_within_five_minutes(outbox):
    send(now=NOW)
    check(outbox.last_code(PHONE), now=NOW + timedelta(minutes=5) - timedelta(seconds=1))


def test_the_code_expires_after_five_minutes(outbox):
    send(now=NOW)
    assert settings.OTP_TTL_SECONDS == 300
    assert rejected(outbox.last_code(PHONE), now=NOW + timedelta(minutes=5)) == EXPIRED


def test_the_code_is_not_valid_for_more_than_ten_minutes(outbox):
    assert settings.OTP_TTL_SECONDS <= 600
    send(now=NOW)
    assert rejected(outbox.last_code(PHONE), now=NOW + timedelta(minutes=10)) == EXPIRED


def test_the_code_can_be_used_once(outbox):
    send()
    code = outbox.last_code(PHONE)
    check(code, now=NOW + timedelta(seconds=10))
    assert rejected(code, now=NOW + timedelta(seconds=20)) == EXPIRED


def test_the_code_is_bound_to_the_purpose(outbox):
    send(purpose=REGISTER)
    code = outbox.last_code(PHONE)
    for purpose in (RESET, OtpPurpose.CHANGE_PHONE, OtpPurpose.LINK_CUSTOMER):
        assert rejected(code, purpose=purpose) == EXPIRED
    check(code, purpose=REGISTER)  # still good for what it was sent for


def test_the_code_is_bound_to_the_phone(outbox):
    send(PHONE)
    code = outbox.last_code(PHONE)
    assert rejected(code, phone=OTHER_PHONE) == EXPIRED
    check(code, phone=PHONE)


def test_the_code_is_bound_to_the_subject(outbox):
    send(purpose=OtpPurpose.CHANGE_PHONE, subject="17")
    code = outbox.last_code(PHONE)
    assert rejected(code, purpose=OtpPurpose.CHANGE_PHONE, subject="18") == EXPIRED
    assert rejected(code, purpose=OtpPurpose.CHANGE_PHONE, subject="") == EXPIRED
    check(code, purpose=OtpPurpose.CHANGE_PHONE, subject="17")


def test_without_a_code_sent_every_guess_fails():
    assert rejected("123456") == EXPIRED


# ---------------------------------------------------------------- wrong tries


def test_five_wrong_tries_exhaust_the_code(outbox):
    send()
    code = outbox.last_code(PHONE)
    challenge = OtpChallenge.objects.get(phone=PHONE)
    expected = [
        "The code is wrong. You have 4 tries left.",
        "The code is wrong. You have 3 tries left.",
        "The code is wrong. You have 2 tries left.",
        "The code is wrong. You have 1 try left.",
        EXHAUSTED,
    ]
    for tries, message in enumerate(expected, start=1):
        assert rejected(wrong(code)) == message
        # counted although the call raised
        challenge.refresh_from_db()
        assert challenge.tries == tries
    assert rejected(code) == EXHAUSTED  # the right code no longer helps
    challenge.refresh_from_db()
    assert challenge.tries == settings.OTP_MAX_TRIES == 5
    assert challenge.used_at is None


def test_a_wrong_try_is_counted_when_the_use_case_fails(outbox):
    send()
    code = outbox.last_code(PHONE)
    with pytest.raises(services.OtpRejected):
        services.complete_registration(
            phone=PHONE,
            otp=wrong(code),
            full_name="Nguyễn Văn An",
            password=factories.PASSWORD,
            accept_terms=True,
            language="vi",
            ip=IP,
            now=NOW,
        )
    assert OtpChallenge.objects.get(phone=PHONE).tries == 1
    assert not User.objects.filter(phone=PHONE).exists()


def test_a_new_code_starts_with_fresh_tries(outbox, clock):
    send(now=NOW)
    first = outbox.last_code(PHONE)
    for _ in range(5):
        with pytest.raises(services.OtpRejected):
            check(wrong(first))
    clock.advance(61)
    send(now=NOW + timedelta(seconds=61))
    check(outbox.last_code(PHONE), now=NOW + timedelta(seconds=70))


def test_guessing_from_one_address_is_limited(outbox):
    limit = settings.OTP_CHECKS_PER_IP_PER_HOUR
    for n in range(limit):
        with pytest.raises(services.OtpRejected):
            check("000000", phone=f"+8491300{n:04d}")
    send(PHONE, ip="198.51.100.1")
    with pytest.raises(RateLimited):
        check(outbox.last_code(PHONE))
    check(outbox.last_code(PHONE), ip="198.51.100.2")


# ---------------------------------------------------------------- sending limits


def test_resending_waits_sixty_seconds(outbox, clock):
    send(now=NOW)
    with pytest.raises(RateLimited) as caught:
        send(now=NOW + timedelta(seconds=1))
    assert 59 <= caught.value.retry_after <= 60
    assert caught.value.status == 429
    assert "Try again in" in str(caught.value.message)
    assert len(outbox.messages(PHONE)) == 1

    clock.advance(30)
    with pytest.raises(RateLimited) as caught:
        send(now=NOW + timedelta(seconds=30))
    assert 29 <= caught.value.retry_after <= 31

    clock.advance(31)
    send(now=NOW + timedelta(seconds=61))
    assert len(outbox.messages(PHONE)) == 2


def test_the_cooldown_is_per_purpose(outbox):
    send(purpose=REGISTER)
    send(purpose=RESET)
    assert len(outbox.messages(PHONE)) == 2


def test_a_new_code_retires_the_previous_one(outbox, clock):
    send(now=NOW)
    first = outbox.last_code(PHONE)
    clock.advance(60)
    send(now=NOW + timedelta(seconds=60))
    second = outbox.last_code(PHONE)
    if first != second:
        assert (
            rejected(first, now=NOW + timedelta(seconds=70))
            == "The code is wrong. You have 4 tries left."
        )
    check(second, now=NOW + timedelta(seconds=80))
    challenges = OtpChallenge.objects.filter(phone=PHONE).order_by("created_at")
    assert [c.used_at for c in challenges] == [
        NOW + timedelta(seconds=60),
        NOW + timedelta(seconds=80),
    ]


def test_five_sends_per_phone_per_hour(outbox, clock):
    assert settings.OTP_SENDS_PER_PHONE_PER_HOUR == 5
    now = NOW
    for _ in range(5):
        send(now=now)
        clock.advance(61)
        now += timedelta(seconds=61)
    with pytest.raises(RateLimited) as caught:
        send(now=now)
    assert caught.value.retry_after > 50 * 60
    assert "minutes" in str(caught.value.message)
    with pytest.raises(RateLimited):  # another purpose is the same phone
        send(now=now, purpose=RESET)
    assert len(outbox.messages(PHONE)) == 5
    send(OTHER_PHONE, now=now)  # other phones are not affected

    clock.advance(3600)
    send(now=now + timedelta(hours=1))
    assert len(outbox.messages(PHONE)) == 6


def test_the_hourly_limit_counts_every_purpose_and_subject(outbox):
    for n in range(5):
        send(purpose=OtpPurpose.LINK_CUSTOMER, subject=str(n))
    with pytest.raises(RateLimited):
        send(purpose=OtpPurpose.LINK_CUSTOMER, subject="5")
    with pytest.raises(RateLimited):
        send(purpose=RESET)
    assert len(outbox.messages(PHONE)) == 5


def test_sends_from_one_address_are_limited(outbox):
    limit = settings.OTP_SENDS_PER_IP_PER_HOUR
    for n in range(limit):
        send(f"+8491400{n:04d}")
    with pytest.raises(RateLimited) as caught:
        send(PHONE)
    assert caught.value.retry_after > 50 * 60
    assert outbox.messages(PHONE) == []
    send(PHONE, ip="198.51.100.9")
    assert len(outbox.messages(PHONE)) == 1


def test_limits_apply_when_nothing_is_delivered(outbox):
    send(deliver=False)
    assert outbox.messages() == []
    with pytest.raises(RateLimited):
        send(deliver=False)
    with pytest.raises(RateLimited):
        send(deliver=True)


def test_an_undelivered_code_answers_guesses_like_a_delivered_one(outbox):
    """So that the answers never tell whether the phone has an account."""
    send(PHONE, deliver=False)
    send(OTHER_PHONE, deliver=True)
    assert outbox.messages(PHONE) == []
    challenge = OtpChallenge.objects.get(phone=PHONE)
    guesses = (g for g in (f"{n:06d}" for n in range(10**6)) if not challenge.matches(g))
    wrong_for_other = wrong(outbox.last_code(OTHER_PHONE))
    for _ in range(settings.OTP_MAX_TRIES + 1):
        assert rejected(next(guesses), phone=PHONE) == rejected(wrong_for_other, phone=OTHER_PHONE)


# ---------------------------------------------------------------- storage


def test_only_an_hmac_of_the_code_is_stored(outbox):
    send()
    code = outbox.last_code(PHONE)
    row = OtpChallenge.objects.values().get(phone=PHONE)
    for name, value in row.items():
        assert code not in str(value), name
    assert row["code_digest"] != hashlib.sha256(code.encode()).hexdigest()
    message = f"{row['salt']}:{REGISTER}:{PHONE}::{code}".encode()
    keyed = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
    assert row["code_digest"] == keyed
    assert row["expires_at"] - row["created_at"] == timedelta(minutes=5)


def test_each_code_has_its_own_salt(outbox):
    send(PHONE)
    send(OTHER_PHONE)
    salts = set(OtpChallenge.objects.values_list("salt", flat=True))
    assert len(salts) == 2


# ---------------------------------------------------------------- SMS and transactions


@pytest.mark.django_db(transaction=True)
def test_a_code_sent_in_a_rolled_back_transaction_is_never_texted(transactional_db, outbox):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        send()
        assert outbox.messages() == []
        raise Abort
    assert outbox.messages() == []
    assert not OtpChallenge.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_code_sent_in_a_committed_transaction_is_texted_after_the_commit(
    transactional_db, outbox
):
    with transaction.atomic():
        send()
        assert outbox.messages() == []  # not before the commit
    [sms] = outbox.messages(PHONE)
    code = outbox.last_code(PHONE)
    assert code in sms["text"]
    check(code)


@pytest.mark.django_db(transaction=True)
def test_a_code_sent_outside_a_transaction_is_texted(transactional_db, outbox):
    send()
    assert len(outbox.messages(PHONE)) == 1
