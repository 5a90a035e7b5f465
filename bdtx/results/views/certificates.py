"""Certificates on screen: a unit's register, one certificate with its history (download, revoke, reissue), issuing
one from a result, batches with their progress and ZIP, and the person's own certificates.

Who: the managers of a unit see and issue the certificates of its people, from a unit they manage at or above the
person's; revoking and reissuing belong to the managers of the issuing unit; a person sees their own. Outside that,
a certificate does not exist (404)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bdtx.accounts import permissions
from bdtx.delivery.permissions import classes_in_scope
from bdtx.lib.schoolyear import current_school_year
from bdtx.lib.text import clean, fold
from bdtx.organisations.models import Unit

from .. import certificates as service
from ..models import Certificate, CertificateBatch, YearResult

PAGE_SIZE = 50
FIRST_YEAR = 2019
PDF = "application/pdf"


# Forms --------------------------------------------------------------------------------------------------------


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class SigningFields(forms.Form):
    """What every way of issuing asks: the place and date printed, the signer."""

    place = forms.CharField(
        label=gettext_lazy("Place"),
        max_length=100,
        help_text=gettext_lazy("Printed before the date, e.g. “Tân Phong” or “Lai Châu”."),
    )
    issued_on = forms.DateField(label=gettext_lazy("Date"), help_text=gettext_lazy("dd/mm/yyyy"))
    signer_title = forms.CharField(
        label=gettext_lazy("Signer's title"),
        max_length=150,
        help_text=gettext_lazy(
            "As printed above the signature; “ / ” starts a new line: e.g. “Hiệu trưởng” or "
            "“KT. Giám đốc / Phó Giám đốc”."
        ),
    )
    signer_name = forms.CharField(label=gettext_lazy("Signer's name"), max_length=150, required=False)

    def clean_place(self):
        return clean(self.cleaned_data["place"])

    def clean_signer_title(self):
        return clean(self.cleaned_data["signer_title"])

    def clean_signer_name(self):
        return clean(self.cleaned_data["signer_name"])


class IssueForm(SigningFields):
    issuer = UnitChoice(label=gettext_lazy("Issuing unit"), queryset=Unit.objects.none(), empty_label=None)
    field_order = ["issuer", "place", "issued_on", "signer_title", "signer_name"]

    def __init__(self, *args, issuers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = Unit.objects.filter(pk__in=[unit.pk for unit in issuers]).order_by("depth")


class BatchForm(IssueForm):
    year = forms.TypedChoiceField(label=gettext_lazy("School year"), coerce=int)
    training_class = forms.ModelChoiceField(
        label=gettext_lazy("Only the learners of a class"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Everyone in the unit"),
        help_text=gettext_lazy("Leave empty to issue for every person of the unit and the units below it."),
    )
    field_order = ["year", "training_class", "issuer", "place", "issued_on", "signer_title", "signer_name"]

    def __init__(self, *args, user, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, f"{y}-{y + 1}") for y in school_years()]
        self.fields["training_class"].queryset = classes_in_scope(user).filter(year=year).order_by("code", "pk")
        self.fields["training_class"].label_from_instance = lambda c: f"{c.code} – {c.title}"

    def clean(self):
        data = super().clean()
        chosen, year = data.get("training_class"), data.get("year")
        if chosen is not None and year is not None and chosen.year != year:
            self.add_error("training_class", _("This class is of another school year. Choose a class of %(year)s.")
                           % {"year": f"{year}-{year + 1}"})  # fmt: skip
        return data


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for revoking"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text=gettext_lazy("Kept in the register; the public check shows only that it is revoked, and when."),
    )


def _last_signing(issuer: Unit) -> dict:
    """The place and signer of the issuer's last certificate, to fill the form in again."""
    last = Certificate.objects.filter(issuer=issuer).order_by("-issued_at", "-pk").values_list("data", flat=True)
    data = last.first() or {}
    return {key: data.get(key, "") for key in ("place", "signer_title", "signer_name")}


# A unit's certificates --------------------------------------------------------------------------------------


def managed_unit(user, pk: int) -> Unit:
    return get_object_or_404(permissions.manageable_units(user), pk=pk)


def school_years() -> list[int]:
    """The school years to choose from: next year's down to 2019-2020, the first under TT 19/2019."""
    return list(range(current_school_year() + 1, FIRST_YEAR - 1, -1))


def _year(value) -> int:
    value = clean(value)
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else current_school_year()


@login_required
@require_GET
def certificate_list(request, pk: int):
    """The certificates of a unit's people for a school year (the register), with who still lacks one."""
    unit = managed_unit(request.user, pk)
    year = _year(request.GET.get("year"))
    status = request.GET.get("status", "")
    query = clean(request.GET.get("q"))
    rows = (
        Certificate.objects.visible_to(request.user)
        .filter(year=year, result__unit__path__startswith=unit.path)
        .select_related("issuer", "staff")
        .only(
            "pk",
            "number",
            "year",
            "status",
            "issued_on",
            "revoked_at",
            "code",
            "data",
            "issuer__name",
            "issuer__code",
            "staff__full_name",
            "staff__code",
        )  # fmt: skip
        .order_by("staff__sort_key", "issuer__path", "number", "pk")
    )
    if status in Certificate.Status.values:
        rows = rows.filter(status=status)
    for word in fold(query).split():
        rows = rows.filter(staff__search_text__contains=word)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = Certificate.objects.filter(year=year, result__unit__path__startswith=unit.path).aggregate(
        valid=Count("pk", filter=Q(status=Certificate.Status.VALID)),
        revoked=Count("pk", filter=Q(status=Certificate.Status.REVOKED)),
    )
    waiting = (
        service.qualifying_results()
        .filter(year=year, unit__path__startswith=unit.path)
        .exclude(certificates__status=Certificate.Status.VALID)
        .select_related("staff", "unit")
        .only("pk", "year", "staff__full_name", "staff__code", "unit__name")
        .order_by("staff__sort_key", "pk")
    )
    waiting_count = waiting.count()
    batches = list(
        CertificateBatch.objects.filter(unit=unit, year=year)
        .select_related("issuer", "training_class")
        .order_by("-created_at")[:10]
    )
    return render(
        request,
        "results/certificate_list.html",
        {
            "unit": unit,
            "year": year,
            "years": school_years(),
            "status": status,
            "q": query,
            "page": page,
            "counts": counts,
            "waiting": list(waiting[:20]),
            "waiting_count": waiting_count,
            "batches": batches,
            "statuses": [(value, service.status_label(value)) for value in Certificate.Status.values],
        },
    )


# One certificate --------------------------------------------------------------------------------------------


def certificate_in_scope(user, pk: int) -> Certificate:
    return get_object_or_404(
        Certificate.objects.visible_to(user).select_related("issuer", "staff", "result", "revoked_by", "issued_by"),
        pk=pk,
    )


def _detail(request, certificate: Certificate, *, revoke_form=None, reissue_form=None, status: int = 200):
    manages = certificate.status == Certificate.Status.VALID and service.can_revoke(request.user, certificate)
    if manages and reissue_form is None:
        reissue_form = SigningFields(
            initial={
                "place": certificate.data.get("place", ""),
                "issued_on": timezone.localdate(),
                "signer_title": certificate.data.get("signer_title", ""),
                "signer_name": certificate.data.get("signer_name", ""),
            },
            prefix="reissue",
        )
    return render(
        request,
        "results/certificate_detail.html",
        {
            "certificate": certificate,
            "data": certificate.data,
            "status_label": service.status_label(certificate.status),
            "history": service.history(certificate),
            "verify_url": service.verify_url(certificate.code),
            "manages": manages,
            "revoke_form": revoke_form or (RevokeForm() if manages else None),
            "reissue_form": reissue_form,
        },
        status=status,
    )


@login_required
@require_GET
def certificate_detail(request, pk: int):
    return _detail(request, certificate_in_scope(request.user, pk))


@login_required
@require_GET
def certificate_pdf(request, pk: int):
    """The certificate as printed, drawn again from its frozen text."""
    certificate = certificate_in_scope(request.user, pk)
    return pdf_response(certificate)


def pdf_response(certificate: Certificate) -> HttpResponse:
    response = HttpResponse(service.render(certificate), content_type=PDF)
    response["Content-Disposition"] = content_disposition_header(False, service.file_name(certificate))
    return response


@login_required
@require_POST
def certificate_revoke(request, pk: int):
    certificate = certificate_in_scope(request.user, pk)
    if not service.can_revoke(request.user, certificate):
        raise PermissionDenied
    form = RevokeForm(request.POST)
    if not form.is_valid():
        return _detail(request, certificate, revoke_form=form, status=400)
    try:
        service.revoke(certificate, reason=form.cleaned_data["reason"], by=request.user)
    except service.CertificateError as error:  # revoked meanwhile
        messages.error(request, str(error))
        return redirect("results:certificate", pk=certificate.pk)
    messages.success(request, _("Certificate %(number)s is revoked.") % {"number": certificate.register_number})
    return redirect("results:certificate", pk=certificate.pk)


@login_required
@require_POST
def certificate_reissue(request, pk: int):
    certificate = certificate_in_scope(request.user, pk)
    if not service.can_revoke(request.user, certificate):
        raise PermissionDenied
    form = SigningFields(request.POST, prefix="reissue")
    if not form.is_valid():
        return _detail(request, certificate, reissue_form=form, status=400)
    try:
        new = service.reissue(certificate, by=request.user, **form.cleaned_data)
    except service.CertificateError as error:  # revoked meanwhile, or the result no longer allows one
        messages.error(request, str(error))
        return redirect("results:certificate", pk=certificate.pk)
    messages.success(
        request,
        _("Certificate %(old)s is revoked and replaced by %(new)s.")
        % {"old": certificate.register_number, "new": new.register_number},
    )
    return redirect("results:certificate", pk=new.pk)


# Issuing one ------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def certificate_issue(request, pk: int):
    """Issue the certificate of one recognised result, from a unit the user manages at or above the person's."""
    result = get_object_or_404(YearResult.objects.visible_to(request.user).select_related("staff", "unit"), pk=pk)
    issuers = service.issuers_for(request.user, result.unit)
    if not issuers:
        raise PermissionDenied
    existing = result.certificates.filter(status=Certificate.Status.VALID).first()
    refusal = service.refusal(result)
    if request.method == "POST" and existing is None and refusal is None:
        form = IssueForm(request.POST, issuers=issuers)
        if form.is_valid():
            try:
                certificate = service.issue(result, by=request.user, **form.cleaned_data)
            except service.CertificateError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, _("Certificate %(number)s is issued.") % {"number": certificate.register_number}
                )
                return redirect("results:certificate", pk=certificate.pk)
        status = 400
    else:
        issuer = issuers[-1]  # the nearest unit above the person
        form = IssueForm(
            initial={"issuer": issuer, "issued_on": timezone.localdate(), **_last_signing(issuer)}, issuers=issuers
        )
        status = 200 if request.method == "GET" else 400
    return render(
        request,
        "results/certificate_issue.html",
        {"result": result, "form": form, "existing": existing, "refusal": refusal},
        status=status,
    )


# Batches ----------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def batch_new(request, pk: int):
    """Issue the certificates of a unit's people (or of a class's learners among them) in the background."""
    unit = managed_unit(request.user, pk)
    issuers = service.issuers_for(request.user, unit)
    year = _year(request.POST.get("year") if request.method == "POST" else request.GET.get("year"))
    if request.method == "POST":
        form = BatchForm(request.POST, issuers=issuers, user=request.user, year=year)
        if form.is_valid():
            data = form.cleaned_data
            batch = service.start_batch(
                issuer=data["issuer"],
                unit=unit,
                year=data["year"],
                training_class=data["training_class"],
                by=request.user,
                place=data["place"],
                issued_on=data["issued_on"],
                signer_title=data["signer_title"],
                signer_name=data["signer_name"],
            )
            return redirect("results:certificate-batch", pk=batch.pk)
    else:
        issuer = issuers[-1]
        form = BatchForm(
            initial={"year": year, "issuer": issuer, "issued_on": timezone.localdate(), **_last_signing(issuer)},
            issuers=issuers,
            user=request.user,
            year=year,
        )
    waiting = (
        service.qualifying_results()
        .filter(year=year, unit__path__startswith=unit.path)
        .exclude(certificates__status=Certificate.Status.VALID)
        .count()
    )
    return render(
        request,
        "results/certificate_batch_new.html",
        {"unit": unit, "form": form, "year": year, "waiting": waiting},
        status=400 if form.is_bound else 200,
    )


def batch_in_scope(user, pk: int) -> CertificateBatch:
    return get_object_or_404(
        service.batches_visible_to(user).select_related("issuer", "unit", "training_class", "requested_by"), pk=pk
    )


@login_required
@require_GET
def batch_detail(request, pk: int):
    """A batch: its progress (polled by htmx while it runs), then the ZIP; "run again" if it stopped."""
    batch = batch_in_scope(request.user, pk)
    busy = batch.status in (CertificateBatch.Status.QUEUED, CertificateBatch.Status.RUNNING)
    if request.htmx and not busy:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    context = {
        "batch": batch,
        "busy": busy,
        "stuck": service.batch_is_stuck(batch),
        "percent": min(100, batch.done * 100 // batch.total) if batch.total else 0,
    }
    template = "results/certificate_batch.html#status" if request.htmx else "results/certificate_batch.html"
    return render(request, template, context)


@login_required
@require_POST
def batch_rerun(request, pk: int):
    batch = batch_in_scope(request.user, pk)
    busy = batch.status in (CertificateBatch.Status.QUEUED, CertificateBatch.Status.RUNNING)
    if busy and not service.batch_is_stuck(batch):
        messages.warning(request, _("This batch is still running. Wait for it to finish."))
    else:
        service.rerun_batch(batch)
    return redirect("results:certificate-batch", pk=batch.pk)


@login_required
@require_GET
def batch_download(request, pk: int):
    batch = batch_in_scope(request.user, pk)
    if batch.status != CertificateBatch.Status.DONE or not batch.archive:
        raise Http404
    return FileResponse(
        batch.archive.open("rb"),
        as_attachment=True,
        filename=service.archive_name(batch),
        content_type="application/zip",
    )


# The person's own -------------------------------------------------------------------------------------------


@login_required
@require_GET
def my_certificates(request):
    rows = service.own_certificates(request.user).only(
        "pk", "number", "year", "status", "issued_on", "revoked_at", "data", "issuer__name"
    )
    return render(
        request,
        "results/certificate_mine.html",
        {"rows": [(c, service.status_label(c.status)) for c in rows]},
    )


urlpatterns = [
    path("certificates/mine/", my_certificates, name="my-certificates"),
    path("units/<int:pk>/certificates/", certificate_list, name="certificates"),
    path("units/<int:pk>/certificates/batch/", batch_new, name="certificate-batch-new"),
    path("certificates/<int:pk>/", certificate_detail, name="certificate"),
    path("certificates/<int:pk>/pdf/", certificate_pdf, name="certificate-pdf"),
    path("certificates/<int:pk>/revoke/", certificate_revoke, name="certificate-revoke"),
    path("certificates/<int:pk>/reissue/", certificate_reissue, name="certificate-reissue"),
    path("certificates/issue/<int:pk>/", certificate_issue, name="certificate-issue"),
    path("certificate-batches/<int:pk>/", batch_detail, name="certificate-batch"),
    path("certificate-batches/<int:pk>/rerun/", batch_rerun, name="certificate-batch-rerun"),
    path("certificate-batches/<int:pk>/download/", batch_download, name="certificate-batch-download"),
]
