"""The access log for the Department's system administrator, and "my data" for everyone with a staff record."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from bdtx.accounts import permissions
from bdtx.lib.excel import XLSX_CONTENT_TYPE, Col, table_file

from . import mydata
from .forms import AccessLogFilterForm
from .models import AccessLog
from .services import log_access

PAGE_SIZE = 50
LOG_COLUMNS = [
    Col("Thời điểm", width=18),
    Col("Tên đăng nhập", width=18),
    Col("Họ và tên", width=26),
    Col("Loại", width=24),
    Col("Nội dung", width=24),
    Col("Hồ sơ", width=32),
    Col("Bộ lọc", width=30),
    Col("Số dòng", kind="number", width=10),
    Col("Dữ liệu đầy đủ", width=14),
    Col("Địa chỉ IP", width=16),
]


def _require_log_reader(request) -> None:
    # The log names who looked at whom: only system administrators read it; for anyone else it does not exist.
    if not permissions.is_system_admin(request.user):
        raise Http404


@login_required
@require_GET
def access_log(request):
    """Who saw full personal records or exported staff data: filtered by person, kind and dates, 50 a page."""
    _require_log_reader(request)
    form = AccessLogFilterForm(request.GET)
    entries = form.apply(AccessLog.objects.select_related("user"))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "privacy/log.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#rows"
    response = render(request, template, {"form": form, "page": page})
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def access_log_export(request):
    """The filtered log as .xlsx; taking it out is itself logged."""
    _require_log_reader(request)
    form = AccessLogFilterForm(request.GET)
    entries = form.apply(AccessLog.objects.select_related("user")).order_by("-at", "-pk")
    kinds = dict(AccessLog.Kind.choices)

    def rows():
        for entry in entries.iterator(chunk_size=2000):
            yield (
                timezone.localtime(entry.at).strftime("%d/%m/%Y %H:%M:%S"),
                entry.username,
                entry.user.full_name if entry.user else "",
                str(kinds.get(entry.kind, entry.kind)),
                entry.what,
                entry.subject,
                ", ".join(f"{key}={value}" for key, value in entry.filters.items()),
                entry.rows if entry.rows is not None else "",
                "Có" if entry.full_data else "Không",
                entry.ip_address or "",
            )

    handle, count = table_file(LOG_COLUMNS, rows(), sheet="Nhật ký truy cập")
    log_access(
        user=request.user,
        kind=AccessLog.Kind.EXPORT,
        what="privacy:log-export",
        request=request,
        filters=form.params(),
        rows=count,
    )
    name = f"nhat-ky-truy-cap-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


def _own_record(request):
    """The signed-in person's staff record; without one there is nothing to download (404)."""
    member = getattr(request.user, "staff_member", None)
    if member is None:
        raise Http404
    return member


@login_required
@require_GET
def my_data(request):
    member = _own_record(request)
    return render(request, "privacy/mine.html", {"member": member})


@login_required
@require_GET
def my_data_json(request):
    member = _own_record(request)
    content = mydata.as_json(mydata.own_data(member))
    log_access(user=request.user, kind=AccessLog.Kind.OWN_DATA, what="privacy:mine-json", request=request, staff=member)
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_own_name(member)}.json"'
    return response


@login_required
@require_GET
def my_data_xlsx(request):
    member = _own_record(request)
    handle = mydata.as_workbook(mydata.own_data(member))
    log_access(user=request.user, kind=AccessLog.Kind.OWN_DATA, what="privacy:mine-xlsx", request=request, staff=member)
    return FileResponse(
        handle, as_attachment=True, filename=f"{_own_name(member)}.xlsx", content_type=XLSX_CONTENT_TYPE
    )


def _own_name(member) -> str:
    # ASCII only: the staff code may hold anything a spreadsheet allowed.
    code = "".join(ch for ch in member.code if ch.isascii() and (ch.isalnum() or ch in "-_")) or "ho-so"
    return f"du-lieu-ca-nhan-{code}-{timezone.localdate():%Y%m%d}"
