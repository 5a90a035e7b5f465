"""Background work of certificates (django.tasks): a batch issues what its scope is missing and packs every valid
certificate of the scope into one ZIP.

Safe to run again after a worker stops mid-way: certificates are issued in chunks, each in its own transaction,
and a result never gets a second valid certificate (a database constraint), so a re-run issues only what is still
missing and writes the ZIP again from the start."""

import logging

from django.conf import settings
from django.db.models import F
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bdtx.ops import jobs

from . import certificates
from .models import Certificate, CertificateBatch

log = logging.getLogger("bdtx.certificates")


def _progress(batch: CertificateBatch):
    def report(done: int, total: int) -> None:
        # Its own write, outside any transaction, so the page polling the batch sees it at once.
        CertificateBatch.objects.filter(pk=batch.pk).update(done=done, total=total)

    return report


def run(batch_id: int) -> None:
    batch = CertificateBatch.objects.select_related("issuer", "unit", "requested_by").get(pk=batch_id)
    if batch.status == CertificateBatch.Status.DONE:
        return
    CertificateBatch.objects.filter(pk=batch.pk).update(status=CertificateBatch.Status.RUNNING, done=0)
    with translation.override(settings.LANGUAGE_CODE):
        try:
            issued, written = certificates.run_batch(batch, progress=_progress(batch))
            held = jobs.current()
            if held is not None and held.resumed:
                # A run taking over from one whose worker died: what the dead runs issued counts too.
                issued = Certificate.objects.filter(
                    issuer=batch.issuer,
                    status=Certificate.Status.VALID,
                    issued_at__gte=held.started_at,
                    result__in=certificates.batch_results(batch).values("pk"),
                ).count()
        except Exception:
            log.exception("certificate batch %s failed", batch.pk)
            CertificateBatch.objects.filter(pk=batch.pk).update(
                status=CertificateBatch.Status.FAILED,
                failure=_(
                    "The batch stopped because of an unexpected error. The certificates issued so far are kept: "
                    "run it again to finish it."
                ),
                finished_at=timezone.now(),
            )
            return
    # The number issued adds up over the runs of the batch; done/total are this run's.
    CertificateBatch.objects.filter(pk=batch.pk).update(
        status=CertificateBatch.Status.DONE,
        archive=batch.archive.name,
        issued=F("issued") + issued,
        done=written,
        total=written,
        failure="",
        finished_at=timezone.now(),
    )
    log.info("certificate batch %s: %d issued, %d written", batch.pk, issued, written)


@task
@jobs.resumable("certificate-batch")
def run_certificate_batch(batch_id: int) -> None:
    """Issue the batch's missing certificates and write its ZIP."""
    run(batch_id)
