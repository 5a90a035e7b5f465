"""The presenters' register: what TT 19/2019 Điều 9 asks shown as warnings (a unit may still register someone),
presenters from a staff record or from outside, linking an account within one's scope, search without
diacritics, scope."""

import pytest
from django.urls import reverse

from bdtx.delivery import services
from bdtx.delivery.models import Trainer
from bdtx.testing import make_user

pytestmark = pytest.mark.django_db


def trainer_data(**changes) -> dict:
    data = {
        "unit": "PA",
        "staff_code": "",
        "full_name": "Lò Thị Mai",
        "workplace": "Trường CĐSP Lai Châu",
        "degree": "thac_si",
        "bdtx_years": "5",
        "it_standard": "on",
        "subjects": "Toán",
        "email": "",
        "phone": "",
        "username": "",
        "note": "",
        "active": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(
    ("values", "gaps"),
    [
        ({"degree": "thac_si", "bdtx_years": 5, "it_standard": True}, []),
        ({"degree": "dai_hoc", "bdtx_years": 3, "it_standard": True}, []),
        ({"degree": "cao_dang", "bdtx_years": 3, "it_standard": True}, ["Trình độ Cao đẳng thấp hơn Đại học"]),
        ({"degree": "", "bdtx_years": 3, "it_standard": True}, ["Chưa ghi trình độ"]),
        ({"degree": "tien_si", "bdtx_years": 2, "it_standard": True}, ["2 năm kinh nghiệm BDTX"]),
        ({"degree": "dai_hoc", "bdtx_years": 3, "it_standard": False}, ["chuẩn kỹ năng sử dụng CNTT cơ bản"]),
    ],
)
def test_what_dieu_9_asks_comes_from_the_rule_file(values, gaps):
    found = services.trainer_gaps(Trainer(full_name="Lò Thị Mai", **values))
    assert len(found) == len(gaps)
    for text, gap in zip(found, gaps, strict=True):
        assert gap in text


def test_a_presenter_from_outside_is_registered_with_a_warning_for_what_is_missing(client, cast):
    client.force_login(cast.local)
    response = client.post(
        reverse("delivery:trainer-new"), trainer_data(degree="cao_dang", bdtx_years="1", it_standard=None), follow=True
    )
    trainer = Trainer.objects.get()
    assert (trainer.unit, trainer.full_name, trainer.degree, trainer.staff) == (
        cast.tree.commune,
        "Lò Thị Mai",
        "cao_dang",
        None,
    )
    page = response.content.decode()
    assert "đã được thêm vào danh sách báo cáo viên" in page
    assert "Đã ghi vào danh sách, nhưng" in page and "1 năm kinh nghiệm BDTX" in page


def test_a_presenter_from_a_staff_record_takes_the_name_unit_degree_and_account(client, cast):
    cast.member_a.qualification = "dai_hoc"
    cast.member_a.save()
    client.force_login(cast.local)
    client.post(
        reverse("delivery:trainer-new"), trainer_data(staff_code="GV-A-001", full_name="", workplace="", degree="")
    )
    trainer = Trainer.objects.get()
    assert (trainer.staff, trainer.full_name, trainer.workplace, trainer.degree, trainer.user) == (
        cast.member_a,
        "Nguyễn Thị Hoà",
        "Trường Tiểu học Tân Phong",
        "dai_hoc",
        cast.teacher_a,
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"full_name": ""}, "full_name", "Hãy ghi họ và tên báo cáo viên"),
        ({"staff_code": "GV-B-001"}, "staff_code", "Không có ai mang mã định danh “GV-B-001”"),
        ({"username": "principal_b"}, "username", "Không có tài khoản “principal_b”"),
        ({"email": "mai@"}, "email", "không phải là địa chỉ e-mail"),
        ({"bdtx_years": "ba"}, "bdtx_years", "Hãy nhập số nguyên"),
    ],
)
def test_the_presenter_form_names_what_to_fix(client, cast, changes, field, message):
    client.force_login(cast.local)
    response = client.post(reverse("delivery:trainer-new"), trainer_data(**changes))
    assert message in " ".join(response.context["form"].errors[field])
    assert not Trainer.objects.exists()


def test_an_account_in_the_editors_scope_can_be_linked(client, cast):
    account = make_user("mai_ta", role="trainer", unit=cast.tree.school_a)
    client.force_login(cast.local)
    client.post(reverse("delivery:trainer-new"), trainer_data(username="mai_ta"))
    assert Trainer.objects.get().user == account
    with pytest.raises(services.DeliveryError, match="principal_b"):
        services.save_trainer(None, by=cast.local, unit=cast.tree.commune, full_name="X", user=cast.principal_b)


@pytest.fixture
def register(cast):
    Trainer.objects.bulk_create(
        [
            Trainer(unit=cast.tree.province, full_name="Nguyễn Văn Hùng", sort_key="hung", degree="tien_si",
                    bdtx_years=10, it_standard=True, workplace="Sở GDĐT"),
            Trainer(unit=cast.tree.commune, full_name="Lò Thị Mai", sort_key="mai", degree="cao_dang", bdtx_years=1),
            Trainer(unit=cast.tree.school_b, full_name="Trần Thị Hạnh", sort_key="hanh", degree="dai_hoc",
                    bdtx_years=4, it_standard=True),
        ]
    )  # fmt: skip
    return cast


def test_the_register_finds_names_without_diacritics_and_who_meets_dieu_9(client, register):
    client.force_login(register.local)
    names = lambda response: [t.full_name for t in response.context["page"].object_list]  # noqa: E731
    assert names(client.get(reverse("delivery:trainer-list"))) == ["Nguyễn Văn Hùng", "Lò Thị Mai"]
    assert names(client.get(reverse("delivery:trainer-list"), {"q": "lo thi"})) == ["Lò Thị Mai"]
    assert names(client.get(reverse("delivery:trainer-list"), {"meets": "yes"})) == ["Nguyễn Văn Hùng"]
    assert names(client.get(reverse("delivery:trainer-list"), {"meets": "no"})) == ["Lò Thị Mai"]


def test_a_presenter_registered_above_is_seen_but_only_its_unit_changes_it(client, register):
    hung = Trainer.objects.get(full_name="Nguyễn Văn Hùng")
    client.force_login(register.local)
    assert client.get(reverse("delivery:trainer-edit", args=[hung.pk])).status_code == 403
    client.force_login(register.officer)
    assert client.get(reverse("delivery:trainer-edit", args=[hung.pk])).status_code == 200


def test_a_presenter_changed_meanwhile_is_not_overwritten(client, register):
    mai = Trainer.objects.get(full_name="Lò Thị Mai")
    client.force_login(register.local)
    url = reverse("delivery:trainer-edit", args=[mai.pk])
    stamp = client.get(url).context["form"].initial["stamp"]
    Trainer.objects.filter(pk=mai.pk).update(bdtx_years=2)
    response = client.post(url, trainer_data(stamp=stamp))
    assert "Báo cáo viên này vừa được người khác thay đổi" in response.content.decode()


def test_the_register_asks_a_bounded_number_of_queries(client, register, django_assert_max_num_queries):
    Trainer.objects.bulk_create(
        Trainer(unit=register.tree.commune, full_name=f"Người Số {n}", sort_key=f"n{n:02d}") for n in range(20)
    )
    client.force_login(register.local)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("delivery:trainer-list"))
    assert len(response.context["page"].object_list) == 22


def test_an_outsider_gets_404_and_a_teacher_cannot_add_presenters(client, register):
    mai = Trainer.objects.get(full_name="Lò Thị Mai")
    client.force_login(register.principal_b)
    assert client.get(reverse("delivery:trainer-edit", args=[mai.pk])).status_code == 404
    assert "Lò Thị Mai" not in client.get(reverse("delivery:trainer-list")).content.decode()
    client.force_login(register.teacher_a)
    assert client.get(reverse("delivery:trainer-new")).status_code == 404
