"""What an uploaded file really is: its content decides, never its name or the client's claim.

`sniff(file)` reads the file once from the start (size and SHA-256 streaming, the first bytes
kept for the magic numbers), then looks inside containers where the magic number alone says
too little:

- ZIP: Office Open XML (docx/xlsx/pptx) by their main part, OpenDocument by their `mimetype`
  member, a plain ZIP otherwise; macro-enabled Office files, Java archives, Android packages
  and browser extensions are refused.
- OLE2 compound files (legacy doc/xls/ppt, and WPS): by the streams in the root directory.
  `filetype` only looks at bytes at fixed offsets, which also match MSI installers and Outlook
  messages; reading the directory (a few dozen lines, below) tells them apart without a new
  dependency.
- Text (no magic number): UTF-8 or GB18030, without control characters, markup or a "#!" line.

Anything not on the allow-list is refused with a message naming the field `file`.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from guanxi.core.errors import ApplicationError, ValidationFailed

CHUNK = 64 * 1024
HEAD = 8192  # what filetype reads


@dataclass(frozen=True)
class Kind:
    mime: str
    ext: str  # the extension a stored name gets
    exts: tuple[str, ...] = ()  # further extensions that name the same kind
    icon: str = "bi-file-earmark"

    @property
    def extensions(self) -> tuple[str, ...]:
        return (self.ext, *self.exts)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# The allow-list: mime type → kind. Types the sniffer may answer and that are not here are refused.
ALLOWED: dict[str, Kind] = {
    k.mime: k
    for k in (
        Kind("application/pdf", "pdf", icon="bi-file-earmark-pdf"),
        Kind("image/png", "png", icon="bi-file-earmark-image"),
        Kind("image/jpeg", "jpg", ("jpeg", "jpe", "jfif"), icon="bi-file-earmark-image"),
        Kind("image/gif", "gif", icon="bi-file-earmark-image"),
        Kind("image/webp", "webp", icon="bi-file-earmark-image"),
        Kind("image/heic", "heic", ("heif",), icon="bi-file-earmark-image"),
        Kind(DOCX, "docx", icon="bi-file-earmark-word"),
        Kind(XLSX, "xlsx", icon="bi-file-earmark-excel"),
        Kind(PPTX, "pptx", icon="bi-file-earmark-ppt"),
        Kind("application/msword", "doc", ("dot", "wps"), icon="bi-file-earmark-word"),
        Kind("application/vnd.ms-excel", "xls", ("xlt", "et"), icon="bi-file-earmark-excel"),
        Kind("application/vnd.ms-powerpoint", "ppt", ("pps", "pot", "dps"), icon="bi-file-earmark-ppt"),
        Kind("application/vnd.oasis.opendocument.text", "odt", icon="bi-file-earmark-word"),
        Kind("application/vnd.oasis.opendocument.spreadsheet", "ods", icon="bi-file-earmark-excel"),
        Kind("application/vnd.oasis.opendocument.presentation", "odp", icon="bi-file-earmark-ppt"),
        Kind("application/zip", "zip", icon="bi-file-earmark-zip"),
        Kind("text/plain", "txt", ("text", "log", "md"), icon="bi-file-earmark-text"),
        Kind("text/csv", "csv", icon="bi-file-earmark-spreadsheet"),
        Kind("audio/mpeg", "mp3", icon="bi-file-earmark-music"),
        Kind("audio/mp4", "m4a", icon="bi-file-earmark-music"),
        Kind("audio/amr", "amr", icon="bi-file-earmark-music"),
        Kind("audio/wav", "wav", icon="bi-file-earmark-music"),
        Kind("video/mp4", "mp4", ("m4v",), icon="bi-file-earmark-play"),
        Kind("video/quicktime", "mov", icon="bi-file-earmark-play"),
    )
}
# filetype's names for kinds that have a more common name here
_ALIASES = {"audio/x-wav": "audio/wav", "video/x-m4v": "video/mp4"}


class FileTooLarge(ApplicationError):
    status = 413
    code = "too_large"


@dataclass(frozen=True)
class Sniffed:
    mime: str  # the stored content type (text: with its charset)
    kind: Kind
    size: int
    sha256: str


def max_bytes() -> int:
    return settings.ATTACHMENT_MAX_BYTES


def too_large_error() -> FileTooLarge:
    message = _("The file is larger than %(max)s.") % {"max": filesizeformat(max_bytes())}
    return FileTooLarge(message, fields={"file": [message]})


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"file": [message]})


def not_allowed_error() -> ValidationFailed:
    return _refuse(
        _(
            "This type of file is not allowed. Allowed: PDF, images (PNG, JPEG, GIF, WebP, HEIC), "
            "Office and WPS documents, ZIP, plain text and CSV, audio (MP3, M4A, AMR, WAV) and video (MP4, MOV)."
        )
    )


def kind_of(mime: str) -> Kind | None:
    return ALLOWED.get(mime.split(";")[0].strip())


def sniff(file, *, name: str = "") -> Sniffed:
    """The kind, size and SHA-256 of `file` (a seekable file object), or a 400/413 naming `file`."""
    limit = max_bytes()
    declared = getattr(file, "size", None)
    if declared is not None and declared > limit:
        raise too_large_error()
    file.seek(0)
    digest, size, head = hashlib.sha256(), 0, b""
    while chunk := file.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise too_large_error()
        digest.update(chunk)
        if len(head) < HEAD:
            head += chunk[: HEAD - len(head)]
    if size == 0:
        raise _refuse(_("The file is empty."))
    mime = _identify(file, head, name)
    file.seek(0)
    kind = kind_of(mime)
    if kind is None:
        raise not_allowed_error()
    return Sniffed(mime=mime, kind=kind, size=size, sha256=digest.hexdigest())


def _identify(file, head: bytes, name: str) -> str:
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(file)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _ole_kind(file)
    guess = filetype.guess(head)
    if guess is not None:
        return _ALIASES.get(guess.mime, guess.mime)
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    return _text_kind(file, name)


# --- ZIP containers ---------------------------------------------------------------------------

_OOXML_MAIN = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
_ODF = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}
# members that make a ZIP something that runs: Java and Android packages
_EXECUTABLE_MEMBERS = {"meta-inf/manifest.mf", "androidmanifest.xml", "classes.dex"}


def _zip_kind(file) -> str:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            lower = {n.lower() for n in names}
            if lower & _EXECUTABLE_MEMBERS:
                return "application/x-executable"
            if "[content_types].xml" in lower:
                if any(n.endswith("vbaproject.bin") for n in lower):
                    return "application/x-executable"  # Office with macros (docm, xlsm, pptm)
                for main, mime in _OOXML_MAIN.items():
                    if main in lower:
                        return mime
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared in _ODF:
                    return declared
                return "application/octet-stream"  # EPUB and other ZIP-based formats
            return "application/zip"
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        KeyError,
        ValueError,
        NotImplementedError,
    ):
        return "application/octet-stream"


# --- OLE2 compound files ------------------------------------------------------------------------

_OLE_STREAMS = (
    ("WordDocument", "application/msword"),
    ("Workbook", "application/vnd.ms-excel"),
    ("Book", "application/vnd.ms-excel"),
    ("PowerPoint Document", "application/vnd.ms-powerpoint"),
)
_ENDOFCHAIN = 0xFFFFFFFE


def _ole_kind(file) -> str:
    try:
        names = set(_ole_root_names(file))
    except (struct.error, ValueError, OSError, IndexError):
        return "application/octet-stream"
    for stream, mime in _OLE_STREAMS:
        if stream in names:
            return mime
    return "application/octet-stream"  # MSI installers, Outlook messages, other compound files


def _ole_root_names(file) -> list[str]:
    """Names of the entries in an OLE2 compound file's directory ([MS-CFB] 2.2, 2.6)."""
    file.seek(0)
    header = file.read(512)
    if len(header) < 512:
        raise ValueError("short header")
    sector_shift = struct.unpack_from("<H", header, 30)[0]
    if sector_shift not in (9, 12):
        raise ValueError("bad sector size")
    sector_size = 1 << sector_shift
    num_fat_sectors, first_dir = (
        struct.unpack_from("<I", header, 44)[0],
        struct.unpack_from("<I", header, 48)[0],
    )
    difat = [s for s in struct.unpack_from("<109I", header, 76) if s < _ENDOFCHAIN][
        : min(num_fat_sectors, 109)
    ]

    def read_sector(index: int) -> bytes:
        file.seek(sector_size * (index + 1))
        data = file.read(sector_size)
        if len(data) < sector_size:
            raise ValueError("sector beyond the end")
        return data

    fat: list[int] = []
    for sector in difat:  # the first 109 FAT sectors: plenty for the directory of a 20 MB file
        fat.extend(struct.unpack(f"<{sector_size // 4}I", read_sector(sector)))
    seen: set[int]
    names, sector, seen = [], first_dir, set()
    while sector < _ENDOFCHAIN and sector not in seen and len(seen) < 1000:
        seen.add(sector)
        data = read_sector(sector)
        for offset in range(0, sector_size, 128):
            length = struct.unpack_from("<H", data, offset + 64)[0]
            if 2 <= length <= 64:
                names.append(data[offset : offset + length - 2].decode("utf-16-le", "replace"))
        sector = fat[sector] if sector < len(fat) else _ENDOFCHAIN
    return names


# --- text ---------------------------------------------------------------------------------------

# A tag, a comment, a doctype or a processing instruction: what makes a browser see HTML/SVG/XML.
# ("a < b" is not a tag: in HTML the name follows "<" directly.)
_MARKUP = re.compile(
    r"<(?:[!?]|/?[a-zA-Z][a-zA-Z0-9:-]*(?:\s[^<>]*)?/?>|(?:script|svg|html|iframe|object|embed|body)\b)",
    re.IGNORECASE,
)
_BAD_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _text_kind(file, name: str) -> str:
    """text/plain or text/csv (with the charset) for clean text, else something refused."""
    for encoding in ("utf-8-sig", "gb18030"):
        verdict = _check_text(file, encoding)
        if verdict is None:
            continue
        if verdict != "ok":
            return verdict
        base = "text/csv" if _extension(name) in ("csv",) else "text/plain"
        return f"{base}; charset={'utf-8' if encoding == 'utf-8-sig' else 'gb18030'}"
    return "application/octet-stream"


def _check_text(file, encoding: str) -> str | None:
    """ "ok", a refused type ("text/html"…), or None when the bytes are not in this encoding."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    tail, first = "", True
    try:
        while True:
            chunk = file.read(CHUNK)
            text = decoder.decode(chunk, final=not chunk)
            window = tail + text
            if first and text.lstrip("\ufeff \t\r\n").startswith("#!"):
                return "text/x-script"
            first = False
            if _BAD_CONTROL.search(text):
                return "application/octet-stream"
            if _MARKUP.search(window):
                return "text/html"
            tail = window[-200:]
            if not chunk:
                return "ok"
    except UnicodeDecodeError:
        return None


# --- names --------------------------------------------------------------------------------------

MAX_NAME = 200


def _extension(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/"))
    return base.rsplit(".", 1)[1].lower() if "." in base.strip(".") else ""


def clean_name(raw: str, kind: Kind) -> str:
    """The original name without path parts, control or format characters, at most 200 characters;
    its extension kept only when it names the sniffed kind, else the kind's extension instead."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch for ch in name if unicodedata.category(ch)[0] != "C"
    )  # Cc, Cf (bidi overrides), Cs, Co, Cn
    name = " ".join(name.split()).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not (dot and stem):
        stem = name
    elif ext.lower() in kind.extensions:
        return _join(stem, ext.lower())
    return _join(stem, kind.ext)


def _join(stem: str, ext: str) -> str:
    stem = stem.strip(" .") or _("file")
    return f"{stem[: MAX_NAME - len(ext) - 1].rstrip(' .') or _('file')}.{ext}"
