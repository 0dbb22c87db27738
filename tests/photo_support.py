"""Real image files for the photo tests, made with Pillow: photo-like pixels, and the metadata
a phone writes (EXIF with GPS position, orientation, XMP; PNG text chunks)."""
from __future__ import annotations

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
    """Markers of metadata in a file's bytes: EXIF, GPS values, XMP, the PNG text."""
    found = []
    for marker in (b"Exif\x00\x00", b"EXIF", b"XMP ", b"TestPhone", b"http://ns.adobe.com/xap", b"adobe:ns:meta", b"GPSLatitude",
                   SECRET_TEXT.encode(), "拍摄者".encode("utf-16-be"), b"tEXt", b"iTXt", b"zTXt"):
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
