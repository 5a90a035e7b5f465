"""Certificate batches: a unit's (or a class's) missing certificates issued in the background with the next register
numbers, every valid certificate of the scope in one ZIP, safe to run again."""

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from bdtx.results import certificates
from bdtx.results.models import Certificate, CertificateBatch
from bdtx.testing import enrol, make_class, make_staff

from .scope_certificates import SIGNING, YEAR, completed_result

pytestmark = pytest.mark.django_db
FORM = {"year": YEAR, "place": "Tân Phong", "issued_on": "01/06/2027", "signer_title": "Hiệu trưởng"}


@pytest.fixture
def people(cast):
    """member_a and four more teachers of school A with recognised "Hoàn thành" results; one of school B."""
    names = ["Lò Thị Mai", "Đỗ Văn Bình", "Vừ A Dính", "Nguyễn Thị Hoà"]
    staff = [cast.member_a] + [
        make_staff(cast.tree.school_a, name, code=f"GV-A-1{index:02d}") for index, name in enumerate(names)
    ]
    completed_result(cast.member_b)
    return [completed_result(member) for member in staff]


def zip_of(batch) -> zipfile.ZipFile:
    batch.refresh_from_db()
    return zipfile.ZipFile(batch.archive.path)


def start(client, user, unit, **extra):
    client.force_login(user)
    response = client.post(reverse("results:certificate-batch-new", args=[unit.pk]), {**FORM, **extra})
    batch = CertificateBatch.objects.latest("pk")
    assert response.url == reverse("results:certificate-batch", args=[batch.pk])
    batch.refresh_from_db()
    return batch


def test_a_batch_issues_every_missing_certificate_and_zips_them_all(client, cast, people):
    issued_before = certificates.issue(people[0], issuer=cast.tree.school_a, by=None, **SIGNING)
    batch = start(client, cast.principal_a, cast.tree.school_a, issuer=cast.tree.school_a.pk)
    assert (batch.status, batch.issued, batch.done, batch.total) == ("done", 4, 5, 5)
    numbers = sorted(Certificate.objects.filter(issuer=cast.tree.school_a).values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4, 5]  # the batch continues after the certificate issued before it
    archive = zip_of(batch)
    names = archive.namelist()
    # Numbered in the order of names (by given name), after the one issued before the batch.
    assert names == [
        "0001-nguyen-thi-hoa.pdf",
        "0002-do-van-binh.pdf",
        "0003-vu-a-dinh.pdf",
        "0004-nguyen-thi-hoa.pdf",
        "0005-lo-thi-mai.pdf",
    ]
    assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
    for name in names:
        text = PdfReader(io.BytesIO(archive.read(name))).pages[0].extract_text()
        assert "GIẤY CHỨNG NHẬN" in text
    assert issued_before.number == 1
    page = client.get(reverse("results:certificate-batch", args=[batch.pk])).content.decode()
    assert "Tệp ZIP có 5 giấy chứng nhận." in page and "Đợt này đã cấp mới 4 giấy." in page
    download = client.get(reverse("results:certificate-batch-download", args=[batch.pk]))
    assert download["Content-Type"] == "application/zip"
    assert download["Content-Disposition"] == f'attachment; filename="giay-chung-nhan-2026-2027-{batch.pk}.zip"'


def test_running_a_batch_again_issues_nothing_twice_and_rebuilds_the_zip(client, cast, people):
    batch = start(client, cast.principal_a, cast.tree.school_a, issuer=cast.tree.school_a.pk)
    assert batch.issued == 5
    client.post(reverse("results:certificate-batch-rerun", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.issued, batch.total) == ("done", 5, 5)
    assert Certificate.objects.count() == 5 and len(zip_of(batch).namelist()) == 5
    second = start(client, cast.principal_a, cast.tree.school_a, issuer=cast.tree.school_a.pk)
    assert (second.issued, second.total) == (0, 5)


def test_a_batch_left_running_by_a_stopped_worker_can_be_run_again(client, cast, people):
    batch = start(client, cast.principal_a, cast.tree.school_a, issuer=cast.tree.school_a.pk)
    Certificate.objects.filter(pk__in=Certificate.objects.order_by("-number").values("pk")[:2]).delete()
    CertificateBatch.objects.filter(pk=batch.pk).update(
        status="running", done=2, created_at=timezone.now() - dt.timedelta(hours=1)
    )
    page = client.get(reverse("results:certificate-batch", args=[batch.pk])).content.decode()
    assert "chạy quá lâu" in page and "Chạy lại" in page
    client.post(reverse("results:certificate-batch-rerun", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.total) == ("done", 5)
    assert sorted(Certificate.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5]


def test_a_running_batch_is_not_started_twice(client, cast, people):
    batch = start(client, cast.principal_a, cast.tree.school_a, issuer=cast.tree.school_a.pk)
    CertificateBatch.objects.filter(pk=batch.pk).update(status="running")
    response = client.post(reverse("results:certificate-batch-rerun", args=[batch.pk]), follow=True)
    assert "vẫn đang chạy" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == "running"


def test_the_progress_part_polls_while_running_and_refreshes_the_page_when_done(client, cast, people):
    batch = start(client, cast.principal_a, cast.tree.school_a, issuer=cast.tree.school_a.pk)
    url = reverse("results:certificate-batch", args=[batch.pk])
    done = client.get(url, headers={"HX-Request": "true"})
    assert (done.status_code, done["HX-Refresh"]) == (204, "true")
    CertificateBatch.objects.filter(pk=batch.pk).update(status="running", done=2, total=5)
    running = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert running.strip().startswith('<section id="status"') and 'hx-trigger="every 1s"' in running
    assert "Đã ghi 2/5 giấy chứng nhận" in running


def test_a_class_batch_covers_only_its_learners_whose_result_qualifies(client, cast, people):
    training_class = make_class(cast.tree.commune, year=YEAR, code="PA-01")
    enrol(training_class, people[1].staff, people[2].staff, cast.member_b)
    batch = start(client, cast.local, cast.tree.commune, issuer=cast.tree.commune.pk, training_class=training_class.pk)
    assert (batch.issued, batch.total) == (2, 2)
    assert set(Certificate.objects.values_list("staff_id", flat=True)) == {people[1].staff_id, people[2].staff_id}


def test_a_province_batch_from_the_sou_numbers_every_school_in_one_register(client, cast, people):
    batch = start(client, cast.officer, cast.tree.province, issuer=cast.tree.province.pk)
    assert (batch.issued, batch.total) == (6, 6)  # school A's five and school B's one
    assert sorted(Certificate.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_the_batch_form_says_what_to_fix(client, cast, people):
    client.force_login(cast.principal_a)
    url = reverse("results:certificate-batch-new", args=[cast.tree.school_a.pk])
    page = client.get(url, {"year": YEAR}).content.decode()
    assert "5 kết quả đã công nhận của đơn vị và các đơn vị trực thuộc chưa có giấy chứng nhận." in page
    response = client.post(url, {**FORM, "issuer": cast.tree.province.pk, "place": " ", "training_class": 999})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["place"] == ["Trường này là bắt buộc."] and "issuer" in errors and "training_class" in errors
    assert not CertificateBatch.objects.exists()


def test_a_class_of_another_year_is_refused_with_the_year_to_choose(client, cast, people):
    training_class = make_class(cast.tree.school_a, year=YEAR, code="TA-01")
    client.force_login(cast.principal_a)
    response = client.post(
        reverse("results:certificate-batch-new", args=[cast.tree.school_a.pk]),
        {**FORM, "year": YEAR + 1, "issuer": cast.tree.school_a.pk, "training_class": training_class.pk},
    )
    assert response.status_code == 400 and not CertificateBatch.objects.exists()
