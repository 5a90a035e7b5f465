import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bdtx.accounts import permissions
from bdtx.accounts import services as account_services
from bdtx.lib.excel import XLSX_CONTENT_TYPE
from bdtx.privacy.models import AccessLog
from bdtx.privacy.services import log_access, masked_changes, personal_data

from . import services, tasks
from .exports import filtered_staff, staff_workbook
from .forms import StaffForm, TransferForm
from .models import ExportJob, StaffMember

PAGE_SIZE = 50
# unit__path and user (its id) let bdtx.privacy decide whether the birth date is shown in full or masked.
LIST_COLUMNS = (
    "full_name",
    "code",
    "birth_date",
    "group",
    "levels",
    "subjects",
    "status",
    "user",
    "unit__name",
    "unit__code",
    "unit__path",
)
export_log = logging.getLogger("bdtx.exports")


@login_required
@require_GET
def staff_list(request):
    """The people in the user's scope, filtered, in Vietnamese name order, 50 a page."""
    form, staff = filtered_staff(request.user, request.GET)
    staff = staff.select_related("unit").only(*LIST_COLUMNS).order_by("sort_key", "pk")
    page = Paginator(staff, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "can_export": permissions.can_manage_staff(request.user)}
    template = "staff/list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#rows"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def export(request):
    """The current filtered list (same query parameters) as an .xlsx with the import columns."""
    if not permissions.can_manage_staff(request.user):
        raise Http404
    form, staff = filtered_staff(request.user, request.GET)
    if form.errors:
        raise Http404  # a unit outside the user's scope, or a malformed filter
    if staff.count() > settings.EXPORT_INLINE_ROWS:
        # Too long to write while the person waits: a background job with a progress bar and a download.
        job = ExportJob.objects.create(requested_by=request.user, params=form.params())
        tasks.build_export.enqueue(job.pk)
        return redirect("staff:export-detail", pk=job.pk)
    handle, count, masked = staff_workbook(staff, viewer=request.user)
    export_log.info("user=%s exported staff filters=%s rows=%d", request.user.username, form.params(), count)
    log_access(
        user=request.user,
        kind=AccessLog.Kind.EXPORT,
        what="staff:export",
        request=request,
        filters=form.params(),
        rows=count,
        full_data=not masked,
    )
    return FileResponse(handle, as_attachment=True, filename=export_name(masked), content_type=XLSX_CONTENT_TYPE)


def export_name(masked: bool = False) -> str:
    """The download's name; a masked export says so ("da-che": masked)."""
    return f"can-bo-giao-vien-{timezone.localdate():%Y%m%d}{'-da-che' if masked else ''}.xlsx"


@login_required
@require_GET
def export_detail(request, pk: int):
    """A background export: its progress (polled by htmx while it runs), then the download link."""
    job = get_object_or_404(ExportJob.objects.visible_to(request.user), pk=pk)
    if request.htmx and not job.busy:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    template = "staff/export.html#status" if request.htmx else "staff/export.html"
    return render(request, template, {"job": job})


@login_required
@require_GET
def export_download(request, pk: int):
    job = get_object_or_404(ExportJob.objects.visible_to(request.user), pk=pk, status=ExportJob.Status.DONE)
    if not job.file or not job.file.storage.exists(job.file.name):
        raise Http404  # the file was cleaned away: export the list again
    masked = tasks.MASKED_MARK in job.file.name
    # Each download hands the data out again: each is logged, with the filters the job was asked with.
    log_access(
        user=request.user,
        kind=AccessLog.Kind.EXPORT,
        what="staff:export-download",
        request=request,
        filters=job.params,
        rows=job.total,
        full_data=not masked,
    )
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=export_name(masked), content_type=XLSX_CONTENT_TYPE
    )


@login_required
@require_GET
def detail(request, pk: int):
    member = get_object_or_404(StaffMember.objects.visible_to(request.user).select_related("unit", "user"), pk=pk)
    manages = permissions.can_manage_unit(request.user, member.unit)
    account = member.user
    personal = personal_data(request.user, member)
    if personal["full"] and member.user_id != request.user.pk:
        log_access(user=request.user, kind=AccessLog.Kind.VIEW, what="staff:detail", request=request, staff=member)
    return render(
        request,
        "staff/detail.html",
        {
            "member": member,
            "manages": manages,
            "personal": personal,
            "assignments": member.assignments.select_related("unit"),
            "changes": [
                (change, described(masked_changes(change.changes, full=personal["full"])))
                for change in member.changes.select_related("by")[:200]
            ],
            "account": account,
            "account_roles": account.roles.select_related("unit") if account else [],
            "can_reset": bool(account) and permissions.users_in_scope(request.user).filter(pk=account.pk).exists(),
            "can_create_account": account is None and manages,
        },
    )


def described(changes: dict) -> list[tuple[str, str, str]]:
    """An audit entry's {field: [before, after]} with the fields' names as people read them."""
    extra = {"unit": _("Unit"), "date": _("Date")}
    rows = []
    for name, (before, after) in changes.items():
        try:
            label = extra.get(name) or StaffMember._meta.get_field(name).verbose_name
        except FieldDoesNotExist:
            label = name
        rows.append((str(label), before, after))
    return rows


def _manageable(request, pk: int) -> StaffMember:
    """The record if the user may change it: 404 outside their scope, 403 for one's own record (read-only)."""
    member = get_object_or_404(StaffMember.objects.visible_to(request.user).select_related("unit"), pk=pk)
    if not permissions.can_manage_unit(request.user, member.unit):
        raise PermissionDenied
    return member


@login_required
def create(request):
    if not permissions.can_manage_staff(request.user):
        raise Http404
    initial = {}
    if code := request.GET.get("unit"):
        initial["unit"] = permissions.manageable_units(request.user).filter(code=code).first()
    form = StaffForm(request.POST or None, units=permissions.manageable_units(request.user), initial=initial)
    if request.method == "POST" and form.is_valid():
        member = services.create_staff(unit=form.cleaned_data["unit"], by=request.user, **form.values())
        messages.success(request, _("%(name)s has been added.") % {"name": member.full_name})
        return redirect("staff:detail", pk=member.pk)
    return render(request, "staff/form.html", {"form": form, "member": None})


@login_required
def edit(request, pk: int):
    member = _manageable(request, pk)
    form = StaffForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_staff(
                member, by=request.user, expected_version=form.cleaned_data["version"], **form.values()
            )
        except services.StaleRecord as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The record of %(name)s has been saved.") % {"name": member.full_name})
            return redirect("staff:detail", pk=member.pk)
    return render(request, "staff/form.html", {"form": form, "member": member})


@login_required
def transfer(request, pk: int):
    member = _manageable(request, pk)
    form = TransferForm(request.POST or None, member=member, units=permissions.manageable_units(request.user))
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.transfer_staff(
                member,
                data["unit"],
                on=data["on"],
                by=request.user,
                note=data["note"],
                # The page always sends it; a post without it is checked against the record as read here.
                expected_version=member.version if data["version"] is None else data["version"],
            )
        except services.StaleRecord as error:
            form.add_error(None, str(error))
            status = 409
        else:
            messages.success(
                request, _("%(name)s now works at %(unit)s.") % {"name": member.full_name, "unit": data["unit"].name}
            )
            return redirect("staff:detail", pk=member.pk)
    return render(request, "staff/transfer.html", {"form": form, "member": member}, status=status)


@login_required
@require_POST
def create_account(request, pk: int):
    """An account for a person without one; the temporary password is shown once."""
    member = _manageable(request, pk)
    try:
        account, password = account_services.create_account_for(member, by=request.user)
    except account_services.AccountExistsError as error:
        messages.error(request, str(error))
        return redirect("staff:detail", pk=member.pk)
    return render(
        request, "accounts/password_reset_done_temp.html", {"account": account, "password": password, "new": True}
    )
