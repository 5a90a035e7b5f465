"""The module catalogue's pages: everyone signed in reads the national modules and their Sở's; the Sở's
officers add and correct modules, set periods, switch them off and attach materials; others get 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bdtx.accounts.models import Role
from bdtx.catalog import services
from bdtx.catalog.models import ModuleMaterial, TrainingModule
from bdtx.rules.models import Criterion
from bdtx.testing import make_user

LIST_URL = reverse("catalog:list")


@pytest.fixture
def commune_module(cast, programmes):
    """A module a commune added: seen under the commune (school A), not at school B."""
    return TrainingModule.objects.create(
        code="PA 01", title="Giáo dục địa phương phường Tân Phong", programme=programmes["tt17-2019"],
        owner=cast.tree.commune, target={"groups": ["teacher"], "levels": ["tieu_hoc"]},
    )  # fmt: skip


def new_module_data(programmes, **changes):
    data = {
        "code": "LC 01",
        "title": "Giáo dục văn hoá địa phương Lai Châu",
        "title_confirmed": "on",
        "programme": programmes["tt17-2019"].pk,
        "content": "3",
        "periods": "10",
        "groups": ["teacher"],
        "levels": ["tieu_hoc", "thcs"],
        "criteria": "tt20-2018: 4, 5",
        "objectives": "Hiểu và dạy được nội dung giáo dục địa phương.",
        "source": "KH 12/KH-SGDĐT",
        "active": "on",
    }
    data.update(changes)
    return data


def test_a_teacher_searches_without_diacritics(client, cast, programmes, django_assert_max_num_queries):
    client.force_login(cast.teacher_a)
    with django_assert_max_num_queries(8):
        response = client.get(LIST_URL, {"q": "phong cach"})
    page = response.content.decode()
    assert "GVPT 02" in page and "GVPT 04" not in page
    assert "1 mô đun" in page and "Thêm mô đun" not in page


def test_the_list_filters_by_level_programme_content_and_use(client, cast, programmes):
    TrainingModule.objects.filter(code="GVPT 15").update(active=False)
    client.force_login(cast.teacher_a)
    query = {"level": "thpt", "programme": "tt17-2019", "content": "03", "active": "all"}
    assert "15 mô đun" in client.get(LIST_URL, query).content.decode()
    assert "14 mô đun" in client.get(LIST_URL).content.decode()
    page = client.get(LIST_URL, {"active": "0"}).content.decode()
    assert "GVPT 15" in page and "1 mô đun" in page
    assert "Không có mô đun nào phù hợp" in client.get(LIST_URL, {"level": "mam_non"}).content.decode()


def test_the_list_queries_stay_bounded_with_many_modules(client, cast, programmes, django_assert_max_num_queries):
    criteria = list(Criterion.objects.filter(standard__code="tt20-2018")[:3])
    for number in range(40):
        module = TrainingModule.objects.create(
            code=f"LC {number:02d}",
            title=f"Mô đun {number}",
            programme=programmes["tt17-2019"],
            owner=cast.tree.province,
        )
        module.criteria.set(criteria)
    client.force_login(cast.officer)
    with django_assert_max_num_queries(8):
        response = client.get(LIST_URL, headers={"HX-Request": "true"})
    assert "55 mô đun" in response.content.decode()


def test_the_detail_shows_what_is_unconfirmed(client, cast, programmes):
    client.force_login(cast.teacher_a)
    module = TrainingModule.objects.get(code="GVPT 04")
    page = client.get(reverse("catalog:detail", args=[module.pk])).content.decode()
    assert "Tên mô đun là tên tạm" in page
    assert "Các thông tư không quy định số tiết của mô đun: Sở quy định." in page
    assert "Xây dựng kế hoạch dạy học và giáo dục theo hướng phát triển phẩm chất, năng lực học sinh" in page
    assert reverse("catalog:edit", args=[module.pk]) not in page


def test_a_module_of_another_commune_is_404_for_an_outsider(client, cast, commune_module):
    client.force_login(cast.teacher_a)
    assert client.get(reverse("catalog:detail", args=[commune_module.pk])).status_code == 200
    client.force_login(cast.principal_b)
    assert client.get(reverse("catalog:detail", args=[commune_module.pk])).status_code == 404
    assert "PA 01" not in client.get(LIST_URL).content.decode()


def test_the_province_officer_adds_a_module_of_the_so(client, cast, programmes):
    client.force_login(cast.officer)
    response = client.post(reverse("catalog:new"), new_module_data(programmes))
    module = TrainingModule.objects.get(code="LC 01")
    assert response.status_code == 302 and response.url == reverse("catalog:detail", args=[module.pk])
    assert module.owner == cast.tree.province and module.periods == 10 and module.content == "03"
    assert module.target == {"groups": ["teacher"], "levels": ["tieu_hoc", "thcs"]}
    assert sorted(module.criteria.values_list("number", flat=True)) == [4, 5]
    # Everyone under the Sở sees it
    client.force_login(cast.principal_b)
    assert client.get(reverse("catalog:detail", args=[module.pk])).status_code == 200


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "GVPT 01"}, "Đã có mô đun khác mang mã GVPT 01. Hãy chọn mã khác."),
        ({"criteria": "tt20-2018:16"}, "Chuẩn tt20-2018 không có tiêu chí 16 (chuẩn có tiêu chí 1 đến 15)."),
        ({"criteria": "4,5"}, "ghi mã chuẩn, dấu hai chấm rồi các số tiêu chí"),
        ({"content": "05"}, "“05” không phải là nội dung của chương trình: dùng 01, 02, 03."),
        ({"periods": "0"}, "nhập số nguyên từ 1 đến 200, hoặc để trống."),
        ({"title": ""}, "Nhập tên mô đun."),
    ],
)
def test_bad_input_is_refused_with_a_message_that_says_how_to_fix_it(client, cast, programmes, changes, message):
    client.force_login(cast.officer)
    response = client.post(reverse("catalog:new"), new_module_data(programmes, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TrainingModule.objects.filter(owner__isnull=False).exists()


def test_editing_a_national_module_is_remembered_for_the_next_load(client, cast, programmes):
    module = TrainingModule.objects.get(code="GVPT 04")
    client.force_login(cast.officer)
    data = new_module_data(programmes, code="ignored", title=module.title, periods="20", criteria="tt20-2018:4")
    data.pop("title_confirmed")
    response = client.post(reverse("catalog:edit", args=[module.pk]), data)
    assert response.status_code == 302
    module.refresh_from_db()
    assert module.code == "GVPT 04" and module.periods == 20
    assert set(module.edited_fields) >= {"periods", "target", "objectives", "source"}


def test_the_officer_sets_periods_and_switches_a_module_off(client, cast, programmes):
    module = TrainingModule.objects.get(code="GVPT 05")
    client.force_login(cast.officer)
    client.post(reverse("catalog:periods", args=[module.pk]), {"periods": "15"})
    client.post(reverse("catalog:active", args=[module.pk]), {"active": "0"})
    module.refresh_from_db()
    assert module.periods == 15 and not module.active and module.edited_fields == ["active", "periods"]
    response = client.post(reverse("catalog:periods", args=[module.pk]), {"periods": "nhiều"}, follow=True)
    assert "Số tiết: “nhiều” không phải là số tiết" in response.content.decode()


@pytest.mark.parametrize("who", ["teacher_a", "principal_a", "local", "principal_b"])
def test_people_who_do_not_keep_the_catalogue_get_404_on_every_edit_page(client, cast, programmes, who):
    module = TrainingModule.objects.get(code="GVPT 05")
    client.force_login(getattr(cast, who))
    assert client.get(reverse("catalog:new")).status_code == 404
    assert client.get(reverse("catalog:import")).status_code == 404
    assert client.get(reverse("catalog:edit", args=[module.pk])).status_code == 404
    assert client.post(reverse("catalog:periods", args=[module.pk]), {"periods": "5"}).status_code == 404
    assert client.post(reverse("catalog:active", args=[module.pk])).status_code == 404
    assert (
        client.post(
            reverse("catalog:material-add", args=[module.pk]), {"title": "x", "url": "https://a.vn"}
        ).status_code
        == 404
    )
    module.refresh_from_db()
    assert module.periods is None and module.active and not module.materials.exists()


def test_a_system_administrator_keeps_the_catalogue_too(client, cast, programmes):
    admin = make_user("admin", role=Role.SYSTEM_ADMIN, unit=cast.tree.province)
    client.force_login(admin)
    assert client.get(reverse("catalog:new")).status_code == 200


def test_materials_are_uploaded_and_downloaded_through_a_scoped_view(client, cast, programmes, commune_module):
    client.force_login(cast.officer)
    upload = SimpleUploadedFile("bai-giang.pdf", b"%PDF-1.4 bai giang", content_type="application/pdf")
    client.post(reverse("catalog:material-add", args=[commune_module.pk]), {"title": "Bài giảng", "file": upload})
    client.post(
        reverse("catalog:material-add", args=[commune_module.pk]), {"title": "Video", "url": "https://taphuan.vn/v/1"}
    )
    material = ModuleMaterial.objects.get(title="Bài giảng")
    assert material.size == 18 and material.content_type == "application/pdf"
    client.force_login(cast.teacher_a)
    response = client.get(reverse("catalog:material-file", args=[material.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 bai giang"
    page = client.get(reverse("catalog:detail", args=[commune_module.pk])).content.decode()
    assert "https://taphuan.vn/v/1" in page
    client.force_login(cast.principal_b)
    assert client.get(reverse("catalog:material-file", args=[material.pk])).status_code == 404
    assert client.post(reverse("catalog:material-remove", args=[material.pk])).status_code == 404


def test_a_material_of_a_kind_not_accepted_is_refused(client, cast, programmes):
    module = TrainingModule.objects.get(code="GVPT 05")
    client.force_login(cast.officer)
    upload = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(
        reverse("catalog:material-add", args=[module.pk]), {"title": "Tệp", "file": upload}, follow=True
    )
    assert "“virus.exe”: không nhận loại tệp này." in response.content.decode()
    assert not module.materials.exists()


def test_the_officer_removes_a_material_and_its_file(client, cast, programmes, settings):
    module = TrainingModule.objects.get(code="GVPT 05")
    material = services.add_material(
        module, by=cast.officer, title="Tài liệu", upload=SimpleUploadedFile("tai-lieu.txt", b"noi dung")
    )
    path = material.file.path
    client.force_login(cast.officer)
    client.post(reverse("catalog:material-remove", args=[material.pk]))
    assert not ModuleMaterial.objects.exists()
    import os

    assert not os.path.exists(path)
