"""Real image files for the photo tests, made with Pillow: photo-like pixels, and the metadata
a phone writes (EXIF with GPS position, orientation, XMP; PNG text chunks)."""
from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, PngImagePlugin

GPS_IFD = 0x8825
ORIENTATION = 0x0112
# Harbin, as a phone writes it: the tests look for these values in every published file.
GPS = {1: "N", 2: (45.0, 45.0, 12.5), 3: "E", 4: (126.0, 38.0, 3.25), 5: 0, 6: 150.0}
XMP = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
       b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
       b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="45,45.2N" '
       b'exif:GPSLongitude="126,38.1E"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')
SECRET_TEXT = "拍摄者张三 电话13800000000"  # what a PNG tEXt/iTXt chunk may carry


def picture(width: int, height: int, seed: int = 1) -> Image.Image:
    """Photo-like pixels: a sky-to-ground gradient, shapes and noise (so encoders work as on a photo)."""
    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    sky = Image.new("RGB", (width, height), (70 + seed * 20 % 120, 120, 190))
    image = Image.blend(image, sky, 0.6)
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(max(2, width // 20), max(3, width // 5))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    return Image.blend(image, noise, 0.12)


def phone_jpeg(path: Path, width: int = 2400, height: int = 1600, orientation: int = 1, seed: int = 1) -> Path:
    """A JPEG as a phone saves it: EXIF with camera, orientation and GPS position, and an XMP packet."""
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"  # Make
    exif[0x0110] = "TP-1"  # Model
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = GPS
    path.parent.mkdir(parents=True, exist_ok=True)
    picture(width, height, seed).save(path, "JPEG", quality=90, exif=exif.tobytes(), xmp=XMP)
    return path


def png_with_text(path: Path, width: int = 800, height: int = 600, seed: int = 2) -> Path:
    """A PNG with transparency, text chunks (tEXt, iTXt) and an XMP packet."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", SECRET_TEXT)
    info.add_itxt("Comment", SECRET_TEXT, lang="zh", tkey="说明")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    image = picture(width, height, seed).convert("RGBA")
    image.putalpha(200)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "PNG", pnginfo=info)
    return path


def metadata_found(data: bytes) -> list[str]:
    """Markers of metadata in a file's bytes: EXIF, GPS values, XMP, the PNG text, ICC profiles, IPTC, comments."""
    found = []
    for marker in (b"Exif\x00\x00", b"EXIF", b"XMP ", b"TestPhone", b"http://ns.adobe.com/xap", b"adobe:ns:meta", b"GPSLatitude",
                   SECRET_TEXT.encode(), "拍摄者".encode("utf-16-be"), b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP",
                   b"ICC_PROFILE", b"acsp", OWNER.encode("utf-16-be"), b"Photoshop 3.0", b"8BIM", IPTC_BYLINE.encode(),
                   COMMENT.encode(), b"XMP DataXMP", b"ICCRGBG1", "张三".encode()):
        if marker in data:
            found.append(marker.decode("latin-1"))
    return found


def write_photo_issue(project: Path, relative: str, number: int, date: str, photos: int, paragraphs: list[str],
                      regions: tuple[str, ...] = ("黑河市", "伊春市"), base: tuple[int, int] = (1800, 1200)) -> list[str]:
    """An issue with `photos` captioned photos spread over its reports; returns the captions in order."""
    path = project / "issues" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["---", f"number: {number}", f"date: {date}", f"title: 各地关工委开展关爱活动（图片报道{number}）", "---", ""]
    captions = []
    for n in range(photos):
        if n % max(1, photos // len(regions)) == 0 and n // max(1, photos // len(regions)) < len(regions):
            region = regions[n // max(1, photos // len(regions))]
            lines += [f"## {region}", "", f"{region}关工委" + paragraphs[n % len(paragraphs)], ""]
        name = f"照片/活动{n + 1}.jpg"
        phone_jpeg(path.parent / name, base[0] + 200 * (n % 3), base[1] + 300 * (n % 2), orientation=6 if n % 4 == 3 else 1,
                   seed=n + 11)
        caption = f"第{n + 1}张照片的说明：“五老”与孩子们一起参加活动"
        captions.append(caption)
        lines += [f"![活动现场{n + 1}]({name})", f"*{caption}*", "", paragraphs[(n * 3 + 1) % len(paragraphs)] * (1 + n % 3), ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return captions


# --- Every kind of metadata, in every image format a published file may have -----------------
# The markers below are looked for in the published bytes (metadata_found) and the files' structure is
# walked by an inspector of its own (structure_metadata), independent of the code under test.

COMMENT = "编辑部备注 secret comment"  # a JPEG COM segment / GIF comment extension
OWNER = "ZhangSan-cam1"  # written into an ICC profile's description: a profile can name its camera or owner
IPTC_BYLINE = "摄影张三"  # IPTC By-line, in a JPEG's Photoshop APP13 segment or a TIFF's IPTC tag


def identifying_icc() -> bytes:
    """An sRGB ICC profile whose description names a person's camera (same length as "sRGB built-in")."""
    from PIL import ImageCms

    data = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = "sRGB built-in".encode("utf-16-be")
    assert original in data and len(OWNER) == len("sRGB built-in")
    return data.replace(original, OWNER.encode("utf-16-be"))


def _phone_exif() -> "Image.Exif":
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"  # Make
    exif[0x0110] = "TP-1"  # Model
    exif[GPS_IFD] = GPS
    return exif


def _iptc_app13() -> bytes:
    """A Photoshop APP13 segment holding an IPTC By-line record, as photo desks write it."""
    import struct

    byline = IPTC_BYLINE.encode()
    record = b"\x1c\x02\x50" + struct.pack(">H", len(byline)) + byline
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(record)) + record + b"\0" * (len(record) % 2)
    body = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(body) + 2) + body


def loaded_jpeg(path: Path, width: int = 1200, height: int = 900, seed: int = 3, orientation: int = 1) -> Path:
    """A JPEG with EXIF (camera, GPS), XMP, a comment, an identifying ICC profile and IPTC."""
    exif = _phone_exif()
    exif[ORIENTATION] = orientation
    out = io.BytesIO()
    picture(width, height, seed).save(out, "JPEG", quality=88, exif=exif.tobytes(), xmp=XMP, comment=COMMENT.encode(),
                                      icc_profile=identifying_icc())
    data = out.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[:2] + _iptc_app13() + data[2:])  # right after SOI
    return path


def loaded_png(path: Path, width: int = 640, height: int = 480, seed: int = 4) -> Path:
    """A PNG with tEXt, zTXt, iTXt (XMP), eXIf (GPS) and an identifying iCCP chunk."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", SECRET_TEXT)
    info.add_text("Comment", SECRET_TEXT, zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    path.parent.mkdir(parents=True, exist_ok=True)
    picture(width, height, seed).save(path, "PNG", pnginfo=info, exif=_phone_exif().tobytes(), icc_profile=identifying_icc())
    return path


def loaded_webp(path: Path, width: int = 640, height: int = 480, seed: int = 5) -> Path:
    """A WebP with EXIF (GPS), XMP and an identifying ICC profile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    picture(width, height, seed).save(path, "WEBP", exif=_phone_exif().tobytes(), xmp=XMP, icc_profile=identifying_icc())
    return path


def loaded_gif(path: Path, width: int = 320, height: int = 240, frames: int = 2) -> Path:
    """An animated GIF with a comment extension and XMP and ICC application extensions."""
    images = [picture(width, height, seed).convert("P") for seed in range(6, 6 + frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], comment=COMMENT.encode(), duration=200, loop=0)
    data = out.getvalue()
    xmp = b"!\xff\x0bXMP DataXMP" + _sub_blocks(XMP) + b"\x00"
    icc = b"!\xff\x0bICCRGBG1012" + _sub_blocks(identifying_icc()) + b"\x00"
    trailer = data.rindex(b";")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[:trailer] + xmp + icc + data[trailer:])
    return path


def _sub_blocks(data: bytes) -> bytes:
    return b"".join(bytes([len(data[at:at + 255])]) + data[at:at + 255] for at in range(0, len(data), 255))


def loaded_tiff(path: Path, width: int = 480, height: int = 360, seed: int = 7, pages: int = 2) -> Path:
    """A (multi-page, as a scanner writes it) TIFF with camera and GPS tags, artist, description,
    XMP, IPTC and an identifying ICC profile."""
    from PIL import TiffImagePlugin

    tags = TiffImagePlugin.ImageFileDirectory_v2()
    tags[270] = SECRET_TEXT  # ImageDescription
    tags[315] = "张三"  # Artist
    tags[700] = XMP
    tags[33723] = b"\x1c\x02\x50\x00" + bytes([len(IPTC_BYLINE.encode())]) + IPTC_BYLINE.encode()
    tags[0x010F], tags[0x0110], tags[GPS_IFD] = "TestPhone", "TP-1", GPS  # Make, Model, the GPS IFD
    path.parent.mkdir(parents=True, exist_ok=True)
    images = [picture(width, height, seed + n) for n in range(pages)]
    images[0].save(path, "TIFF", tiffinfo=tags, icc_profile=identifying_icc(),
                   save_all=True, append_images=images[1:])
    return path


def fake_heic(path: Path) -> Path:
    """The start of an HEIC file as an iPhone writes it (ftyp box, then a meta box holding EXIF)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00\x00\x00\x40meta" + b"Exif\x00\x00MM\x00*TestPhone"
    path.write_bytes(body + bytes(200))
    return path


LOADED = {"jpg": loaded_jpeg, "png": loaded_png, "webp": loaded_webp, "gif": loaded_gif, "tif": loaded_tiff}


# --- An inspector of published files' structure, written apart from the code under test ----------

def image_format(data: bytes) -> str | None:
    """The image format of a file by its first bytes, whatever its name says."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data[4:8] == b"ftyp":
        return "isobmff"
    return None


def structure_metadata(data: bytes) -> list[str]:
    """Every part of an image file that is not pixels or what decoding them needs (a JPEG's APPn
    other than JFIF, COM; PNG ancillary text/EXIF/ICC chunks; WebP EXIF/XMP/ICC chunks; GIF
    comment and application extensions other than looping; TIFF tags beyond the baseline), and
    bytes after the image's end. [] for a clean file."""
    kind = image_format(data)
    walker = {"jpeg": _jpeg_parts, "png": _png_parts, "webp": _webp_parts, "gif": _gif_parts, "tiff": _tiff_parts}.get(kind)
    return [f"{kind} file: cannot be cleaned, must never be published"] if walker is None else walker(data)


def _jpeg_parts(data: bytes) -> list[str]:
    found, at = [], 2
    while at < len(data):
        if data[at] != 0xFF:
            return found + [f"garbage at {at}"]
        marker = data[at + 1]
        if marker == 0xD9:  # EOI
            return found + ([f"{len(data) - at - 2} bytes after the image"] if len(data) > at + 2 else [])
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            at += 2
            continue
        length = int.from_bytes(data[at + 2:at + 4], "big")
        body = data[at + 4:at + 2 + length]
        if marker == 0xFE:
            found.append("COM")
        elif 0xE1 <= marker <= 0xEF:
            found.append(f"APP{marker - 0xE0} {body[:12]!r}")
        elif marker == 0xE0 and not body.startswith(b"JFIF\x00"):
            found.append(f"APP0 {body[:12]!r}")
        at += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker that is not a stuffed byte or RST
            while at < len(data) - 1 and not (data[at] == 0xFF and data[at + 1] not in (0, *range(0xD0, 0xD8))):
                at += 1
    return found + ["no EOI"]


_PNG_PIXEL_CHUNKS = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND", b"gAMA", b"cHRM", b"sRGB", b"pHYs", b"acTL", b"fcTL", b"fdAT"}


def _png_parts(data: bytes) -> list[str]:
    found, at = [], 8
    while at + 8 <= len(data):
        length, kind = int.from_bytes(data[at:at + 4], "big"), data[at + 4:at + 8]
        if kind not in _PNG_PIXEL_CHUNKS:
            found.append(kind.decode("latin-1"))
        at += 12 + length
        if kind == b"IEND":
            return found + ([f"{len(data) - at} bytes after IEND"] if at < len(data) else [])
    return found + ["no IEND"]


def _webp_parts(data: bytes) -> list[str]:
    found, at = [], 12
    while at + 8 <= len(data):
        kind, length = data[at:at + 4], int.from_bytes(data[at + 4:at + 8], "little")
        if kind not in (b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF"):
            found.append(kind.decode("latin-1"))
        if kind == b"VP8X" and data[at + 8] & 0b101100:  # the ICC, EXIF and XMP flags
            found.append("VP8X metadata flags")
        at += 8 + length + (length & 1)
    return found + ([f"{len(data) - at} bytes after the chunks"] if at != len(data) else [])


def _gif_parts(data: bytes) -> list[str]:
    found = []
    at = 13 + (3 * (2 << (data[10] & 7)) if data[10] & 0x80 else 0)

    def skip_sub_blocks(at: int) -> int:
        while data[at]:
            at += data[at] + 1
        return at + 1

    while at < len(data):
        block = data[at]
        if block == 0x3B:
            return found + ([f"{len(data) - at - 1} bytes after the trailer"] if at + 1 < len(data) else [])
        if block == 0x2C:
            flags = data[at + 9]
            at += 10 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0) + 1
            at = skip_sub_blocks(at)
        elif block == 0x21:
            label = data[at + 1]
            if label == 0xFE:
                found.append("comment extension")
            elif label == 0x01:
                found.append("plain text extension")
            elif label == 0xFF and data[at + 3:at + 14] != b"NETSCAPE2.0":
                found.append(f"application extension {data[at + 3:at + 14]!r}")
            at = skip_sub_blocks(at + 2)
        else:
            return found + [f"unknown block {block:#x}"]
    return found + ["no trailer"]


_TIFF_BASELINE = {254, 256, 257, 258, 259, 262, 266, 273, 274, 277, 278, 279, 282, 283, 284, 296, 317, 320, 338, 339}


def _tiff_parts(data: bytes) -> list[str]:
    found = []
    with Image.open(io.BytesIO(data)) as image:
        for page in range(getattr(image, "n_frames", 1)):
            image.seek(page)
            found += [f"page {page} tag {tag}" for tag in image.tag_v2 if tag not in _TIFF_BASELINE]
    return found
