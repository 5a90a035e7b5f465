"""The school-A records of this area that the outsider test tries (see bdtx/tests/test_scope_everywhere.py): a
class organised by the commune (school B sees nothing of it), its session, member_a's enrolment, a presenter
registered at the commune, a bulk enrolment job."""

import datetime as dt

from bdtx.delivery.models import EnrolmentJob, JobStatus, Trainer
from bdtx.testing import enrol, make_class


def records(cast) -> dict:
    training_class = make_class(
        cast.tree.commune, year=2027, code="PA-SCOPE", sessions=1, first_day=dt.date(2027, 10, 5), self_enrol=True
    )
    session = training_class.sessions.get()
    (enrolment,) = enrol(training_class, cast.member_a)
    trainer = Trainer.objects.create(unit=cast.tree.commune, full_name="Lò Thị Mai", sort_key="mai")
    training_class.trainers.add(trainer)
    job = EnrolmentJob.objects.create(
        training_class=training_class, unit=cast.tree.school_a, requested_by=cast.local, status=JobStatus.DONE
    )
    return {
        "delivery:class-detail": training_class.pk,
        "delivery:class-edit": training_class.pk,
        "delivery:class-publish": training_class.pk,
        "delivery:class-close": training_class.pk,
        "delivery:session-new": training_class.pk,
        "delivery:session-edit": session.pk,
        "delivery:session-delete": session.pk,
        "delivery:trainer-edit": trainer.pk,
        "delivery:enrol-people": training_class.pk,
        "delivery:enrol-from-plans": training_class.pk,
        "delivery:enrolment-job": job.pk,
        "delivery:requests-decide": training_class.pk,
        "delivery:enrolment-withdraw": enrolment.pk,
        "delivery:class-join": training_class.pk,
        "api:class-detail": training_class.pk,
        "api:class-enrolments": training_class.pk,
        "api:enrolment-detail": enrolment.pk,
    }
