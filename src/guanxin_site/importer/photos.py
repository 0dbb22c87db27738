"""Photos taken out of a received file lose their metadata before they are written into issues/.

A phone's JPEG carries the camera, the time and the GPS position where it was taken (EXIF, XMP,
IPTC); issues/ goes into the project's repository, which a free GitHub Pages site makes public.
Nothing of that is kept: a JPEG keeps only its image data, JFIF, Adobe and ICC segments (copied
byte for byte, so the picture is not encoded again), a PNG only the chunks that draw it. A photo
the camera stored turned (EXIF orientation other than 1) is turned upright and encoded once
(quality 95), since the orientation tag goes with the EXIF. GIF and WebP are encoded again by
Pillow without their metadata. What Pillow cannot read is not written at all (the caller says so).
"""
from __future__ import annotations

import io
import struct

__all__ = ["clean_photo"]

_ORIENTATION = 0x0112
_JPEG_KEPT_APPS = {0xE0: (b"JFIF\x00", b"JFXX\x00"), 0xE2: (b"ICC_PROFILE\x00",), 0xEE: (b"Adobe",)}
# Chunks that draw a PNG (and its animation, colour space and pixel size); everything else is dropped.
_PNG_KEPT = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs",
             b"bKGD", b"acTL", b"fcTL", b"fdAT"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def clean_photo(data: bytes, ext: str) -> bytes | None:
    """The photo without metadata (orientation applied), or None when it cannot be read as an image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            turned = image.getexif().get(_ORIENTATION, 1) not in (None, 1)
            if image.format == "JPEG" and not turned:
                return _jpeg_without_metadata(data)
            if image.format == "PNG" and not turned:
                return _png_without_metadata(data)
            return _encoded_again(image)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct.error, Image.DecompressionBombError):
        return None


def _jpeg_without_metadata(data: bytes) -> bytes:
    """SOI, the kept APPn segments, the tables and frame, then the scans up to EOI (no trailer: a second
    picture that phones append after EOI has EXIF of its own)."""
    out = bytearray(data[:2])
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise ValueError("not a JPEG marker")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        segment = data[at:at + 2 + length]
        if marker == 0xDA:  # start of scan: the rest is image data, up to the end of the image
            end = data.find(b"\xff\xd9", at)
            out += data[at:len(data) if end < 0 else end + 2]
            return bytes(out)
        keep = marker not in range(0xE0, 0xF0) and marker != 0xFE  # APPn and comments go
        if marker in _JPEG_KEPT_APPS:
            keep = segment[4:].startswith(_JPEG_KEPT_APPS[marker])
        if keep:
            out += segment
        at += 2 + length
    raise ValueError("JPEG without image data")


def _png_without_metadata(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG")
    out = bytearray(_PNG_SIGNATURE)
    at = len(_PNG_SIGNATURE)
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        chunk = data[at:at + 12 + length]
        if kind in _PNG_KEPT:
            out += chunk
        at += 12 + length
        if kind == b"IEND":
            break
    return bytes(out)


def _encoded_again(image) -> bytes:
    """Upright, and written again with nothing but the picture (and its colour profile)."""
    from PIL import ImageOps

    fmt = image.format
    out = io.BytesIO()
    if fmt == "GIF":  # every frame kept; GIF has no orientation, its comments and XMP are not written again
        for key in ("comment", "xmp", "extension"):
            image.info.pop(key, None)  # Pillow writes again what it read unless told otherwise
        image.save(out, "GIF", save_all=getattr(image, "n_frames", 1) > 1, loop=image.info.get("loop", 0))
        return out.getvalue()
    upright = ImageOps.exif_transpose(image)
    icc = image.info.get("icc_profile")
    extra = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        upright.save(out, "JPEG", quality=95, **extra)
    elif fmt == "PNG":
        upright.save(out, "PNG", **extra)
    else:  # WebP
        upright.save(out, "WEBP", quality=95, lossless=image.info.get("lossless", False), exif=b"", xmp=b"", **extra)
    return out.getvalue()
