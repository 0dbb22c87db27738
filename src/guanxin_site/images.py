"""Photos in reports: find them, check them, and publish them as resized copies without metadata.

Two halves, one on each side of the pipeline:

- While parsing (cheap, once per changed issue): every `![说明](文件.jpg)` of a report is
  resolved beside the issue file, checked by its bytes (a real JPEG, PNG, GIF or WebP, not too
  large, not a decompression bomb) and recorded as a frozen Photo; the Markdown image
  becomes a <figure> with <picture>, srcset/sizes and width/height, captioned as in the
  printed bulletin. Only the header is decoded (at 1/8 scale for JPEG, to catch a
  truncated file), so `check` stays fast.
- While building (heavy, once per photo ever): each photo is decoded, turned upright
  (EXIF orientation), stripped of every piece of metadata (EXIF with GPS, XMP, IPTC, PNG
  text chunks: nothing of the source's metadata is copied) and encoded at a few widths as
  JPEG and WebP with fixed settings. The files go to .guanxin-cache/photos/, keyed by the
  source's digest and these settings, so an unchanged photo is never processed again and
  the same photo gives the same bytes on every build.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Callable
from urllib.parse import unquote, urlsplit

from markupsafe import escape

from guanxin_site.cache import CACHE_DIR, write_problem
from guanxin_site.errors import OutputError, visible
from guanxin_site.fsutil import sync_directory, sync_tree, write_file
from guanxin_site.models import Photo, Rendition
from guanxin_site.reader import ISSUES_DIR

if TYPE_CHECKING:
    from markdown_it.token import Token

MAX_BYTES = 20 * 1024 * 1024  # a phone photo is 2–8 MB; more is a scan or a video frame
MAX_PIXELS = 40_000_000  # 40 megapixels: above any phone camera; a decompression bomb is far above
WIDTHS = (480, 960, 1600)  # phone, tablet / phone at 2x, desktop at 2x for a 44rem column
DEFAULT_WIDTH = 960  # what <img src> names, for browsers without srcset
CLOSE = 0.9  # a rendition within 10 % of the source's width adds nothing: the source width replaces it
JPEG_SETTINGS = {"quality": 82, "optimize": True, "progressive": True, "subsampling": 2}
WEBP_SETTINGS = {"quality": 78, "method": 4}
MAX_FRAME_PIXELS = 10 * MAX_PIXELS  # all pages of a TIFF scan, all frames of an animation, together
FORMATS = ("JPEG", "PNG", "GIF", "WEBP")  # what Pillow may read a photo as (a GIF: its first frame)
_FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "GIF", "WEBP": "WebP", "TIFF": "TIFF"}
SETTINGS_VERSION = "4"  # bump when renditions change for the same source (widths, settings, pipeline)
# Shown width of a photo: the content column is 46rem with 1rem padding on each side.
SIZES = "(max-width: 46rem) calc(100vw - 2rem), 44rem"
CACHE_SUBDIR = "photos"
_LOCAL_PATH = re.compile(r"!\[[^\]\n]*\]\(\s*<?((?:[A-Za-z]:[\\/]|file:)[^)>\n]*)")  # ![…](C:\… or file:…
_NAME_UNSAFE = re.compile(r"[\x00-\x20\x7f:?#%\\\"<>|*,;'&/]+")  # would break a URL, a srcset or an attribute


class ImageProblem(Exception):
    """A photo cannot be published; the message (Chinese) says why and what to do.
    args: (message, source path or ""); plain args, so it survives pickling from a worker."""

    def __str__(self) -> str:
        return self.args[0]

    @property
    def source(self) -> str:
        return self.args[1] if len(self.args) > 1 else ""


@dataclass(frozen=True)
class Facts:
    """What the parser needs to know about a photo file, read without decoding it fully."""

    digest: str
    size: int
    width: int  # after orientation
    height: int


def read_facts(path: Path, shown: str) -> Facts:
    """Check a photo file by its bytes; raise ImageProblem with a Chinese message."""
    try:
        size = path.stat().st_size
    except OSError:
        raise ImageProblem(f"找不到图片“{shown}”") from None
    if size > MAX_BYTES:
        raise ImageProblem(f"图片“{shown}”有 {size / 1048576:.1f} MB，超过 {MAX_BYTES // 1048576} MB；"
                           "请缩小后再用（例如用手机或电脑的“调整大小”，长边 3000 像素足够）")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImageProblem(f"无法读取图片“{shown}”（{exc.strerror or exc}）") from None
    width, height, orientation = _decodable(data, FORMATS, f"图片“{shown}”")
    if orientation in (5, 6, 7, 8):  # turned a quarter: the displayed image is the other way round
        width, height = height, width
    return Facts(hashlib.sha256(data).hexdigest(), size, width, height)


def _decodable(data: bytes, formats: tuple[str, ...], shown: str, why: str = "") -> tuple[int, int, int]:
    """Check that an image decodes, cheaply: its size, then its pixels (a JPEG at 1/8 scale, which
    still reads every byte, so a truncated file fails here). Returns width, height and EXIF
    orientation; raises ImageProblem (shown: 图片“…” or 附件“…”; why: what refusing it means)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns (of large images, corrupt EXIF) on stderr, in English
            with Image.open(io.BytesIO(data), formats=list(formats)) as image:
                width, height = image.size
                frames = getattr(image, "n_frames", 1)
                if width * height > MAX_PIXELS or frames * width * height > MAX_FRAME_PIXELS:
                    many = f"{width}×{height} 像素" + (f"、{frames} 帧（页）" if frames > 1 else "")
                    raise ImageProblem(f"{shown}有 {many}，超过 {MAX_PIXELS // 1_000_000} 百万像素{why}；"
                                       "请缩小后再用（长边 3000 像素足够）")
                if image.format in ("JPEG", "MPO"):
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))  # decode at 1/8 scale: cheap
                image.load()  # a truncated or corrupt file fails here, not in the build
                orientation = image.getexif().get(0x0112, 1)
    except ImageProblem:
        raise
    except UnidentifiedImageError:
        if len(formats) == 1:  # it starts as that format does, and goes on as no such file does
            raise ImageProblem(f"{shown}已损坏或不完整，无法读取{why}；请重新导出或重新拷贝这张图片") from None
        names = "、".join(_FORMAT_NAMES[f] for f in formats[:-1]) + f" 或 {_FORMAT_NAMES[formats[-1]]}"
        raise ImageProblem(f"{shown}不是 {names} 图片（按文件内容判断，与扩展名无关）{why}；"
                           "请另存为 JPG 格式后再用") from None
    except Image.DecompressionBombError:  # claims hundreds of megapixels: a decompression bomb
        raise ImageProblem(f"{shown}的像素过多（超过 {MAX_PIXELS // 1_000_000} 百万像素）{why}；"
                           "请缩小后再用（长边 3000 像素足够）") from None
    except Exception as exc:  # noqa: BLE001 - a damaged file makes Pillow's decoders raise almost anything
        raise ImageProblem(f"{shown}已损坏或不完整，无法读取（{exc}）{why}；请重新导出或重新拷贝这张图片") from None
    return width, height, orientation


def rendition_widths(width: int) -> tuple[int, ...]:
    """The widths published for a source this wide: never wider than the source, no near-duplicates."""
    top = min(width, WIDTHS[-1])
    return tuple(w for w in WIDTHS if w < top * CLOSE) + (top,)


def plan_renditions(stem: str, width: int, height: int) -> tuple[Rendition, ...]:
    renditions = []
    for w in rendition_widths(width):
        h = max(1, round(height * w / width))
        for fmt, ext in (("webp", "webp"), ("jpeg", "jpg")):
            renditions.append(Rendition(f"{stem}-{w}.{ext}", w, h, fmt))
    return tuple(renditions)


def published_stem(source_name: str) -> str:
    """The readable part of the published file names: the source's name, made safe to write
    unquoted in a URL, a srcset and an attribute (no spaces, commas, quotes, % or reserved characters)."""
    stem = _NAME_UNSAFE.sub("-", PurePosixPath(source_name).stem).strip("-.")
    return stem[:60] or "photo"


# --- Parsing: Markdown images -> Photos and <figure> markup ---------------------------------

class PhotoPass:
    """Turns the image tokens of one issue's body into figures, recording each photo.

    fail(line, message) reports a located problem; photos are resolved beside the issue file.
    """

    def __init__(self, issue_path: Path, issue_rel: str, project_dir: Path, body_line: int,
                 fail: Callable[[int, str], None], taken_names: set[str] | None = None):
        self.issue_path, self.issue_rel, self.project_dir = issue_path, issue_rel, project_dir
        self.body_line, self.fail = body_line, fail
        self.photos: list[Photo] = []
        self._taken = {n.casefold() for n in (taken_names or ())}  # attachment names beside the page
        self._stems: dict[str, str] = {}  # digest -> stem: the same photo twice is published once
        self._issues_root = (project_dir / ISSUES_DIR).resolve()

    def rewrite(self, tokens: list[Token]) -> list[Token]:
        """The token stream with image paragraphs replaced by figure blocks (html_block tokens)."""
        out: list[Token] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.type == "inline" and "![" in token.content:
                self._local_paths(token)
            if token.type == "inline" and token.children and any(c.type == "image" for c in token.children):
                standalone = i >= 1 and tokens[i - 1].type == "paragraph_open" and i + 1 < len(tokens) \
                    and tokens[i + 1].type == "paragraph_close"
                figures = self._standalone(token, tokens, i) if standalone else None
                if figures is not None:
                    html, text, consumed = figures
                    out.pop()  # the paragraph_open
                    out.append(_html_block(html, text, tokens[i - 1]))
                    i += 2 + consumed  # past the inline and paragraph_close (and an absorbed caption paragraph)
                    continue
                self._inline(token)
            out.append(token)
            i += 1
        return out

    def _standalone(self, token: Token, tokens: list[Token], index: int) -> tuple[str, str, int] | None:
        """A paragraph of only images (one per line), optionally ending with an italic caption line,
        or followed by a paragraph that is wholly italic: figures. Anything else: None."""
        children = [c for c in token.children if not (c.type == "text" and not c.content.strip())]
        images: list[Token] = []
        caption = None
        n = 0
        while n < len(children):
            child = children[n]
            if child.type == "image":
                images.append(child)
            elif child.type in ("softbreak", "hardbreak"):
                pass
            elif child.type == "em_open" and images and _closes_at_end(children, n):
                caption = _inline_text(children[n + 1:-1])
                break
            else:
                return None
            n += 1
        consumed = 0
        if caption is None and len(images) == 1:
            following = _italic_paragraph(tokens, index + 2)
            if following is not None:
                caption, consumed = following, 3
        lines = self._lines(token, len(images))
        parts, captions = [], []
        for k, image in enumerate(images):
            photo = self._photo(image, lines[k], caption if k == len(images) - 1 else None)
            if photo is not None:
                parts.append(figure_html(photo, eager=len(self.photos) == 1))
                captions.append(photo.caption)
        return "".join(parts), "\n".join(c for c in captions if c), consumed

    def _inline(self, token: Token) -> None:
        """Images inside running text: a <picture> in the paragraph, without a caption."""
        images = [c for c in token.children if c.type == "image"]
        lines = self._lines(token, len(images))
        for k, child in enumerate(images):
            photo = self._photo(child, lines[k], None)
            if photo is not None:
                child.type, child.tag, child.nesting, child.children = "html_inline", "", 0, None
                child.content = picture_html(photo, eager=len(self.photos) == 1)

    def _local_paths(self, token: Token) -> None:
        """A path on the editor's own computer (C:\\照片\\a.jpg, file:///…) is no link to markdown-it,
        so it would be shown as text: say what to do instead."""
        first = self.body_line + (token.map[0] if token.map else 0)
        for n, text in enumerate(token.content.split("\n")):
            for match in _LOCAL_PATH.finditer(text):
                shown = match.group(1) if len(match.group(1)) <= 60 else match.group(1)[:60] + "……"
                self.fail(first + n, f"图片“{shown}”是这台电脑上的路径，网站上无法显示；请把图片拷贝到本期文件旁边"
                                     f"（或旁边的文件夹中），只写文件名，例如 ![会议现场](会议照片.jpg)")

    def _lines(self, token: Token, count: int) -> list[int]:
        """File line of each image of an inline token: the lines holding "![" in its source, in order."""
        first = self.body_line + (token.map[0] if token.map else 0)
        found = [first + n for n, text in enumerate(token.content.split("\n")) for _ in range(text.count("!["))]
        return [found[k] if k < len(found) else first for k in range(count)]

    def _photo(self, image: Token, line: int, caption: str | None) -> Photo | None:
        src = str(image.attrs.get("src", ""))
        alt = " ".join(_inline_text(image.children or []).split())
        caption = " ".join((caption or "").split())
        path, shown = self._resolve(src, line)
        if path is None:
            return None
        try:
            facts = read_facts(path, shown)
        except ImageProblem as exc:
            self.fail(line, str(exc))
            return None
        stem = self._stems.get(facts.digest) or self._new_stem(path.name)
        self._stems[facts.digest] = stem
        renditions = plan_renditions(stem, facts.width, facts.height)
        top = renditions[-1]
        photo = Photo(source=path.relative_to(self.project_dir.resolve()).as_posix(), digest=facts.digest,
                      size=facts.size, alt=alt or caption, caption=caption or alt, line=line,
                      width=top.width, height=top.height, renditions=renditions)
        self.photos.append(photo)
        return photo

    def _new_stem(self, name: str) -> str:
        base = published_stem(name)
        stem, n = base, 1
        while stem.casefold() in self._taken or any(a.casefold().startswith(stem.casefold() + "-") for a in self._taken):
            n += 1
            stem = f"{base}-{n}"
        self._taken.add(stem.casefold())
        return stem

    def _resolve(self, src: str, line: int) -> tuple[Path | None, str]:
        parts = urlsplit(src)
        shown = visible(unquote(src))
        if len(shown) > 60:
            shown = shown[:60] + "……"
        if parts.scheme or parts.netloc:
            self.fail(line, f"图片“{shown}”是网上的地址；请把图片文件放在本期文件旁边（或旁边的文件夹中），"
                            "再写文件名，例如 ![会议现场](会议照片.jpg)")
            return None, shown
        name = unquote(parts.path)
        if not name:
            self.fail(line, "图片没有写文件名；格式是 ![说明文字](文件名.jpg)")
            return None, shown
        pure = PurePosixPath(name.replace("\\", "/"))
        if pure.is_absolute() or (len(name) > 1 and name[1] == ":"):
            self.fail(line, f"图片“{shown}”用了绝对路径；请写相对于本期文件的路径，例如 ![会议现场](照片/会议.jpg)")
            return None, shown
        candidate = self.issue_path.parent / Path(*pure.parts)
        try:
            real = candidate.resolve(strict=True)
        except (OSError, RuntimeError, ValueError):  # missing, a link loop, a NUL in the name
            folder = PurePosixPath(self.issue_rel).parent
            self.fail(line, f"找不到图片“{shown}”；请把它放在 {folder}/ 文件夹中（或其中的子文件夹），"
                            "并检查文件名（包括扩展名 .jpg/.png）是否一字不差")
            return None, shown
        if not real.is_relative_to(self._issues_root):
            self.fail(line, f"图片“{shown}”在 {ISSUES_DIR}/ 文件夹以外（或是指向别处的链接），不能发布；"
                            f"请把图片拷贝到本期文件旁边")
            return None, shown
        if not real.is_file():
            self.fail(line, f"“{shown}”不是一个普通文件，不能作为图片发布")
            return None, shown
        return real, shown


def _closes_at_end(children: list[Token], start: int) -> bool:
    """children[start] is an em_open whose em_close is the last child."""
    return children[-1].type == "em_close" and children[-1].level == children[start].level \
        and not any(c.type == "image" for c in children[start:])


def _italic_paragraph(tokens: list[Token], index: int) -> str | None:
    """The text of a paragraph at tokens[index] that is wholly one italic run, else None."""
    if index + 2 >= len(tokens) or tokens[index].type != "paragraph_open" or tokens[index + 2].type != "paragraph_close":
        return None
    children = tokens[index + 1].children or []
    if len(children) >= 3 and children[0].type == "em_open" and _closes_at_end(children, 0) \
            and not any(c.type == "em_open" for c in children[1:-1]):
        text = _inline_text(children[1:-1]).strip()
        return text or None
    return None


def _inline_text(children) -> str:
    return "".join(c.content if c.type in ("text", "code_inline") else _inline_text(c.children or [])
                   for c in children if c.type not in ("softbreak", "hardbreak")) if children else ""


def _html_block(html: str, text: str, like: Token) -> Token:
    """A block of our own markup; meta["text"] is its readable text (the captions) for the parser."""
    from markdown_it.token import Token

    return Token("html_block", "", 0, content=html, map=like.map, block=True, meta={"text": text})


def _srcset(photo: Photo, fmt: str) -> str:
    return ", ".join(f"{r.name} {r.width}w" for r in photo.renditions if r.format == fmt)


def picture_html(photo: Photo, eager: bool) -> str:
    """<picture>: WebP for browsers that take it, JPEG for the rest; sized so nothing jumps."""
    jpegs = [r for r in photo.renditions if r.format == "jpeg"]
    default = min((r for r in jpegs if r.width >= DEFAULT_WIDTH), key=lambda r: r.width, default=jpegs[-1])
    loading = "" if eager else ' loading="lazy"'
    return (f'<picture><source type="image/webp" srcset="{_srcset(photo, "webp")}" sizes="{SIZES}">'
            f'<img src="{default.name}" srcset="{_srcset(photo, "jpeg")}" sizes="{SIZES}" '
            f'width="{photo.width}" height="{photo.height}" alt="{escape(photo.alt)}"{loading} decoding="async">'
            f"</picture>")


_PHOTO_URLS = re.compile(r'(\s(?:src|srcset)=")([^"]*)(")')


def absolute_photo_urls(html: str, base: str) -> str:
    """Photo URLs made absolute (base: the issue page's full URL), for HTML read away from the
    issue page: a feed reader resolves a relative URL against the feed, not the page."""
    if "<picture>" not in html:
        return html

    def absolute(match: re.Match) -> str:
        candidates = ", ".join(base + c for c in match.group(2).split(", "))
        return match.group(1) + candidates + match.group(3)

    return _PHOTO_URLS.sub(absolute, html)


def figure_html(photo: Photo, eager: bool) -> str:
    """A photo with its caption under it, as the printed bulletin sets it."""
    caption = f"<figcaption>{escape(photo.caption)}</figcaption>\n" if photo.caption else ""
    return f'<figure class="photo">\n{picture_html(photo, eager)}\n{caption}</figure>\n'


# --- Building: renditions, cached by source digest and settings -----------------------------
# Every function here takes the build's cache folder (cache.CacheFolder.path: the project's
# .guanxin-cache, or a temporary folder when that cannot be written).

def _codec_versions() -> str:
    from PIL import __version__ as pillow, features

    return f"pillow={pillow};jpg={features.version('jpg')};webp={features.version('webp')}"


def cache_key(digest: str) -> str:
    """Renditions depend on the source bytes, the settings here and the encoders' versions."""
    settings = json.dumps([SETTINGS_VERSION, WIDTHS, CLOSE, JPEG_SETTINGS, WEBP_SETTINGS, _codec_versions()],
                          sort_keys=True)
    return hashlib.sha256(f"{digest}\0{settings}".encode()).hexdigest()


def cache_folder(cache_dir: Path, digest: str) -> Path:
    key = cache_key(digest)
    return cache_dir / CACHE_SUBDIR / key[:2] / key


def _read_index(folder: Path, wanted: set[str]) -> dict[str, str] | None:
    """A stored folder's index (file -> sha256 of its bytes), if it holds every wanted file."""
    try:
        index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(index, dict) or not wanted <= set(index) or not all((folder / n).is_file() for n in wanted):
        return None
    return index


def cached_index(cache_dir: Path, photo: Photo) -> dict[str, str] | None:
    """rendition file (width.ext) -> sha256 of its bytes, if the cache holds every rendition of this photo."""
    return _read_index(cache_folder(cache_dir, photo.digest), {_cache_name(r) for r in photo.renditions})


def _cache_name(rendition: Rendition) -> str:
    return f"{rendition.width}.{'jpg' if rendition.format == 'jpeg' else 'webp'}"


def rendition_digest(index: dict[str, str], rendition: Rendition) -> str:
    return index[_cache_name(rendition)]


def rendition_bytes(cache_dir: Path, photo: Photo, rendition: Rendition) -> bytes:
    return (cache_folder(cache_dir, photo.digest) / _cache_name(rendition)).read_bytes()


def make_renditions(project_dir: Path, cache_dir: Path, photo: Photo) -> dict[str, str]:
    """Decode, turn upright, drop all metadata, resize and encode; store in the cache. Returns its index.

    Raises ImageProblem if the source changed into something unreadable since it was parsed."""
    from PIL import Image, ImageOps

    source = project_dir / photo.source
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ImageProblem(f"无法读取图片“{photo.source}”（{exc.strerror or exc}）", photo.source) from None
    if hashlib.sha256(data).hexdigest() != photo.digest:
        raise ImageProblem(f"图片“{photo.source}”在生成过程中被改动了；请重新生成", photo.source)
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as opened:
            icc = opened.info.get("icc_profile")
            if opened.format in ("JPEG", "MPO"):  # decode at 1/2, 1/4 or 1/8 scale where the largest rendition allows
                turned = opened.getexif().get(0x0112, 1) in (5, 6, 7, 8)
                opened.draft("RGB", (photo.height, photo.width) if turned else (photo.width, photo.height))
            upright = ImageOps.exif_transpose(opened)
            if upright.mode == "CMYK":  # the profile gives CMYK its colours: applied before anything else
                upright, icc = _to_srgb(upright, icc), None
            image = _flatten(upright)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageProblem(f"图片“{photo.source}”无法读取（{exc}）", photo.source) from None
    files: dict[str, bytes] = {}
    current = image
    for rendition in sorted({(r.width, r.height) for r in photo.renditions}, reverse=True):
        width, height = rendition
        if current.size != (width, height):
            current = current.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        if icc:  # to sRGB once, at the largest rendition's size: a third of the work at the decoded size
            current, icc = _bare(_to_srgb(current, icc)), None
        jpeg, webp = io.BytesIO(), io.BytesIO()
        current.save(jpeg, "JPEG", **JPEG_SETTINGS)  # no exif=, xmp=, icc_profile=: none is written
        current.save(webp, "WEBP", **WEBP_SETTINGS)
        files[f"{width}.jpg"], files[f"{width}.webp"] = jpeg.getvalue(), webp.getvalue()
    index = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}
    _store(cache_folder(cache_dir, photo.digest), files, index)
    return index


def _to_srgb(image, icc: bytes | None):
    """The pixels in sRGB, which browsers assume for an image without a colour profile: the
    source's ICC profile is applied here and never published (its description can name the
    camera or its owner). A profile that cannot be read leaves the pixels as they are."""
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        from PIL import ImageCms  # LittleCMS, in Pillow's wheels; a Pillow built without it drops the profile only
    except ImportError:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                         outputMode="RGBA" if image.mode == "RGBA" else "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image


def _flatten(image):
    """RGB pixels only: transparency onto white paper, palettes and greyscale expanded. A new image
    object, so nothing of the source's info (text chunks, XMP, EXIF) travels with it."""
    from PIL import Image

    if image.mode.startswith("I") or image.mode == "F":  # 16-bit greyscale (a scan): 0..65535 onto 0..255
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGB", rgba.size, (255, 255, 255))
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    return _bare(image.convert("RGB"))


def _bare(image, keep: tuple[str, ...] = ()):
    """A copy of the pixels (and palette) with none of the source's info (EXIF, XMP, ICC profile,
    comments, text chunks) but the keys in `keep`: the encoders write what info holds."""
    copy = image.copy()
    copy.info = {key: image.info[key] for key in keep if key in image.info}
    return copy


def _store(folder: Path, files: dict[str, bytes], index: dict[str, str]) -> None:
    """Write a stored folder whole or not at all: into a temporary folder, synced, then renamed
    into place and the rename synced. A power cut never leaves an index naming empty files.
    Raises OutputError (in Chinese) when the cache cannot be written: the build needs these files."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        for name, data in [*files.items(), ("index.json", json.dumps(index, sort_keys=True).encode())]:
            write_file(tmp / name, data, sync=False)  # synced once, all together, below
        sync_tree(tmp)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"无法写入缓存文件夹 {CACHE_DIR}（{write_problem(exc)}），图片无法处理；"
                          "请检查磁盘空间后重新生成") from None
    shutil.rmtree(folder, ignore_errors=True)  # an incomplete folder from an older run
    try:
        os.rename(tmp, folder)
    except OSError:  # another process stored the same photo meanwhile: same bytes, keep theirs
        shutil.rmtree(tmp, ignore_errors=True)
    sync_directory(folder.parent)


# --- Image files published whole (attachments, the theme's images): cleaned, or refused ------
# An image file is told by its bytes, whatever its name. What can be cleaned is decoded and written
# again in its own format without any metadata (EXIF with GPS, XMP, IPTC, ICC profile, comments,
# text chunks), turned upright, at full size; a GIF keeps its frames byte for byte, only its comment
# and application extensions (XMP, ICC) go. What cannot be cleaned (HEIC, AVIF, camera RAW, too
# large, damaged) is refused with a located message in check and build: never published as it is.

CLEAN_VERSION = "1"  # bump when the cleaning of whole files changes for the same source
_REFUSED = "，其中可能带有拍摄地点（GPS）、相机型号等信息，本程序无法去掉，因此不能发布"
_AS_JPEG = "；请在手机或电脑上另存为 JPG（或 PNG）格式后再附上"


def _ftyp_brand(head: bytes, brands: tuple[bytes, ...]) -> bool:
    """An ISO media file (ftyp box) whose major or compatible brands include one of `brands`."""
    if head[4:8] != b"ftyp":
        return False
    size = min(int.from_bytes(head[:4], "big"), len(head))
    listed = [head[8:12]] + [head[at:at + 4] for at in range(16, size - 3, 4)]
    return any(brand in brands for brand in listed)


@dataclass(frozen=True)
class FileKind:
    """A kind of image file: told by its first bytes (or, for camera RAW, its extension), and
    either cleaned as `pillow` format (GIF: by its blocks) or refused with `refusal`."""

    name: str
    sniff: Callable[[bytes, str], bool]  # (first HEAD_BYTES bytes, lower-case extension)
    pillow: str | None = None
    refusal: str | None = None


HEAD_BYTES = 64
RAW_EXTENSIONS = frozenset({".dng", ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".orf", ".rw2",
                            ".raf", ".pef", ".srw", ".x3f", ".3fr", ".erf", ".kdc", ".mrw", ".rwl", ".iiq"})
FILE_KINDS = (  # in order: the first that matches
    FileKind("RAW", lambda head, ext: ext in RAW_EXTENSIONS,
             refusal="是相机原始格式（RAW）的照片" + _REFUSED + "；请用相机软件导出为 JPG 后再附上"),
    FileKind("JPEG", lambda head, ext: head[:3] == b"\xff\xd8\xff", pillow="JPEG"),
    FileKind("PNG", lambda head, ext: head[:8] == b"\x89PNG\r\n\x1a\n", pillow="PNG"),
    FileKind("WebP", lambda head, ext: head[:4] == b"RIFF" and head[8:12] == b"WEBP", pillow="WEBP"),
    FileKind("GIF", lambda head, ext: head[:6] in (b"GIF87a", b"GIF89a"), pillow="GIF"),
    FileKind("TIFF", lambda head, ext: head[:4] in (b"II*\x00", b"MM\x00*"), pillow="TIFF"),
    FileKind("AVIF", lambda head, ext: _ftyp_brand(head, (b"avif", b"avis")), refusal="是 AVIF 图片" + _REFUSED + _AS_JPEG),
    FileKind("HEIC", lambda head, ext: _ftyp_brand(head, (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm",
                                                          b"hevs", b"mif1", b"msf1")),
             refusal="是 HEIC/HEIF 图片（苹果手机照片的格式）" + _REFUSED + _AS_JPEG),
    FileKind("JPEG 2000", lambda head, ext: head[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n" or head[:4] == b"\xff\x4f\xff\x51",
             refusal="是 JPEG 2000 图片" + _REFUSED + _AS_JPEG),
    FileKind("JPEG XL", lambda head, ext: head[:2] == b"\xff\x0a" or head[:12] == b"\x00\x00\x00\x0cJXL \r\n\x87\n",
             refusal="是 JPEG XL 图片" + _REFUSED + _AS_JPEG),
    FileKind("PSD", lambda head, ext: head[:4] == b"8BPS", refusal="是 Photoshop（PSD）文件" + _REFUSED + _AS_JPEG),
)


def file_kind(head: bytes, name: str) -> FileKind | None:
    """The image kind of a file from its first bytes and name; None: not an image, published as it is."""
    ext = PurePosixPath(name.casefold()).suffix
    return next((kind for kind in FILE_KINDS if kind.sniff(head[:HEAD_BYTES], ext)), None)


def check_whole_image(data: bytes, name: str, shown: str) -> None:
    """Raise ImageProblem unless the file is no image, or an image its cleaning can take: cheap
    enough for `check` (nothing is encoded). shown: 附件“原图.jpg”."""
    kind = file_kind(data, name)
    if kind is None:
        return
    if kind.refusal:
        raise ImageProblem(shown + kind.refusal)
    _decodable(data, (kind.pillow,), shown, "，无法去掉其中的拍摄地点（GPS）等信息，因此不能发布")
    if kind.name == "GIF":
        try:
            _gif_without_extensions(data)
        except (IndexError, ValueError) as exc:
            raise ImageProblem(f"{shown}已损坏或不完整（{exc}），无法去掉其中的拍摄地点（GPS）等信息，因此不能发布；"
                               "请重新导出或重新拷贝这张图片") from None


def whole_file_folder(cache_dir: Path, digest: str) -> Path:
    key = hashlib.sha256(f"{digest}\0whole\0{CLEAN_VERSION}\0{_codec_versions()}".encode()).hexdigest()
    return cache_dir / CACHE_SUBDIR / key[:2] / f"{key}-whole"


def cleaned_digest(cache_dir: Path, digest: str) -> str | None:
    """The sha256 of the cleaned version of a source, if the cache holds it: the build compares it
    with the published file's without reading the source."""
    index = _read_index(whole_file_folder(cache_dir, digest), {"file"})
    return index["file"] if index else None


def publishable(cache_dir: Path, digest: str, data: bytes, name: str, shown: str) -> bytes:
    """The bytes to publish for a file: as they are when it is no image; an image cleaned of all
    metadata (from the cache when cleaned before). Raises ImageProblem for an image that cannot be."""
    kind = file_kind(data, name)
    if kind is None:
        return data
    if kind.refusal:  # before the cache: the same bytes may have been cleaned under another name
        raise ImageProblem(shown + kind.refusal)
    folder = whole_file_folder(cache_dir, digest)
    if _read_index(folder, {"file"}) is not None:
        try:
            return (folder / "file").read_bytes()
        except OSError:
            pass
    check_whole_image(data, name, shown)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cleaned = _gif_without_extensions(data) if kind.name == "GIF" else _reencoded(data, kind.pillow)
    except Exception as exc:  # noqa: BLE001 - as in _decodable: whatever a damaged file makes Pillow raise
        raise ImageProblem(f"{shown}已损坏或不完整（{exc}），无法去掉其中的拍摄地点（GPS）等信息，因此不能发布；"
                           "请重新导出或重新拷贝这张图片") from None
    _store(folder, {"file": cleaned}, {"file": hashlib.sha256(cleaned).hexdigest()})
    return cleaned


_ANIMATED = {"PNG", "WEBP", "TIFF"}  # formats whose every frame (page) is kept; a JPEG's further frames (MPO) are not pictures
_SAVE = {
    "JPEG": {"format": "JPEG", "quality": 95, "subsampling": 0, "optimize": True},
    "PNG": {"format": "PNG"},
    "WEBP": {"format": "WEBP", "lossless": True},
    "TIFF": {"format": "TIFF", "compression": "tiff_deflate"},
}


def _reencoded(data: bytes, fmt: str) -> bytes:
    """Decoded and encoded again in its own format, upright, in sRGB, with no metadata at all."""
    from PIL import Image, ImageOps, ImageSequence

    frames, durations = [], []
    with Image.open(io.BytesIO(data), formats=[fmt]) as opened:
        loop = opened.info.get("loop")
        for frame in ImageSequence.Iterator(opened) if fmt in _ANIMATED else [opened]:
            icc = frame.info.get("icc_profile")
            durations.append(frame.info.get("duration", 0))
            upright = ImageOps.exif_transpose(frame)
            frames.append(_bare(_saveable(_to_srgb(upright, icc), fmt), keep=("transparency",)))
    out = io.BytesIO()
    extra: dict = {}
    if len(frames) > 1:
        extra = {"save_all": True, "append_images": frames[1:]}
        if fmt != "TIFF":
            extra.update(duration=durations, loop=loop or 0)
    frames[0].save(out, **_SAVE[fmt], **extra)
    return out.getvalue()


def _saveable(image, fmt: str):
    """A mode the format's encoder takes (a PNG's palette expanded, a JPEG in RGB or greyscale)."""
    if fmt == "JPEG":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if fmt == "TIFF":
        return image if image.mode != "CMYK" else image.convert("RGB")
    if image.mode in _KEPT_MODES[fmt]:
        return image
    transparent = "transparency" in image.info or image.mode in ("PA", "P", "LA", "RGBA")
    return image.convert("RGBA" if transparent else "RGB")


_KEPT_MODES = {"PNG": ("1", "L", "LA", "I;16", "RGB", "RGBA"), "WEBP": ("RGB", "RGBA")}
_GIF_KEPT = (b"NETSCAPE2.0", b"ANIMEXTS1.0")  # application extensions that only say how often to loop


def _gif_without_extensions(data: bytes) -> bytes:
    """A GIF's header, colour tables, frames and frame timings byte for byte, without its comment,
    plain-text and application extensions (where XMP and ICC profiles live) and without anything
    after its end. Raises IndexError or ValueError for a damaged file."""
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError("not a GIF")
    at = 13 + (3 * (2 << (data[10] & 7)) if data[10] & 0x80 else 0)
    parts = [data[:at]]
    while True:
        block = data[at]
        if block == 0x3B:  # trailer
            return b"".join(parts) + b"\x3b"
        start = at
        if block == 0x2C:  # an image: descriptor, local colour table, LZW code size, data
            flags = data[at + 9]
            at = _after_sub_blocks(data, at + 10 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0) + 1)
            parts.append(data[start:at])
        elif block == 0x21:  # an extension: label, then sub-blocks
            label = data[at + 1]
            at = _after_sub_blocks(data, at + 2)
            if label == 0xF9 or (label == 0xFF and data[start + 3:start + 14] in _GIF_KEPT):  # frame timing, looping
                parts.append(data[start:at])
        else:
            raise ValueError(f"unknown GIF block {block:#x} at byte {at}")


def _after_sub_blocks(data: bytes, at: int) -> int:
    while data[at]:  # IndexError when cut short
        at += data[at] + 1
    return at + 1
