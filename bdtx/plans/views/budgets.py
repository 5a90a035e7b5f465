"""The province's rate card (TT 36/2018 categories, rates set by its HĐND) and the budget of a unit plan: lines
of quantity × rate, totals by category, the roll-up of the approved plans below, and its Excel."""

import logging
import re
import tempfile
from decimal import Decimal, InvalidOperation

import xlsxwriter
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from bdtx.accounts import permissions
from bdtx.lib.excel import XLSX_CONTENT_TYPE
from bdtx.organisations.models import Unit
from bdtx.rules.costs import cost_rules, format_money, parse_money

from .. import services
from ..models import BudgetLine, CostCategory, CostRate, UnitPlan
from ..permissions import can_edit_rates, can_read_budget, can_write_unit_plan
from ..reports import budget_by_category, budget_roll_up

export_log = logging.getLogger("bdtx.exports")
_THOUSANDS = re.compile(r"\d{1,3}(\.\d{3})+(,\d+)?")
MONEY_ATTRS = {"inputmode": "numeric", "autocomplete": "off", "placeholder": "1.200.000"}


# Forms (used by these views only) ------------------------------------------------------------------------


def _money(value: str, label: str, *, required: bool = True) -> int | None:
    if not value.strip():
        if required:
            raise forms.ValidationError(_("Type the sum in đồng (field “%(field)s”).") % {"field": label})
        return None
    amount = parse_money(value)
    if amount is None:
        raise forms.ValidationError(
            _("“%(value)s” is not a sum in đồng. Type digits only, for example 1.200.000 or 1200000.")
            % {"value": value.strip()}
        )
    return amount


class RateForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=CostCategory.choices)
    label = forms.CharField(
        label=gettext_lazy("Label"),
        max_length=200,
        help_text=gettext_lazy("For example “Báo cáo viên cấp tỉnh” or “Hỗ trợ tiền ăn học viên”."),
    )
    per = forms.CharField(
        label=gettext_lazy("Per"), max_length=60, help_text=gettext_lazy("For example người/buổi, học viên/ngày.")
    )
    max_rate = forms.CharField(
        label=gettext_lazy("Maximum rate (đồng)"), max_length=20, widget=forms.TextInput(attrs=MONEY_ATTRS)
    )
    source = forms.CharField(
        label=gettext_lazy("Resolution"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("The HĐND resolution that sets it, for example “Nghị quyết 52/2018/NQ-HĐND”."),
    )
    # The version of the rate the form was loaded with: a save over someone else's change is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_max_rate(self):
        return _money(self.cleaned_data["max_rate"], str(self.fields["max_rate"].label))


class RateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, rate: CostRate) -> str:
        return f"{rate.get_category_display()} · {rate.label}: ≤ {format_money(rate.max_rate)}/{rate.per}"


class BudgetLineForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=CostCategory.choices)
    rate_card = RateChoiceField(
        queryset=CostRate.objects.none(),
        label=gettext_lazy("Rate card"),
        required=False,
        empty_label="—",
        help_text=gettext_lazy("The province's rate for this kind of spending; the rate may not exceed it."),
    )
    description = forms.CharField(label=gettext_lazy("Details"), max_length=255)
    quantity = forms.CharField(
        label=gettext_lazy("Quantity"),
        max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    unit_label = forms.CharField(
        label=gettext_lazy("Unit of measure"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("For example buổi, học viên, bộ."),
    )
    rate = forms.CharField(
        label=gettext_lazy("Rate (đồng)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs=MONEY_ATTRS),
        help_text=gettext_lazy("Leave empty to use the maximum of the chosen rate card."),
    )
    course_ref = forms.CharField(
        label=gettext_lazy("Class"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("The class this line pays for (its code or name), if any."),
    )
    # The version of the line the form was loaded with: a save over someone else's change is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, rates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rate_card"].queryset = rates

    def clean_quantity(self):
        # Vietnamese writing: a dot groups thousands ("1.500"), a comma marks decimals ("1,5"); "1.5" reads as 1,5.
        raw = self.cleaned_data["quantity"].strip()
        typed = raw.replace(" ", "")
        if _THOUSANDS.fullmatch(typed):
            typed = typed.replace(".", "")
        try:
            value = Decimal(typed.replace(",", "."))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value.as_tuple().exponent < -2 or value >= 10**8:
            raise forms.ValidationError(
                _("“%(value)s” is not a quantity. Type a number, with at most two decimals (for example 3 or 1,5).")
                % {"value": raw}
            )
        return value

    def clean_rate(self):
        return _money(self.cleaned_data["rate"], str(self.fields["rate"].label), required=False)

    def clean(self):
        data = super().clean()
        if data.get("rate_card") is not None:
            data["category"] = data["rate_card"].category  # a rate of the card says its category
        return data


# Rate card -----------------------------------------------------------------------------------------------


def provinces_of(user) -> list[Unit]:
    """The tops of the trees where the user manages something (a superuser: every tree)."""
    if getattr(user, "is_superuser", False):
        return list(Unit.objects.filter(parent=None).order_by("path"))
    top_ids = {unit.ancestor_ids()[0] for unit in permissions.managed_units(user)}
    return list(Unit.objects.filter(pk__in=top_ids).order_by("path"))


def _pick(queryset, raw: str):
    return queryset.filter(pk=int(raw)).first() if raw.isdigit() else None


@login_required
def rates(request):
    """The province's rates per TT 36/2018 category with the HĐND resolution; its officers edit them, everyone
    managing reads them (they price the budgets)."""
    provinces = provinces_of(request.user)
    if not provinces:
        raise Http404
    raw = request.GET.get("province", "")
    province = next((p for p in provinces if str(p.pk) == raw), provinces[0])
    can_edit = can_edit_rates(request.user, province)
    card = CostRate.objects.filter(unit=province).order_by("category", "label", "pk")
    editing = _pick(card, request.GET.get("edit", "")) if can_edit else None
    query = f"?province={province.pk}" if len(provinces) > 1 else ""
    form, status = None, 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if "delete" in request.POST:
            rate = _pick(card, request.POST["delete"])
            if rate is None:
                raise Http404
            services.delete_rate(rate)
            messages.success(request, _("The rate “%(label)s” has been removed.") % {"label": rate.label})
            return redirect(reverse("plans:rates") + query)
        editing = _pick(card, request.POST.get("rate", ""))
        form = RateForm(request.POST)
        if request.POST.get("rate") and editing is None:
            # The rate being changed was removed meanwhile: saving would quietly add it back as a new one.
            form.add_error(None, rate_removed_message())
            status = 409
        elif form.is_valid():
            data = dict(form.cleaned_data)
            expected_version = data.pop("version")
            try:
                saved = services.save_rate(unit=province, rate=editing, expected_version=expected_version, **data)
            except services.PlanError as error:
                form.add_error(None, str(error))
                status = 409 if isinstance(error, services.Stale) else 200
            else:
                messages.success(request, _("The rate “%(label)s” has been saved.") % {"label": saved.label})
                return redirect(reverse("plans:rates") + query)
    if form is None and can_edit:
        initial = {}
        if editing is not None:
            initial = {
                "category": editing.category,
                "label": editing.label,
                "per": editing.per,
                "max_rate": format_money(editing.max_rate).removesuffix(" đ"),
                "source": editing.source,
                "version": editing.version,
            }
        form = RateForm(initial=initial)
    rules = cost_rules()
    grouped = []
    for code, label in CostCategory.choices:
        rule = rules.categories.get(code)
        grouped.append(
            {
                "code": code,
                "label": label,
                "rule": rule,
                "cap": format_money(rule.national_cap) if rule and rule.national_cap else "",
                "rates": [r for r in card if r.category == code],
            }
        )
    return render(
        request,
        "plans/budgets_rates.html",
        {
            "province": province,
            "provinces": provinces,
            "can_edit": can_edit,
            "form": form,
            "editing": editing,
            "groups": grouped,
            "rules": rules,
            "query": query,
        },
        status=status,
    )


def rate_removed_message() -> str:
    return _(
        "The rate you were changing was removed by someone else since you opened this page. Reload the page to see "
        "the rate card as it is now; add the rate again if it is still needed."
    )


# The budget of a unit plan -------------------------------------------------------------------------------


def _plan(request, pk: int) -> UnitPlan:
    """The plan if the user may read its budget: the unit's managers and those above it; else 404."""
    plan = get_object_or_404(UnitPlan.objects.visible_to(request.user).select_related("unit"), pk=pk)
    if not can_read_budget(request.user, plan.unit):
        raise Http404
    return plan


def _line_initial(line: BudgetLine) -> dict:
    return {
        "category": line.category,
        "rate_card": line.rate_card_id,
        "description": line.description,
        "quantity": f"{line.quantity.normalize():f}".replace(".", ","),
        "unit_label": line.unit_label,
        "rate": format_money(line.rate).removesuffix(" đ"),
        "course_ref": line.course_ref,
        "version": line.version,
    }


@login_required
def budget(request, pk: int):
    """A unit plan's budget: lines by TT 36/2018 category with their totals, and the approved plans below
    rolled up by unit. The unit's own managers add, change and remove lines while the plan is a draft or
    returned; the levels above read it."""
    plan = _plan(request, pk)
    user = request.user
    may_write = can_write_unit_plan(user, plan.unit)
    can_edit = may_write and services.budget_editable(plan)
    rates = CostRate.objects.filter(unit_id=services.province_id(plan.unit)).order_by("category", "label", "pk")
    lines = BudgetLine.objects.filter(plan=plan)
    editing = _pick(lines, request.GET.get("edit", "")) if can_edit else None
    form, status = None, 200
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied
        if not can_edit:
            messages.error(
                request, _("The plan was submitted; its budget can change again only if the level above returns it.")
            )
            return redirect("plans:budget", pk=plan.pk)
        if "delete" in request.POST:
            line = _pick(lines, request.POST["delete"])
            if line is None:
                raise Http404
            services.delete_budget_line(line, by=user)
            messages.success(request, _("The line “%(line)s” has been removed.") % {"line": line.description})
            return redirect("plans:budget", pk=plan.pk)
        editing = _pick(lines, request.POST.get("line", ""))
        form = BudgetLineForm(request.POST, rates=rates)
        if request.POST.get("line") and editing is None:
            # The line being changed was removed meanwhile: saving would quietly add it back as a new line.
            form.add_error(None, services.line_changed_message(request.POST.get("description", "").strip()))
            status = 409
        elif form.is_valid():
            data = dict(form.cleaned_data)
            expected_version = data.pop("version")
            try:
                saved = services.save_budget_line(
                    plan, by=user, line=editing, expected_version=expected_version, **data
                )
            except services.PlanError as error:
                form.add_error(None, str(error))
                status = 409 if isinstance(error, services.Stale) else 200
            else:
                messages.success(request, _("The line “%(line)s” has been saved.") % {"line": saved.description})
                return redirect(reverse("plans:budget", args=[plan.pk]) + "#lines")
    if form is None and can_edit:
        form = BudgetLineForm(initial=_line_initial(editing) if editing else {}, rates=rates)
    categories = budget_by_category(plan)
    below, roll_up = budget_roll_up(plan)
    own_total = sum(category.total for category in categories)
    roll_codes = [code for code, _label in CostCategory.choices if below.by_category.get(code)]
    labels = [dict(CostCategory.choices)[code] for code in roll_codes]
    return render(
        request,
        "plans/budgets_page.html",
        {
            "plan": plan,
            "categories": categories,
            "own_total": own_total,
            "below": below,
            "roll_up": [
                (
                    row.unit,
                    row.totals.plans,
                    list(zip(labels, row.totals.amounts(roll_codes), strict=True)),
                    row.totals.total,
                )
                for row in roll_up
            ],
            "roll_labels": labels,
            "below_amounts": below.amounts(roll_codes),
            "grand_total": own_total + below.total,
            "form": form,
            "editing": editing,
            "can_edit": can_edit,
            "may_write": may_write,
            "has_rates": rates.exists(),
            "reward_cap": cost_rules().cap(CostCategory.REWARDS),
        },
        status=status,
    )


MONEY = "#,##0"


def budget_workbook(plan: UnitPlan, target) -> None:
    """The budget as .xlsx: its lines by category with subtotals and the total, then the approved plans below
    by unit. Vietnamese headers (spreadsheet words are data, CONTRACTS.md); sums as numbers in money format."""
    categories = budget_by_category(plan)
    below, roll_up = budget_roll_up(plan)
    names = {code: rule.name_vi for code, rule in cost_rules().categories.items()}
    workbook = xlsxwriter.Workbook(target, {"in_memory": False, "strings_to_numbers": False})
    try:
        bold = workbook.add_format({"bold": True})
        title = workbook.add_format({"bold": True, "font_size": 13})
        header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        money = workbook.add_format({"num_format": MONEY})
        money_bold = workbook.add_format({"num_format": MONEY, "bold": True})
        text = workbook.add_format({"num_format": "@"})

        sheet = workbook.add_worksheet("Dự toán kinh phí")
        sheet.write_string(0, 0, f"Dự toán kinh phí: {plan.title}", title)
        sheet.write_string(1, 0, f"Đơn vị: {plan.unit.name} · Năm học {plan.school_year}")
        headers = ["STT", "Nội dung chi", "Diễn giải", "Số lượng", "Đơn vị tính", "Đơn giá (đồng)", "Thành tiền (đồng)"]
        headers.append("Lớp bồi dưỡng")
        for col, (name, width) in enumerate(zip(headers, (6, 28, 40, 10, 14, 16, 18, 18), strict=True)):
            sheet.set_column(col, col, width)
            sheet.write_string(3, col, name, header)
        row, number = 4, 0
        for category in categories:
            for line in category.lines:
                number += 1
                sheet.write_number(row, 0, number)
                sheet.write_string(row, 1, names.get(category.code, category.code), text)
                sheet.write_string(row, 2, line.description, text)
                sheet.write_number(row, 3, float(line.quantity))
                sheet.write_string(row, 4, line.unit_label, text)
                sheet.write_number(row, 5, line.rate, money)
                sheet.write_number(row, 6, line.amount, money)
                if line.course_ref:
                    sheet.write_string(row, 7, line.course_ref, text)
                row += 1
            sheet.write_string(row, 2, f"Cộng: {names.get(category.code, category.code)}", bold)
            sheet.write_number(row, 6, category.total, money_bold)
            row += 1
        sheet.write_string(row, 2, "TỔNG CỘNG", bold)
        sheet.write_number(row, 6, sum(c.total for c in categories), money_bold)
        sheet.freeze_panes(4, 0)

        sheet = workbook.add_worksheet("Tổng hợp cấp dưới")
        codes = [code for code, _label in CostCategory.choices if below.by_category.get(code)]
        sheet.write_string(
            0, 0, f"Kinh phí các kế hoạch đã duyệt của đơn vị cấp dưới · Năm học {plan.school_year}", title
        )
        headers = ["Đơn vị", "Mã đơn vị", "Số kế hoạch", *[names.get(c, c) for c in codes], "Tổng cộng (đồng)"]
        for col, name in enumerate(headers):
            sheet.set_column(col, col, 36 if col == 0 else 16)
            sheet.write_string(2, col, name, header)
        row = 3
        for line in roll_up:
            sheet.write_string(row, 0, line.unit.name, text)
            sheet.write_string(row, 1, line.unit.code, text)
            sheet.write_number(row, 2, line.totals.plans)
            for col, amount in enumerate(line.totals.amounts(codes), start=3):
                sheet.write_number(row, col, amount, money)
            sheet.write_number(row, 3 + len(codes), line.totals.total, money)
            row += 1
        sheet.write_string(row, 0, "TỔNG CỘNG", bold)
        sheet.write_number(row, 2, below.plans, bold)
        for col, amount in enumerate(below.amounts(codes), start=3):
            sheet.write_number(row, col, amount, money_bold)
        sheet.write_number(row, 3 + len(codes), below.total, money_bold)
        sheet.freeze_panes(3, 1)
    finally:
        workbook.close()


@login_required
@require_GET
def budget_xlsx(request, pk: int):
    """The budget and the roll-up below it as an .xlsx (who exported it is logged)."""
    plan = _plan(request, pk)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response that streams it
    budget_workbook(plan, handle)
    handle.seek(0)
    export_log.info("user=%s exported budget plan=%s unit=%s", request.user.username, plan.pk, plan.unit.code)
    name = f"du-toan-kinh-phi-{plan.unit.code}-{plan.year}-{plan.year + 1}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


urlpatterns = [
    path("rates/", rates, name="rates"),
    path("unit-plans/<int:pk>/budget/", budget, name="budget"),
    path("unit-plans/<int:pk>/budget.xlsx", budget_xlsx, name="budget-xlsx"),
]
