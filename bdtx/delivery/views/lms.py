"""LMS results of a class: upload Moodle's grade export or completion export (CSV or .xlsx), choose the column
and the test it fills, check who was matched and who was not (and why), then apply (or cancel: nothing is
written). Only those who teach the class (its runners and presenters) import; for others it does not exist."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from bdtx.lib.spreadsheet import UnusableFile

from .. import lms
from ..models import LmsImport, TrainingClass
from ..permissions import can_teach_class
from ..scoring import ScoreError
from .scores import taught_class

NEW_TEST = "new"


def _session_key(lms_import: LmsImport) -> str:
    return f"lms-new-test-{lms_import.pk}"


class LmsUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Moodle export (.csv or .xlsx)"),
        help_text=gettext_lazy(
            "Moodle: Grades → Export (Excel or plain text), or Reports → Course completion → Download. "
            "It needs the “Email address” or the “ID number” (Mã định danh) column."
        ),
    )
    test = forms.ChoiceField(label=gettext_lazy("Test it fills"))
    title = forms.CharField(
        label=gettext_lazy("Name of the new test"), max_length=200, required=False, initial=lms.DEFAULT_TITLE
    )

    def __init__(self, *args, tests, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["test"].choices = [(str(test.pk), test.title) for test in tests] + [
            (NEW_TEST, _("A new LMS test (named below)"))
        ]


@login_required
@require_http_methods(["GET", "POST"])
def lms_import(request, pk: int):
    training_class = taught_class(request, pk)
    tests = list(lms.lms_tests(training_class))
    form = LmsUploadForm(request.POST or None, request.FILES or None, tests=tests)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        chosen = form.cleaned_data["test"]
        try:
            with transaction.atomic():
                if chosen == NEW_TEST:
                    test = lms.lms_test(training_class, title=form.cleaned_data["title"] or lms.DEFAULT_TITLE)
                else:
                    test = lms.lms_test(training_class, test_id=int(chosen))
                created = test.pk not in {t.pk for t in tests}
                imported = lms.start_import(
                    training_class, data=upload.read(), name=upload.name, test=test, by=request.user
                )
        except (UnusableFile, ScoreError) as error:
            form.add_error("file" if isinstance(error, UnusableFile) else "title", str(error))
        else:
            if created:
                request.session[_session_key(imported)] = True
            return redirect("delivery:lms-import-detail", pk=imported.pk)
    history = training_class.lms_imports.select_related("assessment", "uploaded_by").order_by("-created_at")[:20]
    context = {"training_class": training_class, "form": form, "history": history}
    return render(request, "delivery/lms_import.html", context, status=400 if form.errors else 200)


def taught_import(request, pk: int) -> LmsImport:
    lms_import = get_object_or_404(
        LmsImport.objects.filter(training_class__in=TrainingClass.objects.visible_to(request.user)).select_related(
            "training_class", "assessment", "uploaded_by"
        ),
        pk=pk,
    )
    if not can_teach_class(request.user, lms_import.training_class):
        raise Http404
    return lms_import


@login_required
@require_http_methods(["GET", "POST"])
def lms_import_detail(request, pk: int):
    lms_import = taught_import(request, pk)
    if request.method == "POST":
        column = request.POST.get("column", "")
        if lms_import.applied_at is not None:
            messages.error(request, _("This file was applied already."))
        elif not column.isdigit():
            messages.error(request, _("Choose the column that holds the score or the completion."))
        else:
            try:
                lms.recheck(lms_import, int(column))
            except UnusableFile as error:
                messages.error(request, str(error))
        return redirect("delivery:lms-import-detail", pk=lms_import.pk)
    columns, problem = [], ""
    try:
        with lms_import.file.open("rb") as handle:
            export = lms.read_export(handle.read(), lms_import.original_name)
        columns = [(index, export.headers[index]) for index in export.result_columns()]
    except (UnusableFile, OSError, ValueError) as error:
        problem = str(error) or _("The uploaded file cannot be read any more.")
    for entry in lms_import.matched:
        entry["result"] = lms.describe(entry)
    context = {
        "training_class": lms_import.training_class,
        "lms_import": lms_import,
        "columns": columns,
        "chosen": lms.chosen_column(lms_import),
        "problem": problem,
        "to_write": sum(1 for entry in lms_import.matched if entry.get("score") is not None),
    }
    return render(request, "delivery/lms_detail.html", context)


@login_required
@require_POST
def lms_import_apply(request, pk: int):
    lms_import = taught_import(request, pk)
    try:
        counts = lms.apply_import(lms_import, by=request.user)
    except ScoreError as error:
        messages.error(request, str(error))
        return redirect("delivery:lms-import-detail", pk=lms_import.pk)
    request.session.pop(_session_key(lms_import), None)
    messages.success(
        request,
        _("LMS results applied to “%(test)s”: %(created)d scores added, %(updated)d changed, %(unchanged)d unchanged.")
        % {
            "test": lms_import.assessment.title,
            "created": counts["created"],
            "updated": counts["updated"],
            "unchanged": counts["unchanged"],
        },
    )
    return redirect("delivery:scores", pk=lms_import.training_class_id)


@login_required
@require_POST
def lms_import_cancel(request, pk: int):
    lms_import = taught_import(request, pk)
    class_pk, key = lms_import.training_class_id, _session_key(lms_import)
    try:
        lms.cancel_import(lms_import, drop_test=bool(request.session.get(key)))
    except ScoreError as error:
        messages.error(request, str(error))
        return redirect("delivery:lms-import-detail", pk=lms_import.pk)
    request.session.pop(key, None)
    messages.success(request, _("Import cancelled; no score was written."))
    return redirect("delivery:lms-import", pk=class_pk)


urlpatterns = [
    path("<int:pk>/lms", lms_import, name="lms-import"),
    path("lms/<int:pk>", lms_import_detail, name="lms-import-detail"),
    path("lms/<int:pk>/apply", lms_import_apply, name="lms-import-apply"),
    path("lms/<int:pk>/cancel", lms_import_cancel, name="lms-import-cancel"),
]
