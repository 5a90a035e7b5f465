"""Giấy chứng nhận hoàn thành kế hoạch BDTX: who may have one, issuing (one, or a whole scope as a batch), the
register numbers, the PDF, revoking and reissuing.

A certificate is issued for a yearly result that is "Hoàn thành kế hoạch BDTX" and recognised, by a unit the issuer
manages at or above the person's unit. Its text is frozen in `Certificate.data` when it is issued, so the PDF (drawn
again from `data` at every download, the same bytes each time) never changes behind the paper copy. Register numbers
run from 1 per issuing unit and school year; a result has at most one valid certificate (database constraints)."""

import datetime as dt
import logging
import os
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import segno
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from bdtx.accounts import permissions
from bdtx.delivery.models import Enrolment, EnrolmentStatus
from bdtx.lib import fastpdf
from bdtx.lib.fastpdf import BOLD
from bdtx.lib.pdf import dated_line
from bdtx.lib.text import clean, fold
from bdtx.organisations.models import Unit
from bdtx.rules.completion import COMPLETED, completion_rule

from .models import Certificate, CertificateBatch, YearResult, batch_path

log = logging.getLogger("bdtx.certificates")
ATTEMPTS = 5  # tries at a register number when another issuer took the same one meanwhile
CHUNK = 500  # results issued per transaction in a batch
ZIP_CHUNK = 250  # certificates read at a time while writing a ZIP (progress is reported after each)
QR_MASK = 4  # a fixed mask (any of the eight is valid QR) spares segno trying all eight: 1.3 ms instead of 9


class CertificateError(Exception):
    """A certificate the rules refuse to issue, revoke or reissue; the message says why, in the user's language."""


# Who --------------------------------------------------------------------------------------------------------


def qualifying_results():
    """Results that may have a certificate: "Hoàn thành kế hoạch BDTX", recognised by the competent unit."""
    return YearResult.objects.filter(outcome=COMPLETED, recognised=True)


def issuers_for(user, unit: Unit) -> list[Unit]:
    """The units `user` may issue a certificate from for a person of `unit`: those they manage at or above it,
    from the top down."""
    return list(
        (permissions.manageable_units(user) & Unit.objects.filter(pk__in=unit.ancestor_ids())).order_by("depth")
    )


def can_revoke(user, certificate: Certificate) -> bool:
    """Revoke or reissue: the managers of the issuing unit (and above)."""
    return permissions.can_manage_unit(user, certificate.issuer)


def batches_visible_to(user):
    """Batches over a unit the user manages (they hold the certificates of its people)."""
    if not getattr(user, "is_authenticated", False):
        return CertificateBatch.objects.none()
    return CertificateBatch.objects.filter(unit__in=permissions.manageable_units(user).values("pk"))


def status_label(status: str) -> str:
    """The status as users read it ("Valid" alone means something else elsewhere in the catalogue)."""
    if status == Certificate.Status.REVOKED:
        return pgettext("certificate", "Revoked")
    return _("In force")


# The frozen text ----------------------------------------------------------------------------------------------


def _salutation(gender: str) -> str:
    return {"nam": pgettext("salutation", "Mr"), "nu": pgettext("salutation", "Ms")}.get(
        gender, pgettext("salutation", "Mr/Ms")
    )


def _lines(result: YearResult) -> list[dict]:
    """The periods ledger as printed: "Nội dung 01", "GVPT 04 – <title>", with the periods earned."""
    lines = []
    for line in result.lines:
        if line.get("module"):
            label = f"{line['module']} – {line['title']}" if line.get("title") else line["module"]
        else:
            label = _("Content %(code)s") % {"code": line["content"]}
            if line.get("title"):
                label = f"{label} – {line['title']}"
        lines.append({"label": label, "periods": int(line.get("earned") or 0)})
    return lines


def certificate_data(
    result: YearResult, *, issuer: Unit, issuer_parent: str, place: str, issued_on: dt.date, signer_title: str,
    signer_name: str,
) -> dict:  # fmt: skip
    """What the certificate says, frozen at issue, in the document's language (Vietnamese)."""
    staff = result.staff
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "name": staff.full_name,
            "salutation": _salutation(staff.gender),
            "birth_date": staff.birth_date.strftime("%d/%m/%Y") if staff.birth_date else "",
            "unit": result.unit.name,
            "year_label": result.school_year,
            "outcome": completion_rule().outcome_names.get(result.outcome, result.outcome),
            "lines": _lines(result),
            "periods": result.periods_earned,
            "place": clean(place),
            "date": issued_on.isoformat(),
            "signer_title": clean(signer_title),
            "signer_name": clean(signer_name),
            "issuer": issuer.name,
            "issuer_parent": issuer_parent,
        }


def _parent_name(issuer: Unit) -> str:
    return Unit.objects.filter(pk=issuer.parent_id).values_list("name", flat=True).first() or ""


# Issuing ----------------------------------------------------------------------------------------------------


def refusal(result: YearResult) -> str | None:
    if result.outcome != COMPLETED:
        return _("Only a result “Completed the BDTX plan” can have a certificate.")
    if not result.recognised:
        return _("Recognise the result first: only a recognised result can have a certificate.")
    return None


def _next_number(issuer: Unit, year: int) -> int:
    return (Certificate.objects.filter(issuer=issuer, year=year).aggregate(top=Max("number"))["top"] or 0) + 1


def issue(
    result: YearResult,
    *,
    issuer: Unit,
    by,
    place: str,
    issued_on: dt.date,
    signer_title: str,
    signer_name: str = "",
    replaces: Certificate | None = None,
) -> Certificate:
    """Issue the certificate of one result with the next register number of the issuer and year. The caller has
    checked that the user may issue from `issuer` (one of issuers_for(user, result.unit))."""
    refused = refusal(result)
    if refused:
        raise CertificateError(refused)
    if not result.unit.is_within(issuer):
        raise CertificateError(_("The issuing unit must be the person's unit or a unit above it."))
    if not clean(place) or not clean(signer_title):
        raise CertificateError(_("Give the place and the signer's title: both are printed on the certificate."))
    data = certificate_data(
        result,
        issuer=issuer,
        issuer_parent=_parent_name(issuer),
        place=place,
        issued_on=issued_on,
        signer_title=signer_title,
        signer_name=signer_name,
    )
    for _attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                if Certificate.objects.filter(result=result, status=Certificate.Status.VALID).exists():
                    raise CertificateError(_("This result already has a valid certificate."))
                return Certificate.objects.create(
                    issuer=issuer,
                    year=result.year,
                    number=_next_number(issuer, result.year),
                    staff_id=result.staff_id,
                    result=result,
                    data=data,
                    issued_by=by,
                    issued_on=issued_on,
                    replaces=replaces,
                )
        except IntegrityError:
            # Another issuer took the number (or issued for this result) meanwhile: look again.
            continue
    raise CertificateError(_("The register is busy. Try again in a moment."))


def issue_many(
    results: Sequence[YearResult],
    *,
    issuer: Unit,
    by,
    place: str,
    issued_on: dt.date,
    signer_title: str,
    signer_name: str = "",
) -> int:
    """Issue the certificates of these results that have none yet, as one block of register numbers (the issuer's
    last number + 1 … + n) in one transaction. Results that do not qualify are skipped. Returns how many."""
    wanted = [r for r in results if refusal(r) is None and r.unit.is_within(issuer)]
    if not wanted:
        return 0
    parent = _parent_name(issuer)
    frozen = {
        r.pk: certificate_data(
            r,
            issuer=issuer,
            issuer_parent=parent,
            place=place,
            issued_on=issued_on,
            signer_title=signer_title,
            signer_name=signer_name,
        )
        for r in wanted
    }
    for _attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                taken = set(
                    Certificate.objects.filter(
                        result_id__in=[r.pk for r in wanted], status=Certificate.Status.VALID
                    ).values_list("result_id", flat=True)
                )
                missing = [r for r in wanted if r.pk not in taken]
                by_year: dict[int, list[YearResult]] = {}
                for r in missing:
                    by_year.setdefault(r.year, []).append(r)
                new = []
                for year, group in by_year.items():
                    first = _next_number(issuer, year)
                    new += [
                        Certificate(
                            issuer=issuer,
                            year=year,
                            number=first + index,
                            staff_id=r.staff_id,
                            result=r,
                            data=frozen[r.pk],
                            issued_by=by,
                            issued_on=issued_on,
                        )
                        for index, r in enumerate(group)
                    ]
                Certificate.objects.bulk_create(new, batch_size=500)
                return len(new)
        except IntegrityError:
            continue
    raise CertificateError(_("The register is busy. Try again in a moment."))


def revoke(certificate: Certificate, *, reason: str, by) -> Certificate:
    """Thu hồi: the certificate stays in the register, marked revoked, with who, when and why."""
    reason = clean(reason)
    if not reason:
        raise CertificateError(_("Say why the certificate is revoked: the reason is kept in the register."))
    now = timezone.now()
    updated = Certificate.objects.filter(pk=certificate.pk, status=Certificate.Status.VALID).update(
        status=Certificate.Status.REVOKED, revoked_reason=reason, revoked_by=by, revoked_at=now
    )
    if not updated:
        raise CertificateError(_("This certificate is already revoked."))
    certificate.status, certificate.revoked_reason = Certificate.Status.REVOKED, reason
    certificate.revoked_by, certificate.revoked_at = by, now
    return certificate


@transaction.atomic
def reissue(
    certificate: Certificate,
    *,
    by,
    place: str | None = None,
    issued_on: dt.date | None = None,
    signer_title: str | None = None,
    signer_name: str | None = None,
) -> Certificate:
    """Cấp lại: revoke the certificate (reason "cấp lại") and issue a new one, with a new number, pointing back to
    it. The text is taken again from the result (a corrected name is printed); what is not given is kept. Nothing
    changes if the new one cannot be issued."""
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("reissued")
    revoke(certificate, reason=reason, by=by)
    result = YearResult.objects.select_related("staff", "unit").get(pk=certificate.result_id)
    old = certificate.data
    return issue(
        result,
        issuer=certificate.issuer,
        by=by,
        place=old.get("place", "") if place is None else place,
        issued_on=timezone.localdate() if issued_on is None else issued_on,
        signer_title=old.get("signer_title", "") if signer_title is None else signer_title,
        signer_name=old.get("signer_name", "") if signer_name is None else signer_name,
        replaces=certificate,
    )


def history(certificate: Certificate) -> list[Certificate]:
    """Every certificate issued for the same result, oldest first: the one it replaced and the one replacing it."""
    return list(
        Certificate.objects.filter(result_id=certificate.result_id)
        .select_related("issuer", "revoked_by", "issued_by")
        .order_by("issued_at", "pk")
    )


# The document -----------------------------------------------------------------------------------------------


def verify_url(code: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("verify", args=[code])


def file_name(certificate: Certificate) -> str:
    """ "0042-nguyen-thi-hoa.pdf": the register number and the name without diacritics."""
    name = "-".join("".join(ch for ch in word if ch.isalnum()) for word in fold(certificate.data.get("name")).split())
    return f"{certificate.number:04d}-{name or 'giay-chung-nhan'}.pdf"


NAVY = (0.05, 0.19, 0.42)
RED = (0.69, 0.1, 0.1)
GREY = (0.3, 0.3, 0.3)


def render(certificate: Certificate) -> bytes:
    """The certificate as a one-page A4 landscape PDF, drawn from its frozen text (the same bytes every time)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _draw(certificate)


def _draw(certificate: Certificate) -> bytes:
    data = certificate.data
    page = fastpdf.Page(fastpdf.A4_LANDSCAPE)
    width = page.width
    # A double frame.
    page.rect(7, 7, width - 14, page.height - 14, stroke=NAVY, width=1.1)
    page.rect(9.5, 9.5, width - 19, page.height - 19, stroke=NAVY, width=0.3)

    # The issuing unit (its parent above it) on the left; the national name and motto on the right.
    left_x, left_w = 14.0, 118.0
    y = 22.0
    if data.get("issuer_parent"):
        y = page.paragraph(left_x, y, left_w, data["issuer_parent"].upper(), size=10.5, align="center", leading=5)
    y = page.paragraph(left_x, y, left_w, data.get("issuer", "").upper(), font=BOLD, size=10.5, align="center",
                       leading=5)  # fmt: skip
    page.line(left_x + left_w / 2 - 15, y - 2.2, left_x + left_w / 2 + 15, y - 2.2, width=0.3)
    number = _("Register number: %(number)s") % {"number": certificate.register_number}
    page.text(left_x, y + 4, number, size=10, align="center", width=left_w)
    right_x, right_w = 132.0, width - 132.0 - 14.0
    page.text(right_x, 22, _("SOCIALIST REPUBLIC OF VIETNAM"), font=BOLD, size=11, align="center", width=right_w)
    motto = _("Independence - Freedom - Happiness")
    motto_w = page.text(right_x, 27.5, motto, font=BOLD, size=12, align="center", width=right_w)
    centre = right_x + right_w / 2
    page.line(centre - motto_w / 2, 29.8, centre + motto_w / 2, 29.8, width=0.3)

    # The title.
    page.text(0, 53, _("CERTIFICATE"), font=BOLD, size=30, align="center", width=width, color=RED)
    page.text(0, 62.5, _("Completed the continuous professional development plan"), font=BOLD, size=15,
              align="center", width=width, color=NAVY)  # fmt: skip
    year = _("School year %(year)s") % {"year": data.get("year_label", "")}
    page.text(0, 70, year, size=13, align="center", width=width)

    # The person and what they completed.
    body_x, body_w = 36.0, width - 72.0
    label = f"{data.get('salutation', '')}: "
    offset = page.text(body_x, 83, label, size=12)
    page.text(body_x + offset, 83, data.get("name", ""), font=BOLD, size=15)
    y = 90.5
    born = _("Date of birth: %(date)s") % {"date": data.get("birth_date", "")}
    page.text(body_x, y, born, size=12)
    unit = _("Unit: %(unit)s") % {"unit": data.get("unit", "")}
    y = page.paragraph(body_x + 62, y, body_w - 62, unit, size=12, leading=5.5)
    intro = _("Completed the BDTX plan of the school year %(year)s with the contents:") % {
        "year": data.get("year_label", "")
    }
    y = page.paragraph(body_x, y + 1.5, body_w, intro, size=12, leading=5.5)
    y = _contents(page, body_x + 4, y, body_w - 4, data.get("lines", []), bottom=142)
    total = _("Total: %(periods)s periods.") % {"periods": data.get("periods", 0)}
    offset = page.text(body_x, y + 6.5, total, size=12)
    outcome = _("Result: %(outcome)s") % {"outcome": data.get("outcome", "")}
    page.text(body_x + offset + 8, y + 6.5, outcome, font=BOLD, size=12)

    # The place, date and signer on the right; the QR code to the public check on the left.
    sign_x, sign_w = 160.0, 118.0
    day = dt.date.fromisoformat(data["date"]) if data.get("date") else None
    page.text(sign_x, 154, dated_line(data.get("place", ""), day), size=11.5, align="center", width=sign_w)
    signer = data.get("signer_title", "").upper().replace(" / ", "\n")  # "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC": two lines
    y = page.paragraph(sign_x, 160.5, sign_w, signer, font=BOLD, size=12,
                       align="center", leading=5.5)  # fmt: skip
    page.text(sign_x, max(y + 22, 192), data.get("signer_name", ""), font=BOLD, size=13, align="center", width=sign_w)

    url = verify_url(certificate.code)
    qr = segno.make_qr(url, error="m", mask=QR_MASK, boost_error=False)
    page.qr(27, 152, 30, qr.matrix)
    page.text(12, 187, url, size=6.5, align="center", width=60, color=GREY)
    page.text(12, 191, _("Scan to check this certificate"), size=7, align="center", width=60, color=GREY)

    if certificate.status == Certificate.Status.REVOKED:
        stamp = _("REVOKED")
        stamp_w = page.measure(stamp, font=BOLD, size=26) + 12
        page.rect((width - stamp_w) / 2, 121, stamp_w, 15, stroke=RED, width=1)
        page.text(0, 132, stamp, font=BOLD, size=26, align="center", width=width, color=RED)

    title = _("BDTX certificate %(number)s – %(name)s") % {
        "number": certificate.register_number,
        "name": data.get("name", ""),
    }
    return fastpdf.document([page], title=title, author=data.get("issuer", ""))


def _contents(page: fastpdf.Page, x: float, y: float, width: float, lines: list[dict], *, bottom: float) -> float:
    """The contents and their periods, one a line: one column, or two when they are many, in the largest size
    that fits above `bottom`; a line too long even then is cut with "…". Returns the baseline below them."""
    texts = [
        "- " + _("%(label)s: %(periods)s periods") % {"label": line["label"], "periods": line["periods"]}
        for line in lines
    ]
    if not texts:
        return y
    widest = max(page.measure(text, size=1) for text in texts)  # widths grow with the size
    choices = [(1, 12), (1, 11), (1, 10), (2, 11), (2, 10), (2, 9), (2, 8)]
    for columns, size in choices:
        rows = -(-len(texts) // columns)
        column_w = width / columns - (4 if columns > 1 else 0)
        if rows * size * 1.5 / fastpdf.MM <= bottom - y and widest * size <= column_w:
            break
    # Nothing fits whole: the smallest size, and the lines too long cut.
    leading = size * 1.5 / fastpdf.MM
    for index, text in enumerate(texts):
        column, row = divmod(index, rows)
        text = page.shorten(text, column_w, size=size)
        page.text(x + column * (width / columns), y + (row + 1) * leading, text, size=size)
    return y + rows * leading


# Batches ----------------------------------------------------------------------------------------------------


def batch_results(batch: CertificateBatch):
    """The qualifying results a batch covers: the people of its unit's subtree, or of its class among them."""
    results = qualifying_results().filter(year=batch.year, unit__path__startswith=batch.unit.path)
    if batch.training_class_id:
        learners = Enrolment.objects.filter(
            training_class_id=batch.training_class_id, status=EnrolmentStatus.ENROLLED
        ).values("staff_id")
        results = results.filter(staff_id__in=learners)
    return results


def start_batch(
    *,
    issuer: Unit,
    unit: Unit,
    year: int,
    by,
    place: str,
    issued_on: dt.date,
    signer_title: str,
    signer_name: str = "",
    training_class=None,
) -> CertificateBatch:
    """Record a batch and queue its job (bdtx.results.certificate_tasks)."""
    from .certificate_tasks import run_certificate_batch

    if not unit.is_within(issuer):
        raise CertificateError(_("The issuing unit must be the unit of the people or a unit above it."))
    batch = CertificateBatch.objects.create(
        issuer=issuer,
        unit=unit,
        year=year,
        training_class=training_class,
        place=clean(place),
        issued_on=issued_on,
        signer_title=clean(signer_title),
        signer_name=clean(signer_name),
        requested_by=by,
    )
    run_certificate_batch.enqueue(batch.pk)
    return batch


def rerun_batch(batch: CertificateBatch) -> None:
    """Queue a batch again (a worker stopped, or to rebuild the ZIP): it issues only what is missing. Its start
    time (created_at) is reset, so that "running for too long" counts from now."""
    from .certificate_tasks import run_certificate_batch

    CertificateBatch.objects.filter(pk=batch.pk).update(
        status=CertificateBatch.Status.QUEUED, done=0, failure="", finished_at=None, created_at=timezone.now()
    )
    run_certificate_batch.enqueue(batch.pk)


def batch_is_stuck(batch: CertificateBatch, *, now: dt.datetime | None = None) -> bool:
    """Queued or running for longer than any batch should take (a stopped worker): offer to run it again."""
    if batch.status not in (CertificateBatch.Status.QUEUED, CertificateBatch.Status.RUNNING):
        return False
    limit = dt.timedelta(minutes=10 + batch.total // 1000)
    return (now or timezone.now()) - batch.created_at > limit


def archive_name(batch: CertificateBatch) -> str:
    return f"giay-chung-nhan-{batch.year}-{batch.year + 1}-{batch.pk}.zip"


def run_batch(batch: CertificateBatch, *, progress=None) -> tuple[int, int]:
    """Issue what the batch's scope is missing (in chunks, each its own transaction, so a stopped worker loses
    nothing), then write every valid certificate of the scope into one ZIP. Returns (issued, written)."""
    scope = batch_results(batch)
    pending = list(scope.exclude(certificates__status=Certificate.Status.VALID).values_list("pk", flat=True))
    issued = 0
    for start in range(0, len(pending), CHUNK):
        chunk = list(YearResult.objects.filter(pk__in=pending[start : start + CHUNK]).select_related("staff", "unit"))
        issued += issue_many(
            chunk,
            issuer=batch.issuer,
            by=batch.requested_by,
            place=batch.place,
            issued_on=batch.issued_on,
            signer_title=batch.signer_title,
            signer_name=batch.signer_name,
        )
    certificates = Certificate.objects.filter(status=Certificate.Status.VALID, result__in=scope.values("pk"))
    written = write_archive(batch, certificates, progress=progress)
    return issued, written


def write_archive(batch: CertificateBatch, certificates, *, progress=None) -> int:
    """Every certificate as a PDF in one ZIP (stored, not deflated: the PDFs are compressed already), written beside
    its final place and moved there when complete; the batch's `archive` names it."""
    order = list(certificates.order_by("issuer_id", "number", "pk").values_list("pk", flat=True))
    total = len(order)
    if progress:
        progress(0, total)
    name = batch_path(batch, archive_name(batch))
    target = Path(default_storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    seen: set[str] = set()
    written = 0
    # In chunks by primary key rather than one open cursor: memory stays flat, and the progress written between
    # chunks is committed at once (SQLite holds an autocommit write back while a read statement is open).
    fields = ("pk", "number", "year", "code", "status", "data")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
        for start in range(0, len(order), ZIP_CHUNK):
            ids = order[start : start + ZIP_CHUNK]
            rows = Certificate.objects.only(*fields).in_bulk(ids)
            for pk in ids:
                certificate = rows[pk]
                filename = file_name(certificate)
                if filename in seen:  # the same number from two issuers, and the same name
                    filename = filename.replace(".pdf", f"-{certificate.pk}.pdf")
                seen.add(filename)
                day = dt.date.fromisoformat(certificate.data.get("date") or "2000-01-01")
                info = zipfile.ZipInfo(filename, date_time=(day.year, day.month, day.day, 0, 0, 0))
                archive.writestr(info, render(certificate))
                written += 1
            if progress:
                progress(written, total)
    os.replace(partial, target)
    batch.archive.name = name
    return written


def own_certificates(user) -> Iterable[Certificate]:
    """The signed-in person's own certificates, newest year first."""
    if not getattr(user, "is_authenticated", False):
        return Certificate.objects.none()
    return Certificate.objects.filter(staff__user=user).select_related("issuer").order_by("-year", "-issued_at", "-pk")
