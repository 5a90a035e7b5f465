import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from bdtx.accounts import permissions
from bdtx.lib.excel import XLSX_CONTENT_TYPE, Col, table_file

from . import services
from .forms import UnitForm
from .importing import KIND_LABELS  # the unit columns' labels (CONTRACTS.md): data, not translated
from .models import Unit, UnitKind

export_log = logging.getLogger("bdtx.exports")

LEVEL_LABELS = {"mam_non": "Mầm non", "tieu_hoc": "Tiểu học", "thcs": "THCS", "thpt": "THPT", "gdtx": "GDTX"}
EXPORT_COLUMNS = [
    Col("Mã đơn vị", width=14),
    Col("Tên đơn vị", width=44),
    Col("Loại đơn vị", width=18),
    Col("Mã đơn vị cấp trên", width=18),
    Col("Cấp học", width=22),
]
# Staff counted in the tree are the ones at work (the staff list shows them by default too).
WORKING = "working"


def root_units(user) -> list[Unit]:
    """The top of what the user sees: the units where they hold roles, without those inside another."""
    if getattr(user, "is_superuser", False):
        return list(Unit.objects.filter(parent=None).order_by("name"))
    units = {r.unit.pk: r.unit for r in permissions.roles_of(user)}.values()
    roots = [u for u in units if not any(u.pk != o.pk and u.is_within(o) for o in units)]
    return sorted(roots, key=lambda u: u.path)


def staff_counts(nodes: list[Unit]) -> dict[int, int]:
    """Working staff in each node's subtree, in one grouped query for the whole list of nodes."""
    if not nodes:
        return {}
    ids = {node.pk for node in nodes}
    totals = dict.fromkeys(ids, 0)
    per_unit = (
        Unit.objects.within_any(nodes)
        .filter(staff__status=WORKING)
        .values("path")
        .annotate(n=Count("staff"))
        .order_by()
    )
    for row in per_unit:
        for pk in (int(part) for part in row["path"].strip("/").split("/")):
            if pk in ids:
                totals[pk] += row["n"]
                break
    return totals


def with_counts(nodes: list[Unit]) -> list[Unit]:
    counts = staff_counts(nodes)
    for node in nodes:
        node.staff_count = counts.get(node.pk, 0)
    return nodes


def children_of(unit: Unit) -> list[Unit]:
    children = list(Unit.objects.filter(parent=unit).annotate(child_count=Count("children")).order_by("name", "pk"))
    return with_counts(children)


@login_required
@require_GET
def tree(request):
    """The user's units, each opening onto its children (loaded on demand)."""
    roots = root_units(request.user)
    if roots:
        child_counts = dict(
            Unit.objects.filter(parent__in=roots).values("parent").annotate(n=Count("pk")).values_list("parent", "n")
        )
        for root in roots:
            root.child_count = child_counts.get(root.pk, 0)
    return render(request, "organisations/tree.html", {"nodes": with_counts(roots)})


@login_required
@require_GET
def children(request, pk: int):
    """The children of one unit as tree nodes (the htmx partial of the tree)."""
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=pk)
    return render(request, "organisations/tree.html#nodes", {"nodes": children_of(unit), "parent": unit})


@login_required
@require_GET
def detail(request, pk: int):
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=pk)
    ancestors = unit.ancestors()
    in_scope = set(
        Unit.objects.visible_to(request.user).filter(pk__in=[a.pk for a in ancestors]).values_list("pk", flat=True)
    )
    kids = children_of(unit)
    unit.staff_count = staff_counts([unit])[unit.pk]
    moves = unit.moves.select_related("old_parent", "new_parent", "moved_by")[:50]
    return render(
        request,
        "organisations/detail.html",
        {
            "unit": unit,
            "crumbs": [(a, a.pk in in_scope) for a in ancestors],
            "children": kids,
            "moves": moves,
            "can_edit": permissions.can_edit_unit_tree(request.user, unit),
            "can_add_child": permissions.can_add_unit_under(request.user, unit),
            "can_see_staff": permissions.can_manage_unit(request.user, unit),
        },
    )


@login_required
def create(request, pk: int):
    """A new unit under unit `pk` (officers above it and system administrators)."""
    parent = get_object_or_404(Unit.objects.visible_to(request.user), pk=pk)
    if not permissions.can_add_unit_under(request.user, parent):
        raise PermissionDenied
    form = UnitForm(
        request.POST or None,
        parents=permissions.units_accepting_children(request.user),
        initial={"parent": parent, "kind": UnitKind.SCHOOL, "active": True},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = services.create_unit(
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            parent=data["parent"],
            levels=data["levels"],
            active=data["active"],
        )
        messages.success(request, _("Unit “%(name)s” created.") % {"name": unit.name})
        return redirect("organisations:detail", pk=unit.pk)
    return render(request, "organisations/form.html", {"form": form, "parent": parent, "unit": None})


@login_required
def edit(request, pk: int):
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=pk)
    if not permissions.can_edit_unit_tree(request.user, unit):
        raise PermissionDenied
    form = UnitForm(request.POST or None, parents=permissions.units_accepting_children(request.user), instance=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_unit(
                unit,
                by=request.user,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                levels=data["levels"],
                active=data["active"],
                parent=data["parent"],
                stamp=data["stamp"] or None,
            )
        except services.TreeError as error:
            form.add_error("parent", str(error))
        except services.StaleUnit as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Unit “%(name)s” saved.") % {"name": unit.name})
            return redirect("organisations:detail", pk=unit.pk)
    return render(request, "organisations/form.html", {"form": form, "parent": unit.parent, "unit": unit})


@login_required
@require_GET
def export(request):
    """The units in scope (or under ?unit=CODE) as an .xlsx with the unit import columns."""
    units = Unit.objects.visible_to(request.user)
    code = request.GET.get("unit", "").strip()
    if code:
        top = units.filter(code=code).first()
        if top is None:
            raise Http404
        units = units.within(top)
    rows = (
        (
            row["code"],
            row["name"],
            KIND_LABELS.get(row["kind"], ""),
            row["parent__code"] or "",
            ", ".join(LEVEL_LABELS.get(c, c) for c in row["levels"].split(",") if c),
        )
        for row in units.order_by("path")
        .values("code", "name", "kind", "parent__code", "levels")
        .iterator(chunk_size=2000)
    )
    handle, count = table_file(EXPORT_COLUMNS, rows, sheet="Đơn vị")
    export_log.info("user=%s exported units filters=%s rows=%d", request.user.username, {"unit": code}, count)
    name = f"don-vi-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)
