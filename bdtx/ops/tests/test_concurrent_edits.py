"""Two people editing the same record: the second save, based on what they read before the first one, is refused with
a clear message and overwrites nothing. Units, training modules, bank questions and class tests carry the fingerprint
of what the form showed (a hidden field); staff records, classes, sessions, presenters, plans, appraisals and result
corrections have their own version or fingerprint, tested in their apps."""

import re

import pytest
from django.urls import reverse

from bdtx.catalog import services as catalog
from bdtx.catalog.models import TrainingModule
from bdtx.delivery import quiz, scoring
from bdtx.delivery.models import Assessment, Question
from bdtx.organisations import services as organisations
from bdtx.testing import make_class

pytestmark = pytest.mark.django_db
STAMP = re.compile(r'name="stamp" value="([0-9a-f]+)"')


def shown_stamp(client, url: str) -> str:
    """The fingerprint the edit form carries, as a browser would send it back."""
    page = client.get(url).content.decode()
    return STAMP.search(page).group(1)


def unit_form(unit, **changes) -> dict:
    data = {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "levels": unit.level_list,
        "parent": unit.parent.code,
        "active": "on",
    }
    return data | changes


def test_a_second_save_of_a_unit_read_before_the_first_is_refused(client, cast):
    school = cast.tree.school_a
    url = reverse("organisations:edit", args=[school.pk])
    client.force_login(cast.officer)
    stamp = shown_stamp(client, url)  # the officer opens the form…
    # …meanwhile the commune officer renames the school.
    organisations.update_unit(school, by=cast.local, name="Trường Tiểu học Tân Phong số 1")

    response = client.post(url, unit_form(school, name="Trường TH Tân Phong", stamp=stamp))

    assert response.status_code == 200
    assert "Người khác đã sửa đơn vị này sau khi bạn mở" in response.content.decode()
    school.refresh_from_db()
    assert school.name == "Trường Tiểu học Tân Phong số 1"  # the first save stands
    fresh = shown_stamp(client, url)
    assert client.post(url, unit_form(school, name="Trường TH Tân Phong", stamp=fresh)).status_code == 302
    school.refresh_from_db()
    assert school.name == "Trường TH Tân Phong"


def test_a_unit_saved_without_anything_changed_in_between_is_saved(client, cast):
    school = cast.tree.school_b
    url = reverse("organisations:edit", args=[school.pk])
    client.force_login(cast.officer)
    stamp = shown_stamp(client, url)
    assert (
        client.post(url, unit_form(school, name="Trường THPT Chuyên Lê Quý Đôn (mới)", stamp=stamp)).status_code == 302
    )
    school.refresh_from_db()
    assert school.name.endswith("(mới)")


def module_form(module, **changes) -> dict:
    data = {
        "code": module.code,
        "title": module.title,
        "title_confirmed": "on",
        "programme": module.programme_id,
        "content": module.content,
        "periods": "10",
        "groups": ["teacher"],
        "levels": ["tieu_hoc"],
        "criteria": "",
        "objectives": "",
        "source": "",
        "active": "on",
    }
    return data | changes


def test_a_second_save_of_a_module_read_before_the_first_is_refused(client, cast, programmes):
    module = TrainingModule.objects.create(
        code="PA 01", title="Giáo dục địa phương phường Tân Phong", programme=programmes["tt17-2019"],
        owner=cast.tree.province, content="03", target={"groups": ["teacher"], "levels": ["tieu_hoc"]},
    )  # fmt: skip
    url = reverse("catalog:edit", args=[module.pk])
    client.force_login(cast.officer)
    stamp = shown_stamp(client, url)
    catalog.update_module(module, by=cast.officer, periods=15)  # another officer sets the periods meanwhile

    response = client.post(url, module_form(module, title="Giáo dục địa phương", stamp=stamp))

    assert response.status_code == 200
    assert "Người khác đã sửa mô đun này sau khi bạn mở" in response.content.decode()
    module.refresh_from_db()
    assert (module.title, module.periods) == ("Giáo dục địa phương phường Tân Phong", 15)
    fresh = shown_stamp(client, url)
    assert client.post(url, module_form(module, title="Giáo dục địa phương", stamp=fresh)).status_code == 302
    module.refresh_from_db()
    assert module.title == "Giáo dục địa phương"


def test_a_second_save_of_a_bank_question_read_before_the_first_is_refused(client, cast, programmes):
    module = TrainingModule.objects.create(
        code="PA 09", title="Kiểm tra, đánh giá học sinh", programme=programmes["tt17-2019"], owner=cast.tree.commune
    )
    question = Question.objects.create(
        module=module, text="Điểm đạt là bao nhiêu?", choices=["Từ 4", "Từ 5", "Từ 6"], correct=[1],
        owner=cast.tree.commune,
    )  # fmt: skip
    url = reverse("delivery:question-edit", args=[question.pk])
    client.force_login(cast.local)
    shown = client.get(url).context["form"].initial
    quiz.update_question(question, text=question.text, choices=["Từ 4", "Từ 5", "Từ 6", "Từ 7"], correct=[1])

    response = client.post(url, {**shown, "choice_c": "Từ 6 điểm"})

    assert response.status_code == 400
    assert "Người khác đã sửa câu hỏi này sau khi bạn mở" in response.content.decode()
    question.refresh_from_db()
    assert question.choices == ["Từ 4", "Từ 5", "Từ 6", "Từ 7"]


def as_posted(initial: dict) -> dict:
    """The form's initial values as a browser sends them back (an empty field as "")."""
    return {name: "" if value is None else value for name, value in initial.items()}


def test_a_second_save_of_a_test_read_before_the_first_is_refused(client, cast):
    training_class = make_class(cast.tree.commune, year=2027, code="TOAN-01", tests=1)
    test = Assessment.objects.get(training_class=training_class)
    url = reverse("delivery:test-edit", args=[test.pk])
    client.force_login(cast.local)
    shown = as_posted(client.get(url).context["form"].initial)
    scoring.update_test(test, title="Kiểm tra cuối khoá")  # a colleague renames it meanwhile

    response = client.post(url, {**shown, "title": "Bài kiểm tra số 1"})

    assert response.status_code == 400
    assert "Người khác đã sửa bài kiểm tra này sau khi bạn mở" in response.content.decode()
    test.refresh_from_db()
    assert test.title == "Kiểm tra cuối khoá"
    fresh = as_posted(client.get(url).context["form"].initial)
    assert client.post(url, {**fresh, "title": "Bài kiểm tra số 1"}).status_code == 302
