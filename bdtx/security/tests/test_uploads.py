"""Uploads (issue 7, point 5; docs/security.md): a web page dressed up as a PDF or a spreadsheet is refused, or kept
and only ever handed back as a download under a type no browser renders. Every upload form of the finished areas
is tried; stored files live under MEDIA_ROOT, which no URL serves."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from bdtx.accounts.models import Role
from bdtx.appraisals.models import Evidence
from bdtx.appraisals.services import start_appraisal
from bdtx.catalog.models import ModuleMaterial, TrainingModule
from bdtx.imports.models import ImportJob
from bdtx.security.uploads import content_matches, looks_like_markup
from bdtx.testing import make_cycle, make_user

PAGE = b'<!DOCTYPE html><html><body><script>fetch("/api/v1/staff/").then(r => r.text()).then(alert)</script></html>'
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="9"/></svg>'
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DISGUISES = ["ke-hoach.pdf", "danh-sach.xlsx"]


def upload(name: str, content: bytes = PAGE) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def assert_safe_download(response) -> None:
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    kind = response["Content-Type"].split(";")[0]
    assert kind not in {"text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml"}
    assert kind not in {"application/pdf", "image/png", "image/jpeg"}, "a disguised file kept its claimed type"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", [*DISGUISES, "ds.csv"])
def test_an_import_of_a_web_page_is_refused_or_fails_with_a_clear_message(client, cast, name):
    client.force_login(cast.principal_a)
    response = client.post(reverse("imports:new"), {"kind": "staff", "file": upload(name)})
    job = ImportJob.objects.first()
    if job is None:  # refused by the form: the extension or the content is not a spreadsheet
        assert response.status_code == 200 and response.context["form"].errors["file"]
    else:  # a .csv is text: the check (run at once in tests) finds no header row and writes nothing
        job.refresh_from_db()
        assert job.status == ImportJob.Status.FAILED
        assert "Không tìm thấy dòng tiêu đề" in job.failure


@pytest.mark.parametrize("name", DISGUISES)
def test_a_module_import_of_a_web_page_is_refused(client, cast, programmes, name):
    client.force_login(cast.officer)
    before = TrainingModule.objects.count()
    response = client.post(reverse("catalog:import"), {"file": upload(name)})
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert TrainingModule.objects.count() == before


@pytest.mark.parametrize("url_name", ["standards:new", "programmes:new"])
def test_a_rule_file_upload_of_a_web_page_is_refused(client, cast, url_name):
    admin = make_user("admin_so", role=Role.SYSTEM_ADMIN, unit=cast.tree.province)
    client.force_login(admin)
    response = client.post(reverse(url_name), {"file": upload("chuan.yaml")})
    assert response.status_code == 200 and response.context["form"].errors["file"]


@pytest.mark.parametrize("name", DISGUISES)
def test_evidence_that_is_a_web_page_is_only_ever_a_download(client, cast, standards, name):
    appraisal = start_appraisal(make_cycle(cast.tree.commune, by=cast.local), cast.member_a)
    client.force_login(cast.teacher_a)
    client.post(
        reverse("appraisals:evidence-add", args=[appraisal.pk]),
        {"title": "Giáo án", "criterion": "", "file": upload(name)},
    )
    evidence = Evidence.objects.get()
    for viewer in (cast.teacher_a, cast.principal_a):
        client.force_login(viewer)
        assert_safe_download(client.get(reverse("appraisals:evidence-file", args=[evidence.pk])))


@pytest.mark.parametrize("name", [*DISGUISES, "so-do.png"])
def test_a_module_material_that_is_a_web_page_or_an_svg_is_only_ever_a_download(client, cast, programmes, name):
    module = TrainingModule.objects.filter(owner__isnull=True).first()  # a national module: the Sở keeps it
    client.force_login(cast.officer)
    content = SVG if name.endswith(".png") else PAGE
    client.post(
        reverse("catalog:material-add", args=[module.pk]), {"title": "Bài giảng", "file": upload(name, content)}
    )
    material = ModuleMaterial.objects.get()
    assert_safe_download(client.get(reverse("catalog:material-file", args=[material.pk])))


def test_a_real_pdf_is_still_shown_in_the_browser(client, cast, standards):
    appraisal = start_appraisal(make_cycle(cast.tree.commune, by=cast.local), cast.member_a)
    client.force_login(cast.teacher_a)
    form = {"title": "Giáo án", "criterion": "", "file": upload("giao-an.pdf", PDF)}
    client.post(reverse("appraisals:evidence-add", args=[appraisal.pk]), form)
    response = client.get(reverse("appraisals:evidence-file", args=[Evidence.objects.get().pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == PDF


def test_uploaded_files_are_kept_outside_every_served_url(client, cast, settings):
    client.force_login(cast.principal_a)
    client.post(reverse("imports:new"), {"kind": "staff", "file": upload("ds.csv", "Mã định danh\n".encode())})
    stored = ImportJob.objects.get().file
    assert str(settings.MEDIA_ROOT) in stored.path
    assert not stored.path.startswith(str(settings.STATIC_ROOT))
    with pytest.raises(Resolver404):
        resolve(stored.url)
    assert Client().get(stored.url).status_code == 404


def test_content_is_checked_by_its_first_bytes_not_by_its_name():
    assert content_matches(PDF, "giao-an.pdf")
    assert not content_matches(PAGE, "giao-an.pdf")
    assert not content_matches(PAGE, "bang.xlsx")
    assert content_matches(b"PK\x03\x04rest-of-zip", "bang.xlsx")
    assert content_matches("Nhận xét của tổ chuyên môn".encode(), "ghi-chu.txt")
    assert not content_matches(b"\n  <html><body>", "ghi-chu.txt")
    assert not content_matches(PDF, "trang.html")  # an extension that is never accepted
    assert looks_like_markup("\ufeff<svg onload=x>".encode())
