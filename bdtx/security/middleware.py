"""Headers and checks that hold for every response and every upload (docs/security.md).

Placed after WhiteNoise (static files never come here) and before the sessions, so that an upload over the limit
is refused before anything reads it."""

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

from .uploads import INLINE_SIGNATURES

# Documents a browser runs scripts in: only they need the Content-Security-Policy. On a PDF the policy breaks
# Chrome's built-in viewer (it is drawn by a generated page that the policy applies to); on JSON, spreadsheets
# and images it does nothing.
SCRIPTABLE_TYPES = frozenset({"", "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml"})
# Never sent as such by a download view: the browser would render them, scripts included.
RENDERED_TYPES = SCRIPTABLE_TYPES | {"text/javascript", "application/javascript", "text/xsl"}


def media_type(response) -> str:
    return response.get("Content-Type", "").split(";", 1)[0].strip().lower()


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_too_large(request):
            return too_large()
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        kind = media_type(response)
        if kind not in SCRIPTABLE_TYPES:
            # An empty configuration tells Django's CSP middleware to add no header.
            response._csp_config = {}
            response._csp_ro_config = {}
        if isinstance(response, FileResponse):
            make_safe_download(response, kind)
        return response


def is_too_large(request) -> bool:
    """A form upload bigger than UPLOAD_MAX_BYTES, told by its Content-Length before a byte of it is read."""
    if not request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
        return False
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.UPLOAD_MAX_BYTES


def too_large() -> HttpResponse:
    limit = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
    title = _("The file is too large")
    message = _(
        "A file sent to bdtx may be at most %(limit)d MB. Go back, then split the file, compress it or give a link "
        "instead."
    ) % {"limit": limit}
    body = (
        f'<!doctype html><html lang="{escape(settings.LANGUAGE_CODE)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title></head>'
        f"<body><main><h1>{escape(title)}</h1><p>{escape(message)}</p></main></body></html>"
    )
    return HttpResponse(body, status=413)


def _starts_with(response: FileResponse, signatures: tuple[bytes, ...]) -> bool:
    stream = getattr(response, "file_to_stream", None)
    if stream is None or not hasattr(stream, "seek"):
        return False
    try:
        position = stream.tell()
        head = stream.read(16)
        stream.seek(position)
    except (OSError, ValueError):
        return False
    return isinstance(head, bytes) and head.startswith(signatures)


def make_safe_download(response: FileResponse, kind: str) -> None:
    """A file a view sends is shown in the browser only when it is a PDF or a picture and its first bytes say so;
    anything else is a download, and never under a type the browser would render (HTML, SVG, XML, scripts)."""
    disposition = response.get("Content-Disposition", "")
    inline = not disposition.lower().startswith("attachment")
    signatures = INLINE_SIGNATURES.get(kind)
    if signatures and _starts_with(response, signatures):
        return
    if kind in RENDERED_TYPES or signatures:
        response["Content-Type"] = "application/octet-stream"
    if inline:
        filename = disposition.split(";", 1)[1].strip() if ";" in disposition else ""
        response["Content-Disposition"] = f"attachment; {filename}" if filename else "attachment"
