"""Photos of incident reports: only real JPEG, PNG or WebP images of at most 5 MB, at
most 3, re-encoded as JPEG without metadata; a bad photo stops the whole report."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from cskh.incidents import photos
from cskh.incidents.models import Incident, IncidentPhoto, Kind
from tests.helpers import error_of, token_for
from tests.incidents.conftest import (
    assert_no_metadata,
    image_bytes,
    jpeg_with_metadata,
    make_report,
    stored_photo_files,
)

# ---------------------------------------------------------------- the pure module


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_come_out_as_jpeg(fmt):
    data, width, height = photos.clean(image_bytes(fmt, size=(40, 30)))
    assert (width, height) == (40, 30)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert image.size == (40, 30)
        assert image.mode == "RGB"


def test_a_png_with_transparency_is_accepted():
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 0, 0, 0)).save(out, format="PNG")
    data, width, height = photos.clean(out.getvalue())
    assert (width, height) == (20, 10)
    with Image.open(io.BytesIO(data)) as image:
        assert image.mode == "RGB"


def test_exif_gps_and_comment_are_stripped_and_the_orientation_applied():
    data, width, height = photos.clean(jpeg_with_metadata())
    assert_no_metadata(data)
    assert (width, height) == (40, 60)  # the 60×40 photo, turned upright


def test_png_text_chunks_are_dropped():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Ông Bí Mật")
    data, _, _ = photos.clean(image_bytes("PNG", pnginfo=info))
    assert "Bí Mật".encode() not in data
    assert_no_metadata(data)


def test_large_photos_are_scaled_down():
    data, width, height = photos.clean(image_bytes("PNG", size=(4000, 1000)))
    assert (width, height) == (photos.MAX_SIDE, 512)
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (photos.MAX_SIDE, 512)


def test_more_than_5_mb_is_refused_before_decoding():
    with pytest.raises(photos.BadPhoto) as caught:
        photos.clean(b"\xff\xd8" + b"0" * photos.MAX_BYTES)
    assert caught.value.reason == "too_large"


def test_exactly_5_mb_is_not_too_large():
    # a real PNG padded to the limit with an ignored trailing chunk of zeros
    data = image_bytes("PNG")
    padded = data + b"\0" * (photos.MAX_BYTES - len(data))
    assert len(padded) == photos.MAX_BYTES
    try:
        photos.clean(padded)
    except photos.BadPhoto as bad:
        assert bad.reason != "too_large"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"This is a text file, named x.jpg.\n",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
        b"\xff\xd8\xff\xe0" + b"\0" * 40,  # the start of a JPEG and nothing after
        b"GIF89a" + b"\0" * 40,
    ],
    ids=["empty", "text", "pdf", "truncated-jpeg", "broken-gif"],
)
def test_what_is_not_an_image_is_refused(data):
    with pytest.raises(photos.BadPhoto) as caught:
        photos.clean(data)
    assert caught.value.reason == "type"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(fmt):
    with pytest.raises(photos.BadPhoto) as caught:
        photos.clean(image_bytes(fmt))
    assert caught.value.reason == "type"


def test_a_truncated_jpeg_is_refused():
    data = image_bytes("JPEG", size=(200, 200))
    with pytest.raises(photos.BadPhoto) as caught:
        photos.clean(data[: len(data) // 2])
    assert caught.value.reason == "type"


def test_a_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, format="PNG")  # a few kB, 400 megapixels
    assert len(out.getvalue()) < photos.MAX_BYTES
    with pytest.raises(photos.BadPhoto) as caught:
        photos.clean(out.getvalue())
    assert caught.value.reason == "type"


# ---------------------------------------------------------------- through the service


def test_the_service_stores_the_cleaned_photos(saigon, settings):
    account, customer = saigon
    incident = make_report(
        account, code=customer.code, photos=[jpeg_with_metadata(), image_bytes("WEBP")]
    )
    stored = list(incident.photos.order_by("id"))
    assert len(stored) == 2
    assert stored[0].image.name.endswith(f"{incident.ticket_no}-1.jpg")
    assert stored[1].image.name.endswith(f"{incident.ticket_no}-2.jpg")
    assert (stored[0].width, stored[0].height) == (40, 60)
    with stored[0].image.open("rb") as file:
        assert_no_metadata(file.read())
    assert len(stored_photo_files(settings)) == 2


@pytest.mark.parametrize(
    ("uploads", "message"),
    [
        ([image_bytes(), b"not an image"], "Photo 2 is not a JPEG, PNG or WebP image."),
        ([b"\xff\xd8" + b"0" * photos.MAX_BYTES], "Photo 1 is larger than 5 MB."),
        ([image_bytes()] * 4, "Attach at most 3 photos."),
    ],
    ids=["second-not-an-image", "too-large", "four"],
)
def test_a_bad_photo_writes_nothing(saigon, settings, uploads, message):
    from cskh.core.errors import InvalidInput
    from cskh.notifications.models import Notice

    account, customer = saigon
    with translation.override("en"), pytest.raises(InvalidInput) as caught:
        make_report(account, code=customer.code, photos=uploads)
    assert str(caught.value.fields["photos"][-1]) == message
    assert not Incident.objects.exists()
    assert not IncidentPhoto.objects.exists()
    assert not Notice.objects.exists()
    assert stored_photo_files(settings) == []


def test_each_bad_photo_is_named(saigon):
    from cskh.core.errors import InvalidInput

    account, customer = saigon
    with translation.override("en"), pytest.raises(InvalidInput) as caught:
        make_report(
            account, code=customer.code, photos=[b"text", image_bytes(), image_bytes("GIF")]
        )
    assert [str(m) for m in caught.value.fields["photos"]] == [
        "Photo 1 is not a JPEG, PNG or WebP image.",
        "Photo 3 is not a JPEG, PNG or WebP image.",
    ]


# ---------------------------------------------------------------- through the page


def page_data(customer, **fields) -> dict:
    return {
        "kind": Kind.NO_POWER_HOUSE,
        "customer_code": customer.code,
        "description": "Mất điện cả nhà.",
        "contact_phone": "0912 345 678",
        **fields,
    }


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def english(client):
    client.cookies["cskh_language"] = "en"
    return client


def test_the_page_accepts_photos(english, saigon, settings):
    account, customer = saigon
    english.force_login(account)
    response = english.post(
        "/incidents/new/",
        page_data(customer, photos=[upload("a.jpg", jpeg_with_metadata())]),
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{incident.pk}/"
    picture = incident.photos.get()
    with picture.image.open("rb") as file:
        assert_no_metadata(file.read())


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([upload("x.jpg", b"I am only text, named x.jpg.")], "Photo 1 is not a JPEG"),
        ([upload("x.gif", image_bytes("GIF"), "image/gif")], "Photo 1 is not a JPEG"),
        ([upload("big.jpg", b"\xff\xd8" + b"0" * photos.MAX_BYTES)], "Photo 1 is larger than 5 MB"),
        ([upload(f"{n}.png", image_bytes(), "image/png") for n in range(4)], "at most 3 photos"),
    ],
    ids=["renamed-text", "gif", "too-large", "four"],
)
def test_the_page_shows_a_clear_message_and_writes_nothing(
    english, saigon, settings, files, message
):
    account, customer = saigon
    english.force_login(account)
    response = english.post("/incidents/new/", page_data(customer, photos=files))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["photos"])
    assert message in response.content.decode()
    assert not Incident.objects.exists()
    assert stored_photo_files(settings) == []


# ---------------------------------------------------------------- through the API


def api_post(client, token, data, files=()):
    body = dict(data)
    if files:
        body["photos"] = list(files)
    return client.post("/api/v1/incidents", data=body, headers={"Authorization": f"Bearer {token}"})


def api_data(customer, **fields):
    return {
        "kind": Kind.SAFETY_HAZARD,
        "customer_code": customer.code,
        "description": "Dây điện bị đứt trước nhà.",
        "contact_phone": "0912345678",
        **fields,
    }


def test_the_api_accepts_photos_under_both_names(client, saigon, settings):
    account, customer = saigon
    token = token_for(account)
    body = api_data(customer)
    body["photos"] = [upload("a.jpg", jpeg_with_metadata())]
    body["photos[]"] = [upload("b.png", image_bytes(), "image/png")]
    response = client.post(
        "/api/v1/incidents", data=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(pk=response.json()["id"])
    assert incident.photos.count() == 2
    for picture in incident.photos.all():
        with picture.image.open("rb") as file:
            assert_no_metadata(file.read())


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([upload("x.jpg", b"plain text\n")], "Photo 1 is not a JPEG, PNG or WebP image."),
        ([upload("x.bmp", image_bytes("BMP"))], "Photo 1 is not a JPEG, PNG or WebP image."),
        (
            [upload("big.jpg", b"\xff\xd8" + b"0" * photos.MAX_BYTES)],
            "Photo 1 is larger than 5 MB.",
        ),
        (
            [upload(f"{n}.png", image_bytes(), "image/png") for n in range(4)],
            "Attach at most 3 photos.",
        ),
        ([upload("empty.jpg", b"")], None),
    ],
    ids=["renamed-text", "bmp", "too-large", "four", "empty-file"],
)
def test_the_api_refuses_bad_photos_with_422(client, saigon, settings, files, message):
    account, customer = saigon
    response = api_post(client, token_for(account), api_data(customer), files)
    error = error_of(response, 422, "invalid")
    assert list(error["fields"]) == ["photos"]
    if message:
        assert error["fields"]["photos"] == [message]
    assert not Incident.objects.exists()
    assert stored_photo_files(settings) == []
