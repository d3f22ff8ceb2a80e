"""Password storage (Argon2id) and the password rules."""

import pytest
from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

import cskh.settings as production
from cskh.accounts.models import User
from tests import factories


def test_production_hashes_passwords_with_argon2():
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_argon2id_with_at_least_the_owasp_parameters():
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        hasher = get_hasher("default")
        encoded = make_password(factories.PASSWORD)
        assert hasher.algorithm == "argon2"
        assert encoded.startswith("argon2$argon2id$")
        assert identify_hasher(encoded).algorithm == "argon2"
        assert check_password(factories.PASSWORD, encoded)
        assert not check_password("not-it-123", encoded)
        assert make_password(factories.PASSWORD) != encoded  # salted
    assert hasher.memory_cost >= 19 * 1024  # KiB
    assert hasher.time_cost >= 2
    assert hasher.parallelism >= 1


def test_production_validators():
    names = [v["NAME"].rsplit(".", 1)[1] for v in production.AUTH_PASSWORD_VALIDATORS]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
    minimum = production.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"]
    assert minimum >= 8


def messages_for(password: str, user=None) -> list[str]:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_password(password, user)
    return caught.value.messages


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1-xyz", "This password is too short. It must contain at least 8 characters."),
        ("", "This password is too short. It must contain at least 8 characters."),
        ("password", "This password is too common."),
        ("password123", "This password is too common."),
        ("12345678", "This password is too common."),
        ("58203719465", "This password is entirely numeric."),
    ],
)
def test_weak_passwords_are_refused_with_a_message(password, message):
    assert message in messages_for(password)


def test_a_password_like_the_name_or_phone_is_refused():
    user = User(phone="+84912345678", full_name="Nguyen Thi Hoa", email="hoa.nguyen@example.vn")
    assert "The password is too similar to the full name." in messages_for("NguyenThiHoa", user)
    assert "The password is too similar to the phone number." in messages_for("+84912345678", user)


@pytest.mark.parametrize("password", [factories.PASSWORD, "dien-luc-sai-gon-2026", "Hoa@19052026"])
def test_good_passwords_pass(password):
    user = User(phone="+84912345678", full_name="Nguyễn Thị Hoa")
    validate_password(password, user)


def test_password_messages_are_translated():
    with translation.override("vi"), pytest.raises(ValidationError) as vi:
        validate_password("password")
    assert vi.value.messages
    assert vi.value.messages != messages_for("password")


@pytest.mark.django_db
def test_stored_passwords_are_never_in_clear():
    user = factories.account(password=factories.PASSWORD)
    user.refresh_from_db()
    assert factories.PASSWORD not in user.password
    assert user.check_password(factories.PASSWORD)
