"""For organisers and heads: the demand for modules from the approved personal plans (people and classes needed
per module and unit), and the progress of personal plans by unit with who has no approved plan yet; their Excel."""

import logging
import re
import tempfile

import xlsxwriter
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from bdtx.appraisals.progress import Subtree
from bdtx.lib import cells
from bdtx.lib.excel import XLSX_CONTENT_TYPE, Col, table_file
from bdtx.lib.schoolyear import current_school_year, school_year_label
from bdtx.ops.routers import reporting
from bdtx.organisations.models import Unit
from bdtx.staff.exports import chase_workbook

from ..models import PlanStatus
from ..permissions import planning_roots
from ..reports import DEFAULT_CLASS_SIZE, MAX_CLASS_SIZE, demand, plan_progress, without_approved_plan

PAGE_SIZE = 50
export_log = logging.getLogger("bdtx.exports")
_SCHOOL_YEAR = re.compile(r"^(\d{4})\s*[-–/]\s*(\d{4})$")


# Filters -------------------------------------------------------------------------------------------------


class PlanFilterForm(forms.Form):
    year = forms.CharField(
        label=gettext_lazy("School year"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "2026-2027", "inputmode": "numeric", "size": 10}),
    )

    def clean_year(self):
        raw = cells.clean(self.cleaned_data["year"])
        if not raw:
            return current_school_year()
        match = _SCHOOL_YEAR.match(raw)
        first = int(match.group(1)) if match else int(raw) if raw.isdigit() and len(raw) == 4 else None
        if first is None or (match and int(match.group(2)) != first + 1) or not 2000 <= first <= 2100:
            raise forms.ValidationError(
                _("“%(value)s” is not a school year. Type it as 2026-2027 (two years that follow each other).")
                % {"value": raw}
            )
        return first

    def values(self) -> dict:
        """The cleaned values, and for a field typed wrong its default (the error is shown beside it)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"year": data.get("year", current_school_year())}


class DemandFilterForm(PlanFilterForm):
    size = forms.IntegerField(
        label=gettext_lazy("Class size"),
        required=False,
        min_value=1,
        max_value=MAX_CLASS_SIZE,
        widget=forms.NumberInput(attrs={"placeholder": str(DEFAULT_CLASS_SIZE), "size": 5}),
        help_text=gettext_lazy("Learners a class takes; classes needed = people ÷ class size, rounded up."),
        error_messages={
            "invalid": gettext_lazy("Type the class size as a whole number, for example 40."),
            "min_value": gettext_lazy("The class size must be a whole number from 1 to 500."),
            "max_value": gettext_lazy("The class size must be a whole number from 1 to 500."),
        },
    )

    def values(self) -> dict:
        values = super().values()
        values["size"] = getattr(self, "cleaned_data", {}).get("size") or DEFAULT_CLASS_SIZE
        return values


# The viewed unit -----------------------------------------------------------------------------------------


def viewed_unit(request) -> tuple[Unit, list[Unit]]:
    """The unit shown: ?unit=<id> inside the part of the tree the user manages (else 404), by default its top.
    Nobody managing anything sees these pages (404)."""
    roots = planning_roots(request.user)
    if not roots:
        raise Http404
    raw = request.GET.get("unit", "")
    if not raw:
        return roots[0], roots
    if not raw.isdigit():
        raise Http404
    unit = Unit.objects.filter(pk=int(raw)).first()
    if unit is None or not any(unit.is_within(root) for root in roots):
        raise Http404
    return unit, roots


def crumbs(unit: Unit, roots: list[Unit]) -> list[Unit]:
    """The units from the top of the user's part down to the viewed unit's parent, for the trail."""
    top = next((root for root in roots if unit.is_within(root)), None)
    if top is None or top.pk == unit.pk:
        return []
    return [a for a in unit.ancestors() if a.is_within(top)]


def _context(request, unit: Unit, roots: list[Unit], tab: str, form) -> dict:
    return {
        "unit": unit,
        "roots": roots,
        "other_roots": [root for root in roots if not unit.is_within(root)],
        "crumbs": crumbs(unit, roots),
        "tab": tab,
        "form": form,
    }


def _personal_url(plan_id: int | None) -> str | None:
    """The person's plan page, when they have a plan."""
    return reverse("plans:personal", args=[plan_id]) if plan_id is not None else None


# Demand --------------------------------------------------------------------------------------------------


@login_required
@require_GET
@reporting()  # reads from the read replica when there is one
def demand_view(request):
    """Approved personal plans of a school year counted by module and by child unit of the viewed unit, with
    the classes each unit needs (people ÷ class size, rounded up); ?module= shows one module by unit."""
    unit, roots = viewed_unit(request)
    form = DemandFilterForm(request.GET)
    values = form.values()
    result = demand(values["year"], Subtree.of(unit), class_size=values["size"])
    chosen = None
    raw = request.GET.get("module", "")
    if raw.isdigit():
        chosen = next((m.module for m in result.modules if m.module.pk == int(raw)), None)
    context = _context(request, unit, roots, "demand", form)
    context.update(
        result=result,
        year_label=school_year_label(values["year"]),
        chosen=chosen,
        module_missing=bool(raw) and chosen is None,
        rows=[
            (row, row.modules.get(chosen.pk, (0, 0)) if chosen else (row.places, row.classes)) for row in result.units
        ],
    )
    return render(request, "plans/demand_page.html", context)


DEMAND_MODULE_COLUMNS = [
    Col("Mã mô đun", width=14),
    Col("Tên mô đun", width=50),
    Col("Số tiết", kind="number", width=8),
    Col("Số người đăng ký", kind="number", width=14),
    Col("Số lớp cần mở", kind="number", width=14),
]
DEMAND_UNIT_COLUMNS = [
    Col("Đơn vị", width=36),
    Col("Mã đơn vị", width=14),
    Col("Mã mô đun", width=14),
    Col("Tên mô đun", width=50),
    Col("Số người đăng ký", kind="number", width=14),
    Col("Số lớp cần mở", kind="number", width=14),
]


@login_required
@require_GET
@reporting()  # reads from the read replica when there is one
def demand_xlsx(request):
    """The demand as an .xlsx: one sheet by module, one by unit × module (for filters and pivot tables)."""
    unit, _roots = viewed_unit(request)
    values = DemandFilterForm(request.GET).values()
    result = demand(values["year"], Subtree.of(unit), class_size=values["size"])
    modules = {m.module.pk: m.module for m in result.modules}

    def rows():
        for row in result.units:
            for module_id, (people, classes) in sorted(
                row.modules.items(), key=lambda item: modules[item[0]].code if item[0] in modules else ""
            ):
                module = modules.get(module_id)
                if module is None:
                    continue
                yield (row.unit.name, row.unit.code, module.code, module.title, people, classes)

    handle, _count = _two_sheets(
        ("Theo mô đun", DEMAND_MODULE_COLUMNS, [
            (m.module.code, m.module.title, m.module.periods, m.people, m.classes) for m in result.modules
        ]),
        ("Theo đơn vị", DEMAND_UNIT_COLUMNS, rows()),
    )  # fmt: skip
    export_log.info("user=%s exported demand unit=%s year=%s", request.user.username, unit.code, values["year"])
    name = f"nhu-cau-mo-dun-{unit.code}-{school_year_label(values['year'])}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


def _two_sheets(*sheets):
    """Several tables in one workbook, each written like bdtx.lib.excel.write_table (frozen, filterable header)."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response that streams it
    workbook = xlsxwriter.Workbook(handle, {"in_memory": False, "strings_to_numbers": False})
    total = 0
    try:
        header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        text = workbook.add_format({"num_format": "@"})
        number = workbook.add_format({"num_format": "#,##0"})
        for name, columns, rows in sheets:
            sheet = workbook.add_worksheet(name[:31])
            for index, column in enumerate(columns):
                sheet.set_column(index, index, column.width)
                sheet.write_string(0, index, column.header, header)
            count = 0
            for count, row in enumerate(rows, start=1):
                for index, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    if columns[index].kind == "number":
                        sheet.write_number(count, index, value, number)
                    else:
                        sheet.write_string(count, index, str(value), text)
            sheet.freeze_panes(1, 0)
            sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
            total += count
    finally:
        workbook.close()
    handle.seek(0)
    return handle, total


# Progress of personal plans ------------------------------------------------------------------------------

STATUS_WORDS = {
    None: "Chưa lập kế hoạch",
    PlanStatus.DRAFT: "Đang lập, chưa nộp",
    PlanStatus.SUBMITTED: "Đã nộp, chờ duyệt",
    PlanStatus.RETURNED: "Bị trả lại để sửa",
}


@login_required
@require_GET
@reporting()  # reads from the read replica when there is one
def progress_view(request):
    """Personal plans of a school year by child unit of the viewed unit: expected, started, submitted (waiting),
    approved, returned; at a school, who has no approved plan yet (50 a page, Vietnamese name order)."""
    unit, roots = viewed_unit(request)
    form = PlanFilterForm(request.GET)
    year = form.values()["year"]
    subtree = Subtree.of(unit)
    total, rows = plan_progress(year, subtree)
    context = _context(request, unit, roots, "progress", form)
    context.update(total=total, rows=rows, is_school=subtree.is_leaf, year_label=school_year_label(year))
    if subtree.is_leaf:
        page = Paginator(without_approved_plan(year, [unit.pk]), PAGE_SIZE).get_page(request.GET.get("page"))
        for member in page.object_list:
            member.plan_url = _personal_url(member.plan_id)
        context["page"] = page
    template = "plans/demand_progress.html"
    if request.htmx and not request.htmx.history_restore_request and "page" in request.GET:
        template += "#people"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


PROGRESS_COLUMNS = [
    Col("Đơn vị", width=36),
    Col("Mã đơn vị", width=14),
    Col("Cần lập kế hoạch", kind="number", width=14),
    Col("Đã bắt đầu", kind="number", width=12),
    Col("Đã nộp, chờ duyệt", kind="number", width=14),
    Col("Đã duyệt", kind="number", width=12),
    Col("Bị trả lại", kind="number", width=12),
    Col("Chưa có kế hoạch được duyệt", kind="number", width=18),
]


@login_required
@require_GET
@reporting()  # reads from the read replica when there is one
def progress_xlsx(request):
    """The progress table of the viewed unit as an .xlsx (one row per child unit and the total)."""
    unit, _roots = viewed_unit(request)
    year = PlanFilterForm(request.GET).values()["year"]
    total, rows = plan_progress(year, Subtree.of(unit))

    def cells_of(row, name: str):
        return (name, row.unit.code, row.expected, row.started, row.submitted, row.approved, row.returned,
                row.without_approved)  # fmt: skip

    lines = [cells_of(row, f"Trực tiếp tại {row.unit.name}" if row.is_root else row.unit.name) for row in rows]
    lines.append(cells_of(total, f"Tổng cộng: {unit.name}"))
    handle, _count = table_file(PROGRESS_COLUMNS, lines, sheet="Tiến độ kế hoạch cá nhân")
    export_log.info("user=%s exported plan progress unit=%s year=%s", request.user.username, unit.code, year)
    name = f"tien-do-ke-hoach-bdtx-{unit.code}-{school_year_label(year)}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


@login_required
@require_GET
@reporting()  # reads from the read replica when there is one
def progress_people_xlsx(request):
    """Who has no approved plan in the viewed unit (all of its subtree), to chase them: name order, contacts.
    Refused above EXPORT_INLINE_ROWS people with a message to choose a smaller unit."""
    unit, _roots = viewed_unit(request)
    year = PlanFilterForm(request.GET).values()["year"]
    people = without_approved_plan(year, Unit.objects.within(unit).values("pk"))
    count = people.count()
    if count > settings.EXPORT_INLINE_ROWS:
        messages.error(
            request,
            _(
                "%(count)d people have no approved plan in %(unit)s: choose a smaller unit (a commune or a school) "
                "to download the list."
            )
            % {"count": count, "unit": unit.name},
        )
        return redirect(reverse("plans:progress") + f"?unit={unit.pk}&year={school_year_label(year)}")
    handle, written = chase_workbook(
        people,
        status_header="Kế hoạch BDTX",
        status_of=lambda member: STATUS_WORDS.get(member.plan_status, member.plan_status),
        sheet="Chưa có kế hoạch được duyệt",
    )
    export_log.info(
        "user=%s exported no-approved-plan unit=%s year=%s rows=%d", request.user.username, unit.code, year, written
    )
    name = f"chua-co-ke-hoach-duoc-duyet-{unit.code}-{school_year_label(year)}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


urlpatterns = [
    path("demand/", demand_view, name="demand"),
    path("demand.xlsx", demand_xlsx, name="demand-xlsx"),
    path("progress/", progress_view, name="progress"),
    path("progress.xlsx", progress_xlsx, name="progress-xlsx"),
    path("progress-people.xlsx", progress_people_xlsx, name="progress-people-xlsx"),
]
