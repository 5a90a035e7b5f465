import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bdtx.accounts.permissions import can_manage_staff, manageable_units
from bdtx.ops.faults import storage_message

from . import tasks, workbooks
from .forms import UploadForm
from .models import ImportJob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_manager(request) -> None:
    # Import pages do not exist for people who manage no one (404, like any record outside scope).
    if not can_manage_staff(request.user):
        raise Http404


@login_required
def import_list(request):
    _require_manager(request)
    jobs = ImportJob.objects.visible_to(request.user).select_related("uploaded_by", "unit")
    page = Paginator(jobs, 25).get_page(request.GET.get("page"))
    return render(request, "imports/list.html", {"page": page})


@login_required
def new(request):
    _require_manager(request)
    units = manageable_units(request.user).order_by("path")
    kind = request.GET.get("kind") if request.GET.get("kind") in ImportJob.Kind.values else ImportJob.Kind.STAFF
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, units=units)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            job = ImportJob(
                kind=form.cleaned_data["kind"],
                original_name=upload.name[:255],
                uploaded_by=request.user,
                unit=form.cleaned_data["unit"] if form.cleaned_data["kind"] == ImportJob.Kind.STAFF else None,
            )
            name = job.file.field.generate_filename(job, upload.name)
            try:
                job.file.name = job.file.storage.save(name, upload, max_length=job.file.field.max_length)
                job.save()
            except (OSError, DatabaseError) as error:
                # The disk for uploads or the database is full or read-only: say so, keep nothing (not even the
                # part of the file written before the disk filled up).
                with contextlib.suppress(OSError):
                    job.file.storage.delete(name)
                form.add_error("file", storage_message(error) or _("The file could not be saved. Try again."))
            else:
                tasks.check_import.enqueue(job.pk)
                return redirect("imports:detail", pk=job.pk)
    else:
        form = UploadForm(initial={"kind": kind}, units=units)
    return render(request, "imports/new.html", {"form": form, "kinds": ImportJob.Kind.choices})


@login_required
def template(request, kind: str):
    _require_manager(request)
    if kind not in ImportJob.Kind.values:
        raise Http404
    name = "mau-nhap-can-bo.xlsx" if kind == ImportJob.Kind.STAFF else "mau-nhap-don-vi.xlsx"
    response = HttpResponse(workbooks.template(kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def detail(request, pk: int):
    job = get_object_or_404(ImportJob.objects.visible_to(request.user).select_related("uploaded_by", "unit"), pk=pk)
    return render(request, "imports/detail.html", {"job": job})


@login_required
def progress(request, pk: int):
    """The status block alone, polled by htmx while the job runs; the full page once it has finished."""
    job = get_object_or_404(ImportJob.objects.visible_to(request.user).select_related("uploaded_by", "unit"), pk=pk)
    if not job.busy and request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "imports/detail.html#status", {"job": job})


@login_required
@require_POST
def apply(request, pk: int):
    job = get_object_or_404(ImportJob.objects.visible_to(request.user), pk=pk)
    # A conditional update, so a double click cannot apply twice.
    try:
        claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED, error_count=0).update(
            status=ImportJob.Status.APPLYING, done=0
        )
    except DatabaseError as error:
        if not (message := storage_message(error)):
            raise
        messages.error(request, message)  # the database is full or read-only: nothing was started
        return redirect("imports:detail", pk=job.pk)
    if not claimed:
        messages.error(request, _("This import cannot be applied: it has errors, or it was already applied."))
        return redirect("imports:detail", pk=job.pk)
    tasks.apply_import.enqueue(job.pk)
    return redirect("imports:detail", pk=job.pk)


@login_required
def marked(request, pk: int):
    job = get_object_or_404(ImportJob.objects.visible_to(request.user), pk=pk)
    if not job.marked:
        raise Http404
    name = job.original_name.rsplit(".", 1)[0] + "-loi.xlsx"
    return FileResponse(job.marked.open("rb"), as_attachment=True, filename=name, content_type=XLSX)
