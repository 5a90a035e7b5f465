from bdtx.accounts import permissions
from bdtx.organisations.models import UnitKind
from bdtx.staff.models import StaffMember
from bdtx.testing import make_staff, make_unit, make_user


def visible_codes(user):
    return sorted(StaffMember.objects.visible_to(user).values_list("code", flat=True))


def test_a_province_officer_sees_everyone_in_the_province(cast):
    assert visible_codes(cast.officer) == ["GV-A-001", "GV-B-001"]


def test_a_commune_officer_sees_only_the_schools_under_the_commune(cast):
    assert visible_codes(cast.local) == ["GV-A-001"]
    assert cast.tree.school_b not in permissions.units_in_scope(cast.local)


def test_a_principal_sees_their_school_and_not_the_other(cast):
    assert visible_codes(cast.principal_a) == ["GV-A-001"]
    assert visible_codes(cast.principal_b) == ["GV-B-001"]


def test_a_teacher_sees_only_their_own_record(cast):
    assert visible_codes(cast.teacher_a) == ["GV-A-001"]
    assert not permissions.can_manage_staff(cast.teacher_a)


def test_someone_without_a_role_sees_nothing(db):
    assert visible_codes(make_user("nobody")) == []


def test_a_principal_may_reset_their_teachers_passwords_but_not_the_officers(cast):
    resettable = set(permissions.users_in_scope(cast.principal_a))
    assert cast.teacher_a in resettable
    assert cast.officer not in resettable and cast.principal_a not in resettable
    assert cast.teacher_a not in set(permissions.users_in_scope(cast.principal_b))


def test_only_officers_above_a_unit_may_edit_it(cast):
    assert permissions.can_edit_unit_tree(cast.officer, cast.tree.school_a)
    assert permissions.can_edit_unit_tree(cast.local, cast.tree.school_a)
    assert not permissions.can_edit_unit_tree(cast.local, cast.tree.commune)  # their own unit
    assert not permissions.can_edit_unit_tree(cast.principal_a, cast.tree.school_a)


def test_a_role_at_an_inactive_unit_gives_no_reach(cast):
    school = cast.tree.school_a
    school.active = False
    school.save()
    principal = type(cast.principal_a).objects.get(pk=cast.principal_a.pk)  # fresh, no cached roles
    assert visible_codes(principal) == []


def test_a_province_officer_does_not_see_another_province_in_the_same_database(cast):
    other = make_unit("SO2", "Sở GDĐT Điện Biên", kind=UnitKind.DEPARTMENT)
    make_staff(make_unit("DB-T1", parent=other), "Quàng Văn Dũng", code="GV-DB-001", gender="nam")
    officer = type(cast.officer).objects.get(pk=cast.officer.pk)
    assert visible_codes(officer) == ["GV-A-001", "GV-B-001"]
