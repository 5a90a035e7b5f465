"""The school-A records of this area that the outsider test tries (see bdtx/tests/test_scope_everywhere.py): a
session of a class organised by the commune (school B's principal cannot see it), with member_a enrolled."""

from bdtx.testing import enrol, make_class


def records(cast) -> dict:
    training_class = make_class(cast.tree.commune, year=2027, code="SCOPE-DD", sessions=1)
    enrol(training_class, cast.member_a)
    session = training_class.sessions.get()
    return {
        "delivery:attendance": training_class.pk,
        "delivery:attendance-template": training_class.pk,
        "delivery:attendance-import": training_class.pk,
        "delivery:attendance-sheet": session.pk,
        "delivery:attendance-pdf": session.pk,
        "delivery:checkin": session.pk,
        "delivery:checkin-live": session.pk,
        "delivery:checkin-code": session.pk,
        "api:session-attendance": session.pk,
    }
