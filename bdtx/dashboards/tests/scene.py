"""A small province whose dashboard figures are worked out by hand (docs/dashboards.md shows the same table).

    Sở (SO) ─┬─ UBND phường Tân Phong (PA) ─┬─ Trường Tiểu học Tân Phong (TA, tiểu học)
             │                              └─ Trường Mầm non Hoa Ban (MN, mầm non)
             ├─ Trường THPT Chuyên Lê Quý Đôn (TB, THPT)
             └─ Phúc, a manager directly at the Sở

Working teachers and managers, school year 2026-2027 (YEAR), with the verdicts the rules give
(not c.: not completed; retirement ages of the roadmap: men 61y3m in 2025, 61y9m in 2027; women 57y in 2026):

| who | unit | group | level | degree | Điều 72 | NĐ 71 | retires (school year) | core | result | rating |
|---|---|---|---|---|---|---|---|---|---|---|
| Hoà (member_a) | TA | teacher | (TA's) tiểu học | — | not recorded | | 2045 | | not c. | |
| An, m 05/1964 | TA | teacher | tiểu học | đại học | meets | | 31/08/2025: past | yes | completed | Khá |
| Bình, f 10/1969 | TA | teacher | tiểu học | cao đẳng | below | exempt: 76 mo. | 31/10/2026: 2026 | | not c. | C.đạt |
| Cường, m 1975 | TA | manager | tiểu học | thạc sĩ | meets | | 2037 | | not c. | |
| Giang, f 1995 | TA | teacher | tiểu học | trung cấp | below | hired after 01/07/2020 | | | not c. | |
| Khoa, gender — | TA | teacher | tiểu học | cao đẳng | below | unknown | — | | not c. | |
| Đức (member_b) | TB | teacher | (TB's) THPT | — | not recorded | | 2047 | | no result | |
| Hải, m 01/1966 | TB | teacher | THPT | cao đẳng | below | not covered (THPT) | 31/10/2027: 2027 | yes | no result | |
| Lan, f 03/1980 | MN | teacher | mầm non | trung cấp | below | must: 237 mo. | 31/03/2040: 2039 | | not c. | |
| Dung, f 10/1969 | MN | teacher | mầm non | trung cấp | below | exempt: 76 mo. | 31/10/2026: 2026 | | not c. | |
| Mai, f 1990 | MN | teacher | mầm non | cao đẳng | meets | | 2050 | yes | completed | Tốt |
| Phúc, m 1980 | SO | manager | — | đại học | no standard | | 2042 | | no result | |

Not counted: Lộc (an employee at TA), Nga (a retired teacher at TA).
Budgets 2026: TA's plan approved (lecturers 2 × 1.500.000 đ, materials 40 × 50.000 đ: 5.000.000 đ); PA's plan in draft
(venue 1 × 1.000.000 đ); the Sở's plan in draft with no line.
Ratings: a cycle at PA; An (all criteria Khá) and Bình (criterion 2 Chưa đạt, the others Đạt) under TT 20, Mai (all
Tốt) under TT 26, confirmed."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from bdtx.appraisals.services import EvaluationRow, confirm_evaluations, start_appraisal
from bdtx.plans import services as plans
from bdtx.results import services as results
from bdtx.results.models import YearResult
from bdtx.staff.models import StaffGroup, Status
from bdtx.testing import make_cycle, make_staff, make_unit

YEAR = 2026


def build(cast, standards) -> SimpleNamespace:
    tree = cast.tree
    preschool = make_unit("MN", "Trường Mầm non Hoa Ban", parent=tree.commune, levels="mam_non")
    a, b = tree.school_a, tree.school_b
    people = SimpleNamespace(hoa=cast.member_a, duc=cast.member_b)
    people.an = make_staff(
        a, "Lê Văn An", gender="nam", birth_date=dt.date(1964, 5, 10), levels="tieu_hoc", qualification="dai_hoc",
        is_core=True, subjects="Toán",
    )  # fmt: skip
    people.binh = make_staff(
        a, "Phạm Thị Bình", birth_date=dt.date(1969, 10, 1), levels="tieu_hoc", qualification="cao_dang",
        subjects="Tiếng Việt", joined_on=dt.date(1992, 9, 1),
    )  # fmt: skip
    people.cuong = make_staff(
        a, "Hoàng Văn Cường", gender="nam", birth_date=dt.date(1975, 6, 1), levels="tieu_hoc", qualification="thac_si",
        group=StaffGroup.MANAGER, position="Hiệu trưởng",
    )  # fmt: skip
    people.giang = make_staff(
        a, "Vũ Thị Giang", birth_date=dt.date(1995, 4, 1), levels="tieu_hoc", qualification="trung_cap",
        joined_on=dt.date(2021, 9, 1),
    )  # fmt: skip
    people.khoa = make_staff(
        a, "Ngô Minh Khoa", gender="", birth_date=dt.date(1990, 1, 1), levels="tieu_hoc", qualification="cao_dang"
    )
    make_staff(a, "Trịnh Văn Lộc", gender="nam", group=StaffGroup.EMPLOYEE)
    make_staff(a, "Mai Thị Nga", birth_date=dt.date(1960, 1, 1), levels="tieu_hoc", status=Status.RETIRED)
    people.hai = make_staff(
        b, "Bùi Văn Hải", gender="nam", birth_date=dt.date(1966, 1, 15), levels="thpt", qualification="cao_dang",
        is_core=True, subjects="Vật lí",
    )  # fmt: skip
    people.lan = make_staff(
        preschool, "Đinh Thị Lan", birth_date=dt.date(1980, 3, 1), levels="mam_non", qualification="trung_cap",
        subjects="Giáo dục mầm non",
    )  # fmt: skip
    people.dung = make_staff(
        preschool, "Đỗ Thị Dung", birth_date=dt.date(1969, 10, 20), levels="mam_non", qualification="trung_cap",
        subjects="Giáo dục mầm non",
    )  # fmt: skip
    people.mai = make_staff(
        preschool, "Hà Thị Mai", birth_date=dt.date(1990, 8, 1), levels="mam_non", qualification="cao_dang",
        is_core=True, subjects="Giáo dục mầm non",
    )  # fmt: skip
    people.phuc = make_staff(
        tree.province, "Lý Văn Phúc", gender="nam", birth_date=dt.date(1980, 5, 1), qualification="dai_hoc",
        group=StaffGroup.MANAGER, position="Chuyên viên",
    )  # fmt: skip

    # Results: derived for TA and MN (nobody has a plan: not completed), then An and Mai corrected to completed.
    results.recompute(YEAR, unit=a)
    results.recompute(YEAR, unit=preschool)
    for member in (people.an, people.mai):
        result = YearResult.objects.get(staff=member, year=YEAR)
        results.correct(result, outcome="hoan_thanh", reason="Đã hoàn thành tại tỉnh khác", by=cast.officer)

    # Ratings: a cycle at the commune (it reaches TA and MN).
    cycle = make_cycle(tree.commune, year=YEAR, by=cast.local)
    rows = []
    tt20 = dict.fromkeys(range(1, 16), "kha")
    rows.append(EvaluationRow(start_appraisal(cycle, people.an), dict(tt20)))
    low = dict.fromkeys(range(1, 16), "dat")
    low[2] = "chua_dat"
    rows.append(EvaluationRow(start_appraisal(cycle, people.binh), low))
    confirm_evaluations(rows, by=cast.principal_a, acknowledged=True)
    tt26 = standards["tt26-2018"]
    mai = start_appraisal(cycle, people.mai)
    top = dict.fromkeys(range(1, tt26.criteria_count + 1), "tot")
    confirm_evaluations([EvaluationRow(mai, top)], by=cast.local, acknowledged=True)

    # Budgets.
    so_plan = plans.create_unit_plan(unit=tree.province, year=YEAR, by=cast.officer)
    commune_plan = plans.create_unit_plan(unit=tree.commune, year=YEAR, by=cast.local)
    school_plan = plans.create_unit_plan(unit=a, year=YEAR, by=cast.principal_a)
    plans.save_budget_line(
        school_plan, by=cast.principal_a, category="lecturers", description="Báo cáo viên", quantity=Decimal(2),
        rate=1_500_000,
    )  # fmt: skip
    plans.save_budget_line(
        school_plan, by=cast.principal_a, category="materials", description="Tài liệu", quantity=Decimal(40),
        rate=50_000,
    )  # fmt: skip
    plans.submit_unit_plan(school_plan, by=cast.principal_a)
    plans.decide_unit_plan(school_plan, by=cast.local, approve=True)
    plans.save_budget_line(
        commune_plan, by=cast.local, category="venue", description="Hội trường", quantity=Decimal(1), rate=1_000_000
    )
    return SimpleNamespace(
        year=YEAR,
        preschool=preschool,
        people=people,
        cycle=cycle,
        plans=SimpleNamespace(so=so_plan, commune=commune_plan, school=school_plan),
        tree=tree,
    )
