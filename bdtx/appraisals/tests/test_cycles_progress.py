"""Progress of a cycle by unit: the roll-up, the drill-down, the people to chase and their Excel list."""

import io
from types import SimpleNamespace

import openpyxl
import pytest
from django.urls import reverse

from bdtx.appraisals import services
from bdtx.appraisals.progress import Subtree, progress, shade, unit_sort_key
from bdtx.staff.services import update_staff
from bdtx.testing import make_cycle, make_staff, make_unit

pytestmark = pytest.mark.django_db


def levels(count: int, level: str = "kha", **exceptions: str) -> dict[int, str]:
    return {n: exceptions.get(f"c{n}", level) for n in range(1, count + 1)}


def submit(cycle, member, level: str = "kha", **exceptions):
    appraisal = services.start_appraisal(cycle, member)
    services.save_self_assessment(
        appraisal, by=None, levels=levels(appraisal.standard.criteria_count, level, **exceptions)
    )
    return services.submit_self_assessment(appraisal, by=None)


def confirm(appraisal, by, level: str = "kha", **exceptions):
    row = services.EvaluationRow(appraisal, levels(appraisal.standard.criteria_count, level, **exceptions))
    return services.confirm_evaluations([row], by=by, acknowledged=True)[0]


@pytest.fixture
def province(cast, standards):
    """A cycle at the Sở. School A: Hoà submitted and confirmed, Bình draft, Cường not started, the principal
    submitted; a retired teacher and an employee are not expected. School B: Đức submitted, Yến not started."""
    tree = cast.tree
    people = SimpleNamespace(
        hoa=cast.member_a,
        binh=make_staff(tree.school_a, "Lê Văn Bình", levels="tieu_hoc", position="Giáo viên"),
        cuong=make_staff(tree.school_a, "Phạm Quốc Cường", levels="tieu_hoc"),
        head=make_staff(tree.school_a, "Vũ Thị An", group="manager", position="Hiệu trưởng", levels="tieu_hoc"),
        retired=make_staff(tree.school_a, "Đỗ Văn Hưng", levels="tieu_hoc", status="retired"),
        clerk=make_staff(tree.school_a, "Ngô Thị Lan", group="employee", position="Kế toán"),
        duc=cast.member_b,
        yen=make_staff(tree.school_b, "Hoàng Thị Yến", levels="thpt"),
    )
    cast.member_a.levels = "tieu_hoc"
    cast.member_a.save()
    cast.member_b.levels = "thpt"
    cast.member_b.save()
    cycle = make_cycle(tree.province, by=cast.officer)
    confirm(submit(cycle, people.hoa), cast.principal_a)
    services.start_appraisal(cycle, people.binh)
    submit(cycle, people.head)
    submit(cycle, people.duc)
    return SimpleNamespace(cycle=cycle, people=people, tree=tree, cast=cast)


def test_the_counts_roll_up_to_the_children_of_the_province(province):
    total, rows = progress(province.cycle, Subtree.of(province.tree.province))
    by_unit = {row.unit.code: (row.expected, row.started, row.submitted, row.evaluated) for row in rows}
    assert by_unit == {"PA": (4, 3, 2, 1), "TB": (2, 1, 1, 0)}
    assert (total.expected, total.started, total.submitted, total.evaluated) == (6, 4, 3, 1)
    assert total.percent_submitted == 50.0 and total.not_submitted == 3


def test_the_province_count_follows_a_change_in_the_staff_registry(client, province):
    client.force_login(province.cast.officer)
    url = reverse("appraisals:cycle-detail", args=[province.cycle.pk])
    assert client.get(url).context["total"].expected == 6
    update_staff(province.people.cuong, status="retired")
    assert client.get(url).context["total"].expected == 5


def test_the_officer_sees_the_province_with_a_row_per_commune_and_school(client, province):
    client.force_login(province.cast.officer)
    response = client.get(reverse("appraisals:cycle-detail", args=[province.cycle.pk]))
    page = response.content.decode()
    assert response.context["unit"] == province.tree.province
    assert f'href="?unit={province.tree.commune.pk}"' in page and "UBND phường Tân Phong" in page
    assert "50,0%" in page  # 3 of the 6 expected have submitted
    assert "Hoàng Thị Yến" not in page  # names only at a school


def test_the_officer_drills_down_to_a_school_and_sees_who_to_chase(client, province):
    client.force_login(province.cast.officer)
    response = client.get(
        reverse("appraisals:cycle-detail", args=[province.cycle.pk]), {"unit": province.tree.school_a.pk}
    )
    page = response.content.decode()
    assert response.context["is_school"]
    names = [member.full_name for member in response.context["page"].object_list]
    assert names == ["Lê Văn Bình", "Phạm Quốc Cường"]  # Vietnamese order: by given name
    assert "Đã bắt đầu, chưa nộp" in page and "Chưa bắt đầu" in page
    assert "UBND phường Tân Phong" in page  # the trail back up


def test_a_commune_officer_starts_at_their_commune(client, province):
    client.force_login(province.cast.local)
    response = client.get(reverse("appraisals:cycle-detail", args=[province.cycle.pk]))
    assert response.context["unit"] == province.tree.commune
    assert [row.unit for row in response.context["rows"]] == [province.tree.school_a]


def test_a_principal_starts_at_their_school(client, province):
    client.force_login(province.cast.principal_a)
    response = client.get(reverse("appraisals:cycle-detail", args=[province.cycle.pk]))
    assert response.context["unit"] == province.tree.school_a
    assert response.context["total"].expected == 4


def test_a_unit_outside_the_users_part_of_the_cycle_is_404(client, province):
    client.force_login(province.cast.local)
    url = reverse("appraisals:cycle-detail", args=[province.cycle.pk])
    assert client.get(url, {"unit": province.tree.school_b.pk}).status_code == 404
    assert client.get(url, {"unit": province.tree.province.pk}).status_code == 404
    assert client.get(url, {"unit": "abc"}).status_code == 404


def test_the_outsider_principal_gets_404_on_school_a_of_a_province_cycle(client, province):
    client.force_login(province.cast.principal_b)
    url = reverse("appraisals:cycle-detail", args=[province.cycle.pk])
    assert client.get(url, {"unit": province.tree.school_a.pk}).status_code == 404
    xlsx = reverse("appraisals:not-submitted-xlsx", args=[province.cycle.pk])
    assert client.get(xlsx, {"unit": province.tree.school_a.pk}).status_code == 404


def test_a_teacher_sees_the_cycle_but_no_ones_progress(client, province):
    client.force_login(province.cast.teacher_a)
    response = client.get(reverse("appraisals:cycle-detail", args=[province.cycle.pk]))
    assert response.status_code == 200 and response.context["unit"] is None
    assert "Phạm Quốc Cường" not in response.content.decode()
    assert response.context["mine_url"] == reverse("appraisals:mine")
    assert client.get(reverse("appraisals:cycle-ratings", args=[province.cycle.pk])).status_code == 404


def test_the_progress_pages_make_the_same_number_of_queries_whatever_the_size(
    client, province, django_assert_max_num_queries
):
    client.force_login(province.cast.officer)
    url = reverse("appraisals:cycle-detail", args=[province.cycle.pk])
    with django_assert_max_num_queries(14):
        client.get(url)
    with django_assert_max_num_queries(16):
        client.get(url, {"unit": province.tree.school_a.pk})
    for number in range(4):
        school = make_unit(f"TX{number}", parent=province.tree.commune, levels="tieu_hoc")
        for index in range(3):
            submit(province.cycle, make_staff(school, f"Trần Văn Số {number}{index}", levels="tieu_hoc"))
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.context["total"].expected == 18
    with django_assert_max_num_queries(14):
        client.get(url, {"unit": province.tree.commune.pk})


def test_the_list_to_chase_is_paginated_by_50(client, province):
    school = make_unit("TC", parent=province.tree.commune, levels="tieu_hoc")
    for index in range(53):
        make_staff(school, f"Nguyễn Văn Người {index:02d}", levels="tieu_hoc")
    client.force_login(province.cast.local)
    url = reverse("appraisals:cycle-detail", args=[province.cycle.pk])
    first = client.get(url, {"unit": school.pk}).context["page"]
    assert len(first.object_list) == 50 and first.paginator.count == 53
    second = client.get(url, {"unit": school.pk, "page": 2}, headers={"HX-Request": "true"})
    assert len(second.context["page"].object_list) == 3
    assert "<html" not in second.content.decode()  # htmx gets the list only


def test_the_list_to_chase_downloads_as_excel_with_vietnamese_headers(client, province):
    client.force_login(province.cast.principal_a)
    response = client.get(
        reverse("appraisals:not-submitted-xlsx", args=[province.cycle.pk]), {"unit": province.tree.school_a.pk}
    )
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("STT", "Họ và tên", "Mã định danh") and "Tự đánh giá" in rows[0]
    assert [row[1] for row in rows[1:]] == ["Lê Văn Bình", "Phạm Quốc Cường"]
    assert rows[1][7] == "Đang làm, chưa nộp" and rows[2][7] == "Chưa bắt đầu"


def test_an_officer_downloads_the_commune_list_with_each_persons_school(client, province):
    client.force_login(province.cast.local)
    response = client.get(reverse("appraisals:not-submitted-xlsx", args=[province.cycle.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert {row[5] for row in list(sheet.iter_rows(values_only=True))[1:]} == {province.tree.school_a.name}


def test_a_list_too_long_to_download_asks_for_a_smaller_unit(client, province, settings):
    settings.EXPORT_INLINE_ROWS = 2
    client.force_login(province.cast.officer)
    response = client.get(reverse("appraisals:not-submitted-xlsx", args=[province.cycle.pk]), follow=True)
    assert "hãy chọn một đơn vị nhỏ hơn" in response.content.decode()


def test_units_are_listed_in_reading_order_with_numbers_by_value():
    names = [
        "Trường Mầm non Đoàn Kết số 12",
        "UBND xã Bum Nưa",
        "Trường Mầm non Đoàn Kết số 3",
        "Trường Mầm non Đoàn Kết",
    ]
    assert sorted(names, key=unit_sort_key) == [
        "Trường Mầm non Đoàn Kết",
        "Trường Mầm non Đoàn Kết số 3",
        "Trường Mầm non Đoàn Kết số 12",
        "UBND xã Bum Nưa",
    ]


@pytest.mark.parametrize(
    ("share", "step"), [(None, 0), (0.0, 0), (5.0, 1), (19.9, 1), (20.0, 2), (99.0, 5), (100.0, 5)]
)
def test_a_heat_cell_darkens_one_step_per_fifth_of_the_people(share, step):
    assert shade(share) == step
