""" "My data": everything bdtx holds about one person, for them to download (JSON for programs, Excel for
people). Reads only; the view that hands it out logs the download.

Left out on purpose: colleagues' opinions about the person (they are also the colleagues' personal data) and
the access log (it names the people who looked)."""

import datetime as dt
import json
import tempfile
from decimal import Decimal
from typing import IO

import xlsxwriter
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from bdtx.lib.excel import DATE_FORMAT
from bdtx.staff.models import StaffMember

RECORD_FIELDS = (
    "code",
    "full_name",
    "birth_date",
    "gender",
    "citizen_id",
    "ethnicity",
    "position",
    "group",
    "levels",
    "subjects",
    "qualification",
    "professional_title",
    "is_core",
    "phone",
    "email",
    "joined_on",
    "status",
    "created_at",
    "updated_at",
)
# Column headers of the Excel file: data in Vietnamese, like every spreadsheet header of bdtx.
HEADERS = {
    "code": "Mã định danh",
    "full_name": "Họ và tên",
    "birth_date": "Ngày sinh",
    "gender": "Giới tính",
    "citizen_id": "Số CCCD",
    "ethnicity": "Dân tộc",
    "position": "Chức vụ",
    "group": "Nhóm",
    "levels": "Cấp học",
    "subjects": "Môn dạy",
    "qualification": "Trình độ đào tạo",
    "professional_title": "Hạng chức danh",
    "is_core": "Cốt cán",
    "phone": "Điện thoại",
    "email": "Email",
    "joined_on": "Ngày vào ngành",
    "status": "Tình trạng",
    "created_at": "Tạo lúc",
    "updated_at": "Sửa lần cuối",
    "unit_code": "Mã đơn vị",
    "unit_name": "Tên đơn vị",
    "username": "Tên đăng nhập",
    "roles": "Vai trò",
    "last_login": "Đăng nhập lần cuối",
    "start_date": "Từ ngày",
    "end_date": "Đến ngày",
    "note": "Ghi chú",
    "at": "Thời điểm",
    "by": "Người thực hiện",
    "action": "Việc",
    "source": "Nguồn",
    "changes": "Thay đổi",
    "cycle": "Đợt đánh giá",
    "school_year": "Năm học",
    "standard": "Chuẩn",
    "self_status": "Tự đánh giá",
    "self_levels": "Mức tự đánh giá theo tiêu chí",
    "self_notes": "Ghi chú tự đánh giá",
    "self_rating": "Tự xếp loại",
    "self_submitted_at": "Nộp lúc",
    "strengths": "Điểm mạnh",
    "weaknesses": "Điểm cần khắc phục",
    "development_plan": "Kế hoạch phát triển",
    "declared_needs": "Nhu cầu bồi dưỡng",
    "evaluation_status": "Đánh giá",
    "final_levels": "Mức đánh giá theo tiêu chí",
    "final_rating": "Xếp loại",
    "evaluation_comment": "Nhận xét của người đánh giá",
    "confirmed_at": "Xác nhận lúc",
    "evidence": "Minh chứng",
    "criterion": "Tiêu chí",
    "level": "Mức",
    "text": "Nội dung",
    "status_label": "Trạng thái",
    "submitted_at": "Gửi lúc",
    "decided_at": "Duyệt lúc",
    "return_comment": "Nhận xét khi trả lại",
    "items": "Nội dung bồi dưỡng",
    "class_code": "Mã lớp",
    "class_title": "Tên lớp",
    "outcome": "Kết quả",
    "sessions_attended": "Số buổi dự",
    "final_score": "Điểm",
    "scores": "Điểm các bài",
    "completed_at": "Hoàn thành lúc",
    "periods_planned": "Số tiết kế hoạch",
    "periods_earned": "Số tiết đạt",
    "recognised": "Đã công nhận",
    "register_number": "Số vào sổ",
    "verification_code": "Mã xác minh",
    "issued_on": "Ngày cấp",
}
SHEETS = {
    "record": "Hồ sơ",
    "account": "Tài khoản",
    "assignments": "Quá trình công tác",
    "changes": "Lịch sử thay đổi",
    "appraisals": "Đánh giá chuẩn",
    "training_needs": "Nhu cầu bồi dưỡng",
    "personal_plans": "Kế hoạch cá nhân",
    "enrolments": "Lớp bồi dưỡng",
    "results": "Kết quả BDTX",
    "certificates": "Giấy chứng nhận",
}


def own_data(member: StaffMember) -> dict:
    """Every section, as plain JSON-ready values (dates as date objects: the encoders write them)."""
    member = StaffMember.objects.select_related("unit", "user").get(pk=member.pk)
    return {
        "generated_at": timezone.now(),
        "record": [_record(member)],
        "account": _account(member),
        "assignments": [
            {
                "unit_code": stay.unit.code,
                "unit_name": stay.unit.name,
                "position": stay.position,
                "start_date": stay.start_date,
                "end_date": stay.end_date,
                "note": stay.note,
            }
            for stay in member.assignments.select_related("unit")
        ],
        "changes": [
            {
                "at": change.at,
                "by": str(change.by) if change.by else "",
                "action": change.get_action_display(),
                "source": change.get_source_display(),
                "changes": change.changes,
            }
            for change in member.changes.select_related("by")
        ],
        "appraisals": _appraisals(member),
        "training_needs": _needs(member),
        "personal_plans": _plans(member),
        "enrolments": _enrolments(member),
        "results": _results(member),
        "certificates": _certificates(member),
    }


def _record(member: StaffMember) -> dict:
    row = {}
    for name in RECORD_FIELDS:
        display = getattr(member, f"get_{name}_display", None)
        row[name] = display() if display and getattr(member, name) else getattr(member, name)
    row["levels"] = member.levels_display
    row["unit_code"], row["unit_name"] = member.unit.code, member.unit.name
    return row


def _account(member: StaffMember) -> list[dict]:
    account = member.user
    if account is None:
        return []
    roles = [f"{role.get_role_display()} — {role.unit.name}" for role in account.roles.select_related("unit")]
    return [
        {
            "username": account.username,
            "full_name": account.full_name,
            "email": account.email,
            "roles": "; ".join(roles),
            "last_login": account.last_login,
        }
    ]


def _appraisals(member: StaffMember) -> list[dict]:
    from bdtx.appraisals.models import Appraisal

    rows = []
    appraisals = (
        Appraisal.objects.filter(staff=member)
        .select_related("cycle", "standard")
        .prefetch_related("evidence")
        .order_by("cycle__year", "pk")
    )
    for appraisal in appraisals:
        rows.append(
            {
                "cycle": appraisal.cycle.title,
                "school_year": appraisal.cycle.school_year,
                "standard": appraisal.standard.code,
                "self_status": appraisal.get_self_status_display(),
                "self_levels": appraisal.self_levels,
                "self_notes": appraisal.self_notes,
                "self_rating": appraisal.get_self_rating_display(),
                "self_submitted_at": appraisal.self_submitted_at,
                "strengths": appraisal.strengths,
                "weaknesses": appraisal.weaknesses,
                "development_plan": appraisal.development_plan,
                "declared_needs": appraisal.declared_needs,
                "evaluation_status": appraisal.get_evaluation_status_display(),
                "final_levels": appraisal.final_levels,
                "final_rating": appraisal.get_final_rating_display(),
                "evaluation_comment": appraisal.evaluation_comment,
                "confirmed_at": appraisal.confirmed_at,
                "evidence": [
                    {
                        "criterion": item.criterion_number,
                        "title": item.title,
                        "description": item.description,
                        "url": item.url,
                        "file_name": item.file_name,
                    }
                    for item in appraisal.evidence.all()
                ],
            }
        )
    return rows


def _needs(member: StaffMember) -> list[dict]:
    from bdtx.appraisals.models import TrainingNeed

    needs = TrainingNeed.objects.filter(staff=member).select_related("criterion").order_by("year", "pk")
    return [
        {
            "school_year": f"{need.year}-{need.year + 1}",
            "criterion": need.criterion.number if need.criterion else None,
            "level": need.get_level_display(),
            "source": need.get_source_display(),
            "text": need.text,
        }
        for need in needs
    ]


def _plans(member: StaffMember) -> list[dict]:
    from bdtx.plans.models import PersonalPlan

    plans = (
        PersonalPlan.objects.filter(staff=member)
        .prefetch_related("items__module", "items__topic")
        .order_by("year", "pk")
    )
    return [
        {
            "school_year": plan.school_year,
            "status_label": plan.get_status_display(),
            "submitted_at": plan.submitted_at,
            "decided_at": plan.decided_at,
            "return_comment": plan.return_comment,
            "items": [
                {
                    "content": item.content,
                    "module": item.module.code if item.module else None,
                    "title": item.module.title if item.module else (item.topic.title if item.topic else ""),
                    "periods": item.periods,
                }
                for item in plan.items.all()
            ],
        }
        for plan in plans
    ]


def _enrolments(member: StaffMember) -> list[dict]:
    from bdtx.delivery.models import Enrolment

    enrolments = (
        Enrolment.objects.filter(staff=member)
        .select_related("training_class")
        .prefetch_related("scores__assessment")
        .order_by("training_class__year", "pk")
    )
    return [
        {
            "class_code": enrolment.training_class.code,
            "class_title": enrolment.training_class.title,
            "school_year": enrolment.training_class.school_year,
            "status_label": enrolment.get_status_display(),
            "outcome": enrolment.get_outcome_display(),
            "sessions_attended": enrolment.sessions_attended,
            "final_score": enrolment.final_score,
            "scores": [{"title": score.assessment.title, "value": score.value} for score in enrolment.scores.all()],
            "completed_at": enrolment.completed_at,
        }
        for enrolment in enrolments
    ]


def _results(member: StaffMember) -> list[dict]:
    from bdtx.results.models import YearResult

    return [
        {
            "school_year": result.school_year,
            "outcome": result.get_outcome_display(),
            "periods_planned": result.periods_planned,
            "periods_earned": result.periods_earned,
            "recognised": result.recognised,
        }
        for result in YearResult.objects.filter(staff=member).order_by("year", "pk")
    ]


def _certificates(member: StaffMember) -> list[dict]:
    from bdtx.results.models import Certificate

    return [
        {
            "register_number": certificate.register_number,
            "status_label": certificate.get_status_display(),
            "issued_on": certificate.issued_on,
            "verification_code": certificate.code,
        }
        for certificate in Certificate.objects.filter(staff=member).order_by("year", "pk")
    ]


# Writing it out ----------------------------------------------------------------------------------------


def as_json(data: dict) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def as_workbook(data: dict) -> IO[bytes]:
    """One sheet per section, one row per item; nested values (levels per criterion, evidence, plan items)
    as JSON text in their cell."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response that streams it
    workbook = xlsxwriter.Workbook(handle, {"in_memory": True, "strings_to_numbers": False, "remove_timezone": True})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    date = workbook.add_format({"num_format": DATE_FORMAT})
    moment = workbook.add_format({"num_format": DATE_FORMAT + " hh:mm"})
    for key, title in SHEETS.items():
        rows = data[key]
        sheet = workbook.add_worksheet(title)
        columns = list(rows[0]) if rows else ["text"]
        for index, name in enumerate(columns):
            sheet.write_string(0, index, HEADERS.get(name, name), header)
            sheet.set_column(index, index, 22)
        if not rows:
            sheet.write_string(1, 0, "Không có dữ liệu.")
        for number, row in enumerate(rows, start=1):
            for index, name in enumerate(columns):
                _write(sheet, number, index, row.get(name), date, moment)
        sheet.freeze_panes(1, 0)
    workbook.close()
    handle.seek(0)
    return handle


def _write(sheet, row: int, column: int, value, date, moment) -> None:
    if value is None or value == "":
        return
    if isinstance(value, dt.datetime):
        sheet.write_datetime(row, column, timezone.localtime(value) if timezone.is_aware(value) else value, moment)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, column, dt.datetime(value.year, value.month, value.day), date)
    elif isinstance(value, bool):
        sheet.write_string(row, column, "Có" if value else "Không")
    elif isinstance(value, (int, float, Decimal)):
        sheet.write_number(row, column, float(value))
    elif isinstance(value, (dict, list)):
        sheet.write_string(row, column, _text(value))
    else:
        sheet.write_string(row, column, str(value))


def _text(value: dict | list) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
