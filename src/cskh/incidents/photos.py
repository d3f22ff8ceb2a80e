"""Photos attached to incident reports: only real JPEG, PNG or WebP images of at most
5 MB, decoded and re-encoded as JPEG so that no metadata (location, camera) and no
hidden payload survives. Pure module: bytes in, bytes out."""

import io

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 3
ACCEPTED = {"JPEG", "PNG", "WEBP"}
MAX_SIDE = 2048  # larger photos are scaled down
Image.MAX_IMAGE_PIXELS = 50_000_000  # refuse decompression bombs


class BadPhoto(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def clean(data: bytes) -> tuple[bytes, int, int]:
    """Return the photo re-encoded as JPEG without metadata, with its width and height."""
    if len(data) > MAX_BYTES:
        raise BadPhoto("too_large")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ACCEPTED:
                raise BadPhoto("type")
            image.load()
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise BadPhoto("type") from exc
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    picture.info.clear()  # Pillow would write a JPEG comment (and more) found in .info again
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), picture.width, picture.height
