"""What an uploaded or stored file really is, from its first bytes: a file is trusted by its content, never by its
name or by the type the browser claims (docs/security.md, "Uploads")."""

from pathlib import PurePath

_ZIP = (b"PK\x03\x04",)  # .docx .xlsx .pptx .odt .ods .odp are zip packages
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # .doc .xls .ppt (the old Office format)
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".docx": _ZIP,
    ".xlsx": _ZIP,
    ".xlsm": _ZIP,
    ".pptx": _ZIP,
    ".odt": _ZIP,
    ".ods": _ZIP,
    ".odp": _ZIP,
    ".doc": _OLE,
    ".xls": _OLE,
    ".ppt": _OLE,
}
# Types a browser shows in the page by themselves, by the signature their content must start with.
INLINE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": SIGNATURES[".pdf"],
    "image/png": SIGNATURES[".png"],
    "image/jpeg": SIGNATURES[".jpg"],
    "image/gif": SIGNATURES[".gif"],
}
# Markup a browser would render (and run scripts in) if it were served as such.
_MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe", b"<object")


def looks_like_markup(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(_MARKUP)


def content_matches(head: bytes, name: str) -> bool:
    """True when the first bytes of a file are what its extension says: a PDF starts with %PDF-, a .xlsx is a zip
    package, a .txt is text and not a web page. An extension not listed here is never accepted."""
    extension = PurePath(name).suffix.lower()
    if extension in {".txt", ".csv"}:
        return b"\x00" not in head and not looks_like_markup(head)
    signatures = SIGNATURES.get(extension)
    return bool(signatures) and head.startswith(signatures)


def head_of(upload, size: int = 2048) -> bytes:
    """The first bytes of an uploaded file (Django's UploadedFile), leaving it ready to be read from the start."""
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head
