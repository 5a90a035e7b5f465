"""Pages of the module catalogue: everyone signed in reads the national modules and those their Sở added;
the Sở's officers (and system administrators) add and correct modules, set their periods, attach materials
and import or export the list as Excel. Outside that, an edit page does not exist (404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bdtx.lib.excel import XLSX_CONTENT_TYPE, table_file
from bdtx.lib.spreadsheet import UnusableFile
from bdtx.lib.text import fold
from bdtx.organisations.models import Level
from bdtx.rules.models import Criterion, Programme

from . import columns, importing, services
from .forms import ImportForm, MaterialForm, ModuleForm, PeriodsForm
from .models import ModuleMaterial, TrainingModule
from .permissions import can_edit_module, can_keep_catalog, province_units

PAGE_SIZE = 50


def _detail_url(module: TrainingModule) -> str:
    return reverse("catalog:detail", args=[module.pk])


def _visible(user):
    return TrainingModule.objects.visible_to(user).select_related("programme", "owner")


def _editable(request, pk: int) -> TrainingModule:
    """The module, if this user may change it; else it does not exist for them."""
    module = get_object_or_404(_visible(request.user), pk=pk)
    if not can_edit_module(request.user, module):
        raise Http404
    return module


def filtered(request) -> tuple[list[TrainingModule], dict]:
    """The visible modules that match the filters of the query string, and the filters as read."""
    query = {
        "q": request.GET.get("q", "").strip(),
        "programme": request.GET.get("programme", ""),
        "content": request.GET.get("content", ""),
        "level": request.GET.get("level", ""),
        "active": request.GET.get("active", "1"),
    }
    modules = _visible(request.user).prefetch_related(
        Prefetch("criteria", queryset=Criterion.objects.select_related("standard").order_by("standard__code", "number"))
    )
    if query["programme"]:
        modules = modules.filter(programme__code=query["programme"])
    if query["content"]:
        modules = modules.filter(content=query["content"])
    if query["active"] in ("0", "1"):
        modules = modules.filter(active=query["active"] == "1")
    result = list(modules.order_by("code"))
    # The catalogue is a few hundred modules at most: search and the JSON target are matched here, the same way
    # on every database, and without diacritics ("phong cach" finds "phong cách").
    if query["q"]:
        words = fold(query["q"]).split()
        result = [m for m in result if all(word in fold(f"{m.code} {m.title}") for word in words)]
    if query["level"]:
        result = [m for m in result if query["level"] in m.target.get("levels", [])]
    return result, query


@login_required
@require_GET
def module_list(request):
    modules, query = filtered(request)
    page = Paginator(modules, PAGE_SIZE).get_page(request.GET.get("page"))
    for module in page.object_list:
        module.levels_text = columns.levels_text(module.target)
    context = {
        "page": page,
        "count": len(modules),
        "query": query,
        "programmes": Programme.objects.order_by("code").only("code", "name"),
        "levels": Level.choices,
        "can_keep": can_keep_catalog(request.user),
        "querystring": request.GET.urlencode(),
    }
    template = "catalog/list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#rows"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def module_export(request):
    modules, _query = filtered(request)

    def rows():
        for module in modules:
            yield [
                module.code,
                module.title,
                module.programme.code,
                module.content,
                module.periods,
                columns.groups_text(module.target),
                columns.levels_text(module.target),
                columns.criteria_text(module.criteria.all()),
                module.objectives,
                "Có" if module.active else "Không",
            ]

    handle, _written = table_file(columns.EXPORT_COLUMNS, rows(), sheet="Mô đun")
    name = f"mo-dun-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


def _detail_page(request, pk: int, *, periods_form: PeriodsForm | None = None, status: int = 200):
    module = get_object_or_404(
        _visible(request.user).prefetch_related(
            Prefetch("criteria", queryset=Criterion.objects.select_related("standard").order_by("standard", "number")),
            Prefetch("materials", queryset=ModuleMaterial.objects.order_by("pk")),
        ),
        pk=pk,
    )
    can_edit = can_edit_module(request.user, module)
    context = {
        "module": module,
        "can_edit": can_edit,
        "levels": columns.levels_text(module.target),
        "groups": columns.groups_text(module.target),
        "material_form": MaterialForm() if can_edit else None,
        "periods_form": (periods_form or PeriodsForm.for_module(module)) if can_edit else None,
    }
    return render(request, "catalog/detail.html", context, status=status)


@login_required
@require_GET
def module_detail(request, pk: int):
    return _detail_page(request, pk)


@login_required
@require_http_methods(["GET", "POST"])
def module_new(request):
    units = province_units(request.user)
    if not units:
        raise Http404
    form = ModuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            module = services.create_module(
                by=request.user, owner=units[0], code=form.cleaned_data["code"], **form.values()
            )
        except services.CatalogError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Module %(code)s added.") % {"code": module.code})
            return redirect("catalog:detail", pk=module.pk)
    return render(request, "catalog/form.html", {"form": form, "module": None, "owner": units[0]})


@login_required
@require_http_methods(["GET", "POST"])
def module_edit(request, pk: int):
    module = _editable(request, pk)
    form = ModuleForm(request.POST or None, module=module)
    if request.method == "POST" and form.is_valid():
        code = None if module.owner_id is None else form.cleaned_data["code"]
        try:
            changed = services.update_module(
                module, by=request.user, code=code, stamp=form.cleaned_data["stamp"] or None, **form.values()
            )
        except services.CatalogError as error:
            form.add_error(None, str(error))
        else:
            if changed:
                messages.success(request, _("Module %(code)s saved.") % {"code": module.code})
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("catalog:detail", pk=module.pk)
    return render(request, "catalog/form.html", {"form": form, "module": module, "owner": module.owner})


@login_required
@require_POST
def module_periods(request, pk: int):
    module = _editable(request, pk)
    form = PeriodsForm(request.POST)
    if form.is_valid():
        try:
            services.update_module(
                module, by=request.user, periods=form.cleaned_data["periods"], stamp=form.cleaned_data["stamp"] or None
            )
        except services.CatalogError as error:
            # The page again, with the periods typed and the stamp it was loaded with: saving again is refused
            # until it is reloaded.
            messages.error(request, str(error))
            return _detail_page(request, pk, periods_form=form, status=409)
        if module.periods:
            messages.success(
                request, _("Module %(code)s: %(periods)d periods.") % {"code": module.code, "periods": module.periods}
            )
        else:
            messages.success(request, _("Module %(code)s: periods not set.") % {"code": module.code})
    else:
        messages.error(request, _("Periods: %(error)s") % {"error": " ".join(form.errors["periods"])})
    return redirect("catalog:detail", pk=module.pk)


@login_required
@require_POST
def module_active(request, pk: int):
    """Offer the module in plans (active=1) or stop offering it (active=0). The state wanted is posted, not
    "toggle": a click from an old page that asks for the state the module already has changes nothing."""
    module = _editable(request, pk)
    wanted = request.POST.get("active")
    if wanted not in ("0", "1"):
        messages.error(
            request, _("Say whether the module is offered (active=1) or not (active=0). Nothing was changed.")
        )
        return redirect("catalog:detail", pk=module.pk)
    if not services.set_active(module, wanted == "1", by=request.user):
        if module.active:
            messages.info(
                request,
                _("Module %(code)s is already offered in plans (someone else may have just changed it): nothing to do.")
                % {"code": module.code},
            )
        else:
            messages.info(
                request,
                _(
                    "Module %(code)s is already not offered in plans (someone else may have just changed it): "
                    "nothing to do."
                )
                % {"code": module.code},
            )
        return redirect("catalog:detail", pk=module.pk)
    if module.active:
        messages.success(request, _("Module %(code)s is offered in plans again.") % {"code": module.code})
    else:
        messages.success(
            request,
            _("Module %(code)s is no longer offered in plans; plans that chose it keep it.") % {"code": module.code},
        )
    return redirect("catalog:detail", pk=module.pk)


@login_required
@require_POST
def material_add(request, pk: int):
    module = _editable(request, pk)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            material = services.add_material(
                module,
                by=request.user,
                title=form.cleaned_data["title"],
                url=form.cleaned_data["url"],
                upload=form.cleaned_data["file"],
            )
        except services.CatalogError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Material “%(title)s” added.") % {"title": material.title})
            return redirect(f"{_detail_url(module)}#materials")
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return redirect(f"{_detail_url(module)}#materials")


def _material(request, pk: int) -> ModuleMaterial:
    return get_object_or_404(
        ModuleMaterial.objects.select_related("module__owner").filter(
            module__in=TrainingModule.objects.visible_to(request.user)
        ),
        pk=pk,
    )


@login_required
@require_GET
def material_file(request, pk: int):
    """A material's file, streamed only to those who see the module (files are never served directly)."""
    material = _material(request, pk)
    if not material.file:
        raise Http404
    inline = material.content_type in ("application/pdf", "image/png", "image/jpeg")
    return FileResponse(
        material.file.open("rb"),
        as_attachment=not inline,
        filename=material.file_name,
        content_type=material.content_type,
    )


@login_required
@require_POST
def material_remove(request, pk: int):
    material = _material(request, pk)
    if not can_edit_module(request.user, material.module):
        raise Http404
    services.remove_material(material, by=request.user)
    messages.success(request, _("Material “%(title)s” removed.") % {"title": material.title})
    return redirect(f"{_detail_url(material.module)}#materials")


@login_required
@require_http_methods(["GET", "POST"])
def module_import(request):
    units = province_units(request.user)
    if not units:
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome, rows = importing.check(upload.read(), upload.name, user=request.user)
        except UnusableFile as error:
            form.add_error("file", str(error))
        else:
            if outcome.errors:
                messages.error(
                    request, _("The file has errors; nothing was saved. Correct the rows below and upload it again.")
                )
            elif form.cleaned_data["check_only"]:
                messages.success(
                    request,
                    _("The file is valid (%(count)d rows). Untick “Only check” to save it.") % {"count": outcome.rows},
                )
            else:
                outcome = importing.apply(rows, user=request.user, owner=units[0])
                messages.success(
                    request,
                    _("Saved: %(created)d modules added, %(updated)d changed, %(unchanged)d unchanged.")
                    % {"created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged},
                )
                return redirect("catalog:list")
    return render(request, "catalog/import.html", {"form": form, "outcome": outcome, "headers": columns.HEADERS})
