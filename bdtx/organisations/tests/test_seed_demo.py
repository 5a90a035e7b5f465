import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bdtx.accounts.models import Role, RoleAssignment, User
from bdtx.organisations.models import Unit, UnitKind
from bdtx.staff.models import Assignment, StaffChange, StaffMember
from bdtx.staff.services import shown
from bdtx.staff.validation import COLUMNS, validate_row


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def digest() -> str:
    rows = StaffMember.objects.order_by("code").values_list(
        "code", "full_name", "citizen_id", "birth_date", "gender", "email", "unit__code", "position", "user__username"
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def wipe() -> None:
    StaffMember.objects.all().delete()
    User.objects.all().delete()
    for depth in sorted(set(Unit.objects.values_list("depth", flat=True)), reverse=True):
        Unit.objects.filter(depth=depth).delete()


@pytest.fixture
def demo(db):
    run("seed_demo", "--staff", "300", "--seed", "7")


def test_the_same_seed_gives_the_same_province(demo):
    first = digest()
    wipe()
    run("seed_demo", "--staff", "300", "--seed", "7")
    assert digest() == first
    wipe()
    run("seed_demo", "--staff", "300", "--seed", "8")
    assert digest() != first


def test_the_province_has_lai_chau_communes_and_schools(demo):
    province = Unit.objects.get(parent=None)
    assert province.name == "Sở Giáo dục và Đào tạo Lai Châu"
    communes = Unit.objects.filter(kind=UnitKind.COMMUNE)
    assert communes.count() == 38
    assert communes.filter(name="UBND phường Đoàn Kết", admin_code="03388").exists()
    assert not communes.exclude(parent=province).exists()
    assert Unit.objects.filter(kind=UnitKind.SCHOOL, parent__kind=UnitKind.COMMUNE).count() >= 76
    assert Unit.objects.filter(levels="thpt", parent=province).count() >= 10
    assert Unit.objects.filter(kind=UnitKind.CONTINUING_CENTRE, parent=province).count() == 1
    assert all(unit.path.endswith(f"/{unit.pk}/") for unit in Unit.objects.all())


def test_every_person_passes_the_import_checks(demo):
    members = list(StaffMember.objects.select_related("unit"))
    assert len(members) == 300
    for member in members:
        row = {c.field: shown(c.field, getattr(member, c.field)) for c in COLUMNS if c.field != "unit_code"}
        row["unit_code"] = member.unit.code
        _values, errors = validate_row(row)
        assert errors == [], (member.full_name, errors)


def test_people_look_like_lai_chau_staff(demo):
    staff = StaffMember.objects.all()
    assert staff.filter(family_name="Nguyễn").exists()
    assert staff.exclude(ethnicity="Kinh").count() > 100
    assert staff.filter(family_name__in=["Lò", "Tòng", "Lường", "Giàng", "Vàng", "Sùng", "Tẩn", "Chảo", "Hờ"]).exists()
    assert set(staff.values_list("gender", flat=True)) == {"nam", "nu"}
    assert all(1966 <= year <= 2003 for year in staff.values_list("birth_date__year", flat=True))
    assert staff.filter(position="Hiệu trưởng").count() == Unit.objects.filter(kind=UnitKind.SCHOOL).count()
    assert Assignment.objects.count() == 300
    assert StaffChange.objects.filter(action="created").count() == 300
    assert staff.filter(citizen_id__startswith="012").count() > 150


def test_principals_and_a_few_teachers_get_linked_accounts(demo):
    for principal in User.objects.filter(username__startswith="ht."):
        assert principal.roles.get().role == Role.SCHOOL_ADMIN
        assert principal.staff_member.position in ("Hiệu trưởng", "Giám đốc")
    teachers = User.objects.filter(username__startswith="gv.")
    assert 0 < teachers.count() < 40
    assert all(user.staff_member.code == user.username[3:] for user in teachers)
    assert RoleAssignment.objects.filter(user__username="so.chuyenvien", role=Role.PROVINCE_OFFICER).exists()
    assert User.objects.get(username="so.admin").check_password("bdtx2026!")


def test_if_empty_does_nothing_on_a_database_with_units(demo):
    before = digest()
    output = run("seed_demo", "--if-empty")
    assert StaffMember.objects.count() == 300 and digest() == before
    assert output.strip()


def test_seeding_a_database_with_units_without_if_empty_exits_2(tree):
    with pytest.raises(CommandError) as error:
        run("seed_demo", "--staff", "10")
    assert error.value.returncode == 2


def test_demo_logins_lists_the_demo_accounts(demo):
    output = run("demo_logins")
    for username in ("so.admin", "so.chuyenvien", "xa.doanket", "ht."):
        assert username in output
    assert "bdtx2026!" in output


def test_demo_logins_gives_a_hint_without_a_demo(cast):
    output = run("demo_logins")
    assert "seed_demo" in output
    assert "so.admin" not in output
