"""Check-in by phone: signed QR tokens that rotate every 20 seconds and expire after the next slot, refused when used
again, forged or brought by someone not enrolled; the spoken code with its grace and its limit on wrong tries; the
presenter's screen, refreshed by htmx, which only those who teach the class see."""

import time
from types import SimpleNamespace

import pytest
from django.urls import reverse

from bdtx.delivery import attendance, checkin
from bdtx.delivery.models import (
    Attendance,
    AttendanceMethod,
    CheckinUse,
    ClassSession,
    Enrolment,
    EnrolmentStatus,
)
from bdtx.testing import PASSWORD, enrol, make_class, make_staff, make_user

pytestmark = pytest.mark.django_db
NOW = 1_000_000.0  # the start of slot 50000 and of minute 16666 + 40 s
EXPIRED = "Mã đã hết hạn: quét lại mã đang hiển thị."


@pytest.fixture
def course(cast):
    training_class = make_class(cast.tree.commune, year=2027, code="QR1", sessions=2, tests=0)
    binh = make_staff(cast.tree.school_a, "Lê Thị Bình", code="GV-A-002", user=make_user("binh"))
    hoa_e, binh_e = enrol(training_class, cast.member_a, binh)
    session, later = training_class.sessions.order_by("date")
    session.checkin_open = True
    session.save()
    return SimpleNamespace(cls=training_class, session=session, later=later, hoa=hoa_e, binh=binh_e)


def scan_url(session, token: str) -> str:
    return reverse("delivery:checkin-scan", kwargs={"pk": session.pk, "token": token})


def code_url(session) -> str:
    return reverse("delivery:checkin-code", kwargs={"pk": session.pk})


def wrong_code(session) -> str:
    """A well-formed code that is neither this minute's nor the last one's."""
    taken = {checkin.current_code(session), checkin.current_code(session, now=time.time() - 60)}
    return next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in taken)


# Tokens and codes, with the clock moved by hand ----------------------------------------------------------


def test_a_qr_token_is_valid_in_its_slot_and_the_next_then_expires(course):
    session = course.session
    token = checkin.current_token(session, now=NOW)
    assert token.startswith("50000.") and len(token) == len("50000.") + 16
    assert checkin.verify_token(session, token, now=NOW) == 50000
    assert checkin.verify_token(session, token, now=NOW + 19.9) == 50000
    assert checkin.verify_token(session, token, now=NOW + 39.9) == 50000  # the previous slot: still accepted
    with pytest.raises(checkin.Refused) as refused:
        checkin.verify_token(session, token, now=NOW + 40)
    assert refused.value.reason == checkin.EXPIRED and str(refused.value) == EXPIRED
    assert checkin.current_token(session, now=NOW + 20) != token


def test_a_forged_or_foreign_or_malformed_token_is_refused(course):
    session, later = course.session, course.later
    token = checkin.current_token(session, now=NOW)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    other_session = checkin.current_token(later, now=NOW)
    future = checkin.make_token(session, 50001)
    for bad in [forged, other_session, future, "50000", "50000.short", "abc.defghijklmnopqrs", ""]:
        with pytest.raises(checkin.Refused) as refused:
            checkin.verify_token(session, bad, now=NOW)
        assert refused.value.reason == checkin.INVALID, bad


def test_a_new_secret_makes_every_earlier_token_worthless(course):
    session = course.session
    token = checkin.current_token(session, now=NOW)
    session.checkin_secret = "0" * 64
    with pytest.raises(checkin.Refused):
        checkin.verify_token(session, token, now=NOW)


def test_the_spoken_code_holds_for_its_minute_and_a_few_seconds_of_the_next(course):
    session = course.session
    minute = checkin.code_window_at(NOW)
    code = checkin.make_code(session, minute)
    assert len(code) == 6 and code.isdigit()
    assert checkin.verify_code(session, code, now=NOW) == minute
    assert checkin.verify_code(session, f" {code[:3]} {code[3:]} ", now=NOW) == minute
    next_minute = (minute + 1) * checkin.CODE_SECONDS
    assert checkin.verify_code(session, code, now=next_minute + 5) == minute  # read out as it changed
    with pytest.raises(checkin.Refused) as refused:
        checkin.verify_code(session, code, now=next_minute + 15)
    assert refused.value.reason == checkin.WRONG_CODE
    assert checkin.make_code(session, minute + 1) != code
    with pytest.raises(checkin.Refused) as refused:
        checkin.verify_code(session, "12a456", now=NOW)
    assert refused.value.reason == checkin.BAD_FORMAT


# The presenter's screen ------------------------------------------------------------------------------------


def test_the_presenter_opens_check_in_and_shows_the_qr_code_and_the_spoken_code(client, cast, course):
    session = course.later
    client.force_login(cast.local)
    url = reverse("delivery:checkin", kwargs={"pk": session.pk})
    closed = client.get(url).content.decode()
    assert "Mở điểm danh" in closed and "<svg" not in closed
    response = client.post(url, {"action": "open"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.checkin_open
    before = checkin.current_code(session)
    html = client.get(url).content.decode()
    after = checkin.current_code(session)
    assert '<svg viewBox="' in html and 'class="qr"' in html
    assert f"{before[:3]} {before[3:]}" in html or f"{after[:3]} {after[3:]}" in html
    assert "0</strong>/2 học viên đã điểm danh" in html
    assert "http://testserver" + code_url(session) in html
    assert reverse("delivery:checkin-live", kwargs={"pk": session.pk}) in html and 'hx-trigger="every 3s"' in html
    assert session.checkin_secret not in html
    assert "<script>" not in html  # no inline script: the page works under a strict CSP


def test_the_live_part_follows_check_ins_and_asks_for_a_reload_once_closed(client, cast, course):
    session = course.session
    client.force_login(cast.local)
    live = reverse("delivery:checkin-live", kwargs={"pk": session.pk})
    attendance.record_presence(session, course.hoa, method=AttendanceMethod.QR, by=cast.teacher_a)
    response = client.get(live, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="checkin-live"') and "<svg" in html
    assert "1</strong>/2 học viên đã điểm danh" in html and "Nguyễn Thị Hoà" in html
    response = client.post(reverse("delivery:checkin", kwargs={"pk": session.pk}), {"action": "close"})
    assert response.status_code == 302
    poll = client.get(live, headers={"HX-Request": "true"})
    assert poll.status_code == 204 and poll["HX-Refresh"] == "true"


def test_a_learner_never_sees_the_presenters_screen(client, cast, course):
    client.force_login(cast.teacher_a)
    session = course.session
    for name in ("delivery:checkin", "delivery:checkin-live"):
        assert client.get(reverse(name, kwargs={"pk": session.pk})).status_code == 404
    assert client.post(reverse("delivery:checkin", kwargs={"pk": session.pk}), {"action": "close"}).status_code == 404
    session.refresh_from_db()
    assert session.checkin_open


# Scanning the QR code -------------------------------------------------------------------------------------


def test_a_learner_scans_confirms_and_is_checked_in(client, cast, course):
    session = course.session
    client.force_login(cast.teacher_a)
    url = scan_url(session, checkin.current_token(session))
    page = client.get(url)
    assert page.status_code == 200
    assert "Điểm danh cho tôi" in page.content.decode() and "Nguyễn Thị Hoà (GV-A-001)" in page.content.decode()
    assert not Attendance.objects.exists()  # opening the link writes nothing
    response = client.post(url)
    assert response.status_code == 200
    assert "Nguyễn Thị Hoà, bạn đã được điểm danh" in response.content.decode()
    row = Attendance.objects.get()
    assert (row.enrolment, row.present, row.method, row.recorded_by) == (course.hoa, True, "qr", cast.teacher_a)
    session.refresh_from_db()
    assert session.attendance_taken
    course.hoa.refresh_from_db()
    course.binh.refresh_from_db()
    assert (course.hoa.sessions_attended, course.binh.sessions_attended) == (1, 0)
    assert course.binh.outcome == "failed"  # the session is held: Bình, absent, falls short of the attendance rule


def test_the_same_code_used_again_is_refused(client, cast, course):
    session = course.session
    client.force_login(cast.teacher_a)
    url = scan_url(session, checkin.current_token(session))
    assert client.post(url).status_code == 200
    again = client.post(url)
    assert again.status_code == 400
    assert "Bạn đã dùng mã này rồi" in again.content.decode()
    assert client.get(url).status_code == 400
    assert CheckinUse.objects.filter(session=session).count() == 1
    assert Attendance.objects.count() == 1


def test_a_photo_of_the_code_shared_later_fails(client, cast, course):
    session = course.session
    old = checkin.make_token(session, checkin.slot_at(time.time()) - 3)  # a minute old
    client.force_login(cast.teacher_a)
    for response in (client.get(scan_url(session, old)), client.post(scan_url(session, old))):
        assert response.status_code == 400
        assert EXPIRED in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_forged_code_is_refused(client, cast, course):
    session = course.session
    token = checkin.current_token(session)
    forged = token[:-2] + ("xy" if token[-2:] != "xy" else "zz")
    client.force_login(cast.teacher_a)
    response = client.post(scan_url(session, forged))
    assert response.status_code == 400
    assert "Đây không phải mã điểm danh của buổi học này" in response.content.decode()
    assert not Attendance.objects.exists()


def test_someone_signed_out_is_asked_to_sign_in_and_brought_back(client, cast, course):
    url = scan_url(course.session, checkin.current_token(course.session))
    response = client.get(url)
    assert response.status_code == 302
    login = response.url
    assert login.startswith(reverse("accounts:login")) and login.endswith(f"?next={url}")
    signed_in = client.post(login, {"username": "teacher_a", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in.url == url
    assert client.post(url).status_code == 200
    assert Attendance.objects.filter(enrolment=course.hoa, present=True).exists()


def test_someone_not_enrolled_cannot_check_in(client, cast, course):
    session = course.session
    url = scan_url(session, checkin.current_token(session))
    client.force_login(cast.principal_a)  # sees the class (offered to school A), is not in it
    response = client.post(url)
    assert response.status_code == 403
    assert "Bạn không ghi danh trong lớp này nên không thể điểm danh" in response.content.decode()
    waiting = make_staff(cast.tree.school_a, "Đỗ Văn Chờ", code="GV-A-009", user=make_user("cho"))
    Enrolment.objects.create(training_class=course.cls, staff=waiting, status=EnrolmentStatus.WAITING, source="self")
    client.force_login(waiting.user)
    assert client.post(url).status_code == 403
    assert client.post(code_url(session), {"code": checkin.current_code(session)}).status_code == 403
    assert not Attendance.objects.exists()


def test_nothing_works_once_check_in_is_closed(client, cast, course):
    session = course.session
    token, code = checkin.current_token(session), checkin.current_code(session)
    checkin.set_open(session, False)
    client.force_login(cast.teacher_a)
    response = client.post(scan_url(session, token))
    assert response.status_code == 400 and "Buổi học này đã đóng điểm danh" in response.content.decode()
    response = client.post(code_url(session), {"code": code})
    assert response.status_code == 400 and "Buổi học này đã đóng điểm danh" in response.content.decode()
    assert not Attendance.objects.exists()


def test_an_outsider_gets_404_on_every_check_in_page(client, cast, course):
    session = course.session
    client.force_login(cast.principal_b)
    for url in [
        reverse("delivery:checkin", kwargs={"pk": session.pk}),
        reverse("delivery:checkin-live", kwargs={"pk": session.pk}),
        code_url(session),
        scan_url(session, checkin.current_token(session)),
    ]:
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code in (404, 405), url


# The spoken code ------------------------------------------------------------------------------------------


def test_a_learner_checks_in_with_the_spoken_code(client, cast, course):
    session = course.session
    attendance.save_sheet(session, {course.hoa.pk: attendance.ABSENT}, by=cast.local)
    client.force_login(cast.teacher_a)
    page = client.get(code_url(session))
    assert page.status_code == 200 and "6 chữ số báo cáo viên đọc" in page.content.decode()
    code = checkin.current_code(session)
    response = client.post(code_url(session), {"code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 200 and "bạn đã được điểm danh" in response.content.decode()
    row = Attendance.objects.get(session=session, enrolment=course.hoa)
    assert (row.present, row.method) == (True, "code")
    assert "Bạn đã được điểm danh" in client.get(code_url(session)).content.decode()


def test_five_wrong_codes_and_the_learner_must_wait_even_with_the_right_one(client, cast, course):
    session = course.session
    client.force_login(cast.teacher_a)
    wrong = wrong_code(session)
    for left in (4, 3, 2, 1):
        response = client.post(code_url(session), {"code": wrong})
        assert response.status_code == 400
        assert f"Còn {left} lần thử trước khi phải chờ." in response.content.decode()
    response = client.post(code_url(session), {"code": wrong})
    assert response.status_code == 429
    assert "Nhập sai mã quá nhiều lần. Hãy chờ 10 phút rồi thử lại, hoặc quét mã QR." in response.content.decode()
    response = client.post(code_url(session), {"code": checkin.current_code(session)})
    assert response.status_code == 429
    assert not Attendance.objects.exists()
    page = client.get(code_url(session)).content.decode()
    assert "Nhập sai mã quá nhiều lần" in page and 'name="code"' not in page
    # Another learner is not held back, and the QR code still works for the one who guessed.
    client.force_login(course.binh.staff.user)
    assert client.post(code_url(session), {"code": checkin.current_code(session)}).status_code == 200
    client.force_login(cast.teacher_a)
    assert client.post(scan_url(session, checkin.current_token(session))).status_code == 200


def test_a_mistyped_code_does_not_count_as_a_try(client, cast, course):
    client.force_login(cast.teacher_a)
    response = client.post(code_url(course.session), {"code": "12 34"})
    assert response.status_code == 400
    assert "Hãy nhập 6 chữ số" in response.content.decode()
    assert checkin.wrong_tries(course.session, course.hoa) == 0


def test_a_session_of_another_class_is_not_checked_in_by_this_ones_code(cast, course):
    other = make_class(cast.tree.commune, year=2027, code="QR2", sessions=1)
    enrol(other, cast.member_a)
    other_session = ClassSession.objects.get(training_class=other)
    other_session.checkin_open = True
    other_session.save()
    with pytest.raises(checkin.Refused) as refused:
        checkin.check_in_by_token(other_session, cast.teacher_a, checkin.current_token(course.session))
    assert refused.value.reason == checkin.INVALID
