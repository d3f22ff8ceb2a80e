"""Shared helpers of the incident tests: images made with Pillow, accounts linked to
customers of each unit, and reports made through the service."""

import io
from datetime import datetime

import pytest
from django.utils import timezone
from PIL import Image

from cskh.incidents import services
from cskh.incidents.models import Incident, Kind
from tests import factories

HCMC = "TP. Hồ Chí Minh"
HANOI = "Hà Nội"


def image_bytes(fmt: str = "PNG", size=(40, 30), color=(200, 30, 30), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt, **options)
    return out.getvalue()


def jpeg_with_metadata() -> bytes:
    """A JPEG carrying a camera, an orientation, a GPS position and a comment."""
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # make
    exif[0x0110] = "EOS 5D"  # model
    exif[0x0112] = 6  # orientation: rotate 90°
    exif[0x8825] = {1: "N", 2: (10.0, 46.0, 30.0), 3: "E", 4: (106.0, 41.0, 0.0)}
    data = image_bytes("JPEG", size=(60, 40), exif=exif.tobytes(), comment=b"secret note")
    assert b"Canon" in data
    assert b"secret note" in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.getexif().get_ifd(0x8825)[1] == "N"
    return data


def assert_no_metadata(data: bytes) -> None:
    assert data.startswith(b"\xff\xd8")  # a JPEG
    for secret in (b"Exif", b"Canon", b"EOS 5D", b"secret note"):
        assert secret not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert not {"exif", "comment", "icc_profile", "xmp"} & set(image.info)


def linked_account(unit_code: str = "PE0100", province: str = HCMC, **fields):
    """A new account (in English unless told) linked to a new customer of `unit_code`;
    returns (account, customer)."""
    fields.setdefault("language", "en")
    customer = factories.customer(unit_code=unit_code, province=province)
    account = factories.account(**fields)
    factories.link(account, customer)
    return account, customer


def make_report(
    reporter,
    *,
    code: str = "",
    kind: str = Kind.NO_POWER_HOUSE,
    address: str = "",
    province: str = "",
    photos=(),
    now: datetime | None = None,
    **fields,
) -> Incident:
    values = {
        "kind": kind,
        "customer_code": code,
        "address": address,
        "province": province,
        "latitude": None,
        "longitude": None,
        "description": "Cả nhà mất điện từ 8 giờ sáng.",
        "contact_phone": "+84912345678",
    }
    values.update(fields)
    return services.report(
        reporter=reporter,
        report=services.Report(**values),
        photos=list(photos),
        now=now or timezone.now(),
    )


def stored_photo_files(settings) -> list:
    root = settings.MEDIA_ROOT / "incidents"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture(autouse=True)
def _media_of_this_test(settings, tmp_path):
    """Photos go to a media folder of each test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def saigon(units):
    """(account, customer) of PE0100 (EVNHCMC → PE01 → PE0100), in HCMC."""
    return linked_account("PE0100", HCMC)


@pytest.fixture
def hanoi(units):
    """(account, customer) of PD0100 (EVNHANOI → PD01 → PD0100), in Hà Nội."""
    return linked_account("PD0100", HANOI)
