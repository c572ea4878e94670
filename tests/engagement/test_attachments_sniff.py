"""Content sniffing of attachments: real small files built here, the allow-list, names.

The builders and the `media` fixture are shared by the other test_attachments_* modules.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.core.errors import ValidationFailed
from guanxi.engagement.files import sniff as sniffing
from guanxi.engagement.files.sniff import ALLOWED, FileTooLarge, clean_name, sniff


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in English, whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


# --- sample files ---------------------------------------------------------------------------


def png_bytes(width: int = 1, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 \x0e\x00\x00\x00" + b"\x00" * 14
WAV = b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80>\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 + b"\xff\xfb\x90\x00" + b"\x00" * 100
AMR = b"#!AMR\n" + b"\x3c" + b"\x00" * 31
M4A = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom\x00\x00\x00\x00" + b"\x00" * 32
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free" + b"\x00" * 32
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="5"/></svg>'
XML = b'<?xml version="1.0"?><note><to>x</to></note>'
SCRIPT = b"#!/bin/sh\nrm -rf /\n"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def ooxml(main: str, content_type: str, extra: dict[str, bytes] | None = None) -> bytes:
    types = (
        f'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/{main}" ContentType="{content_type}"/></Types>'
    ).encode()
    return zip_bytes(
        {"[Content_Types].xml": types, "_rels/.rels": b"<Relationships/>", main: b"<doc/>", **(extra or {})}
    )


DOCX = ooxml(
    "word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
)
XLSX = ooxml("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
PPTX = ooxml(
    "ppt/presentation.xml",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
)
DOCM = ooxml(
    "word/document.xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"},
)
JAR = zip_bytes(
    {"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\nMain-Class: Evil\n", "Evil.class": b"\xca\xfe\xba\xbe"}
)
APK = zip_bytes({"AndroidManifest.xml": b"\x03\x00\x08\x00", "classes.dex": b"dex\n035\x00"})
ZIP = zip_bytes({"报价/清单.txt": "报价清单".encode(), "readme.txt": b"hello"})
ODT = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
EPUB = zip_bytes({"mimetype": b"application/epub+zip", "content.opf": b"<package/>"})


def ole_bytes(*streams: str) -> bytes:
    """A minimal OLE2 compound file ([MS-CFB]): FAT in sector 0, the directory in sector 1."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 44, 1)  # one FAT sector
    struct.pack_into("<I", header, 48, 1)  # directory starts in sector 1
    struct.pack_into("<I", header, 56, 4096)
    struct.pack_into("<II", header, 60, 0xFFFFFFFE, 0)
    struct.pack_into("<II", header, 68, 0xFFFFFFFE, 0)
    struct.pack_into("<109I", header, 76, 0, *([0xFFFFFFFF] * 108))
    fat = struct.pack("<128I", 0xFFFFFFFD, 0xFFFFFFFE, *([0xFFFFFFFF] * 126))
    directory = bytearray(512)
    for i, name in enumerate(("Root Entry", *streams)[:4]):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        directory[i * 128 : i * 128 + len(encoded)] = encoded
        struct.pack_into("<HB", directory, i * 128 + 64, len(encoded), 5 if i == 0 else 2)
    return bytes(header) + fat + bytes(directory)


DOC = ole_bytes("WordDocument", "\x05SummaryInformation")
XLS = ole_bytes("Workbook")
PPT = ole_bytes("PowerPoint Document", "Current User")
MSI = ole_bytes("\u4840\u3b3f\u4577\u446c", "\x05SummaryInformation")  # installer tables: no Office stream


def upload(
    data: bytes, name: str = "file.bin", content_type: str = "application/octet-stream"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def temp_media(settings, tmp_path):
    """Attachments stored in a temporary directory: nothing leaks into var/media."""
    root = tmp_path / "media"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    settings.MEDIA_ROOT = str(root)
    return root


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --- the sniffing table -----------------------------------------------------------------------

ACCEPTED = [
    # (content, uploaded name, sniffed type, stored name)
    (png_bytes(), "logo.png", "image/png", "logo.png"),
    (png_bytes(3, 2), "截图", "image/png", "截图.png"),
    (PDF, "报价单.pdf", "application/pdf", "报价单.pdf"),
    (PDF, "contract.PDF", "application/pdf", "contract.pdf"),
    (JPEG, "photo.png", "image/jpeg", "photo.jpg"),  # the name lied: the content decides
    (JPEG, "photo.jpeg", "image/jpeg", "photo.jpeg"),
    (GIF, "a.gif", "image/gif", "a.gif"),
    (WEBP, "a.webp", "image/webp", "a.webp"),
    (HEIC, "IMG_0001.HEIC", "image/heic", "IMG_0001.heic"),
    (DOCX, "方案.docx", sniffing.DOCX, "方案.docx"),
    (XLSX, "报表.xlsx", sniffing.XLSX, "报表.xlsx"),
    (PPTX, "deck.pptx", sniffing.PPTX, "deck.pptx"),
    (DOCX, "方案.doc", sniffing.DOCX, "方案.docx"),
    (DOC, "旧合同.doc", "application/msword", "旧合同.doc"),
    (DOC, "旧合同.wps", "application/msword", "旧合同.wps"),
    (XLS, "old.xls", "application/vnd.ms-excel", "old.xls"),
    (PPT, "old.ppt", "application/vnd.ms-powerpoint", "old.ppt"),
    (ODT, "text.odt", "application/vnd.oasis.opendocument.text", "text.odt"),
    (ZIP, "资料.zip", "application/zip", "资料.zip"),
    ("客户名单\n张三,138\n".encode(), "名单.csv", "text/csv; charset=utf-8", "名单.csv"),
    ("客户名单\n张三,138\n".encode("gb18030"), "名单.csv", "text/csv; charset=gb18030", "名单.csv"),
    (b"plain notes, a < b and c > d? no tag here\n", "notes.txt", "text/plain; charset=utf-8", "notes.txt"),
    (b"console.log(1)\n", "evil.js", "text/plain; charset=utf-8", "evil.txt"),
    (b"\xef\xbb\xbfwith BOM\r\n", "bom.txt", "text/plain; charset=utf-8", "bom.txt"),
    (MP3, "call.mp3", "audio/mpeg", "call.mp3"),
    (M4A, "call.m4a", "audio/mp4", "call.m4a"),
    (AMR, "录音.amr", "audio/amr", "录音.amr"),
    (WAV, "call.wav", "audio/wav", "call.wav"),
    (MP4, "visit.mp4", "video/mp4", "visit.mp4"),
]


@pytest.mark.parametrize(
    ("data", "name", "mime", "stored"), ACCEPTED, ids=[a[1] + ":" + a[2] for a in ACCEPTED]
)
def test_allowed_content_is_identified_by_its_bytes(data, name, mime, stored):
    found = sniff(upload(data, name, content_type="text/html"), name=name)  # the client's claim is ignored
    assert found.mime == mime
    assert found.size == len(data)
    import hashlib

    assert found.sha256 == hashlib.sha256(data).hexdigest()
    assert clean_name(name, found.kind) == stored


REFUSED = [
    (HTML, "cat.png"),
    (SVG, "cat.png"),
    (SVG, "cat.svg"),
    (XML, "data.xml"),
    (HTML, "page.txt"),
    (b"hello <script>alert(1)</script>", "notes.txt"),
    (b"<a href=x>click</a>", "x.csv"),
    (b"text\n<!-- comment -->", "x.txt"),
    (SCRIPT, "run.txt"),
    (EXE, "setup.pdf"),
    (ELF, "tool.png"),
    (DOCM, "macro.docx"),
    (JAR, "app.zip"),
    (APK, "app.zip"),
    (EPUB, "book.zip"),
    (MSI, "setup.doc"),
    (b"\x00\x01\x02\x03binary\x00junk" * 10, "blob.txt"),
    (b"PK\x03\x04broken zip", "broken.docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1short", "short.doc"),
    (b"\xff\xfe\x00\x00", "x.txt"),
]


@pytest.mark.parametrize(("data", "name"), REFUSED, ids=[f"{i}:{r[1]}" for i, r in enumerate(REFUSED)])
def test_disallowed_or_lying_content_is_refused_naming_file(data, name):
    with pytest.raises(ValidationFailed) as info:
        sniff(upload(data, name, content_type="image/png"), name=name)
    assert "file" in info.value.fields
    assert "not allowed" in info.value.fields["file"][0]


def test_empty_file_is_refused():
    with pytest.raises(ValidationFailed) as info:
        sniff(upload(b"", "empty.pdf"), name="empty.pdf")
    assert info.value.fields == {"file": ["The file is empty."]}


def test_file_over_the_limit_is_refused(settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    sniff(upload(b"a" * 1000, "ok.txt"), name="ok.txt")  # exactly the limit passes
    with pytest.raises(FileTooLarge) as info:
        sniff(upload(b"a" * 1001, "big.txt"), name="big.txt")
    assert info.value.status == 413 and "file" in info.value.fields
    assert "larger than" in info.value.fields["file"][0]


def test_limit_is_checked_on_the_bytes_not_the_declared_size(settings):
    settings.ATTACHMENT_MAX_BYTES = 1000

    class Liar(io.BytesIO):
        size = 10

    with pytest.raises(FileTooLarge):
        sniff(Liar(b"a" * 5000), name="x.txt")


def test_every_allowed_kind_has_its_own_extension():
    exts = [e for k in ALLOWED.values() for e in k.extensions]
    assert len(exts) == len(set(exts))
    assert not {"html", "htm", "svg", "xml", "js", "exe", "bat", "sh"} & set(exts)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd.txt"),
        ("C:\\Users\\李\\Desktop\\报价单.txt", "报价单.txt"),
        ("invoice\u202etxt.exe", "invoicetxt.txt"),  # a bidi override cannot disguise the extension
        ("na\x00me\x07.txt", "name.txt"),
        ("  spaced   out  .txt ", "spaced out.txt"),
        ("", "file.txt"),
        ("...", "file.txt"),
        (".txt", "txt.txt"),
        ("notes.TXT", "notes.txt"),
        ("a" * 300 + ".txt", "a" * 196 + ".txt"),
    ],
)
def test_clean_name(raw, expected):
    name = clean_name(raw, ALLOWED["text/plain"])
    assert name == expected
    assert len(name) <= 200
