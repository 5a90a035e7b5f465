"""Every write of the module catalogue: loading the national modules from their files, a Sở officer's modules
and corrections, materials, and the Excel import. The form, the import and the command all come here."""

import hashlib
import mimetypes
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.db import transaction
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from bdtx.rules.models import Criterion, Programme
from bdtx.rules.rulefiles import RuleFileError

from .models import ModuleMaterial, TrainingModule
from .modulefiles import ModuleFile

# The fields a file (or the import) sets; a field a person edited in the app is kept by load_modules.
MODULE_FIELDS = (
    "title", "title_confirmed", "programme", "content", "periods", "target", "criteria_inferred", "objectives",
    "active", "source",
)  # fmt: skip
EDITABLE = (*MODULE_FIELDS, "criteria")


@dataclass
class ModulesOutcome:
    """What loading one module file did."""

    file_name: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_edits: list[str] = field(default_factory=list)  # modules whose fields edited in the app were kept

    @property
    def message(self) -> str:
        message = _("%(file)s: %(created)d modules created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "file": self.file_name,
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
        }
        if self.kept_edits:
            message += " " + _("Changes made in the app were kept for %(codes)s.") % {
                "codes": ", ".join(self.kept_edits)
            }
        return message


def _resolve(module_file: ModuleFile) -> tuple[Programme | None, dict[int, Criterion], list[str]]:
    problems = []
    programme = Programme.objects.filter(code=module_file.programme).first()
    if programme is None:
        problems.append(
            _("%(file)s, key “programme”: there is no programme %(code)s. Load the programmes first (load_programmes).")
            % {"file": module_file.file_name, "code": module_file.programme}
        )
    criteria: dict[int, Criterion] = {}
    if module_file.standard:
        criteria = {c.number: c for c in Criterion.objects.filter(standard__code=module_file.standard)}
        if not criteria:
            problems.append(
                _("%(file)s, key “standard”: there is no standard %(code)s. Load the standards first (load_standards).")
                % {"file": module_file.file_name, "code": module_file.standard}
            )
        else:
            for data in module_file.modules:
                missing = [n for n in data["criteria"] if n not in criteria]
                if missing:
                    problems.append(
                        _("%(file)s, module %(module)s: the standard %(standard)s has no criterion %(numbers)s.")
                        % {
                            "file": module_file.file_name,
                            "module": data["code"],
                            "standard": module_file.standard,
                            "numbers": ", ".join(map(str, missing)),
                        }
                    )
    return programme, criteria, problems


@transaction.atomic
def load_module_files(files: list[ModuleFile]) -> list[ModulesOutcome]:
    """Create or update the national modules of checked files, matched by code; RuleFileError (nothing written)
    when a programme or criterion is missing or a code belongs to a module a Sở added. Never deletes a module;
    fields a person edited in the app (TrainingModule.edited_fields) stay as they are."""
    problems: list[str] = []
    resolved = []
    seen: dict[str, str] = {}
    for module_file in files:
        programme, criteria, found = _resolve(module_file)
        problems += found
        resolved.append((module_file, programme, criteria))
        for data in module_file.modules:
            key = data["code"].casefold()
            if key in seen:
                problems.append(
                    _("%(file)s: module %(code)s is also in %(other)s. Keep it in one file.")
                    % {"file": module_file.file_name, "code": data["code"], "other": seen[key]}
                )
            seen[key] = module_file.file_name
    codes = [data["code"] for module_file in files for data in module_file.modules]
    existing = {
        m.code.casefold(): m for m in TrainingModule.objects.filter(code__in=codes).prefetch_related("criteria")
    }
    for module in existing.values():
        if module.owner_id is not None:
            problems.append(
                _("Module %(code)s was added by a unit and is not a national module; rename one of them.")
                % {"code": module.code}
            )
    if problems:
        raise RuleFileError(problems)
    outcomes = []
    for module_file, programme, criteria in resolved:
        outcome = ModulesOutcome(module_file.file_name)
        for data in module_file.modules:
            values = {name: data[name] for name in MODULE_FIELDS if name != "programme"}
            values["programme"] = programme
            wanted = [criteria[n] for n in data["criteria"]]
            module = existing.get(data["code"].casefold())
            if module is None:
                module = TrainingModule.objects.create(code=data["code"], **values)
                module.criteria.set(wanted)
                outcome.created.append(module.code)
                continue
            kept = set(module.edited_fields)
            changed = [n for n in MODULE_FIELDS if n not in kept and _value(module, n) != _plain(values[n])]
            criteria_changed = "criteria" not in kept and {c.pk for c in module.criteria.all()} != {
                c.pk for c in wanted
            }
            if kept:
                outcome.kept_edits.append(module.code)
            if not changed and not criteria_changed:
                outcome.unchanged.append(module.code)
                continue
            for name in changed:
                setattr(module, name, values[name])
            if changed:
                module.save()
            if criteria_changed:
                module.criteria.set(wanted)
            outcome.updated.append(module.code)
        outcomes.append(outcome)
    return outcomes


def _value(module: TrainingModule, name: str):
    return module.programme_id if name == "programme" else getattr(module, name)


def _plain(value):
    return value.pk if isinstance(value, Programme) else value


# A Sở officer's modules and corrections ------------------------------------------------------------------


class CatalogError(Exception):
    """A refused change; the message says in the user's language what is wrong and what to do."""


# What a material file may be: documents, spreadsheets, slides, pictures, plain text (as for evidence).
MATERIAL_EXTENSIONS = (
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".odp", ".jpg", ".jpeg", ".png", ".txt",
)  # fmt: skip


def _check_code(code: str, module: TrainingModule | None) -> None:
    clash = TrainingModule.objects.filter(code__iexact=code)
    if module is not None:
        clash = clash.exclude(pk=module.pk)
    if clash.exists():
        raise CatalogError(_("Another module already has the code %(code)s. Choose another code.") % {"code": code})


def _check_content(values: dict) -> None:
    codes = set(values["programme"].contents.values_list("code", flat=True))
    if values["content"] not in codes:
        raise CatalogError(
            _("The programme %(programme)s has no content %(content)s; choose one of %(codes)s.")
            % {"programme": values["programme"].code, "content": values["content"], "codes": ", ".join(sorted(codes))}
        )


@transaction.atomic
def create_module(*, by, owner, code: str, criteria=(), **values) -> TrainingModule:
    """A module the Sở adds (owner = its unit); `values` are MODULE_FIELDS."""
    _check_code(code, None)
    _check_content(values)
    module = TrainingModule.objects.create(code=code, owner=owner, **values)
    module.criteria.set(criteria)
    return module


def module_stamp(module: TrainingModule) -> str:
    """A short fingerprint of the module as the edit form showed it (modules have no version number)."""
    shown = [module.code, *(_value(module, name) for name in MODULE_FIELDS)]
    shown.append(sorted(module.criteria.values_list("pk", flat=True)))
    return hashlib.sha256(repr(shown).encode()).hexdigest()[:16]


@transaction.atomic
def update_module(
    module: TrainingModule, *, by, code: str | None = None, criteria=None, stamp: str | None = None, **values
) -> list[str]:
    """Change a module; the names of the fields that changed. On a national module they are remembered in
    edited_fields, so that load_modules keeps them. With `stamp` (what the form showed), refused if someone
    changed the module since."""
    if stamp is not None and module_stamp(TrainingModule.objects.select_for_update().get(pk=module.pk)) != stamp:
        raise CatalogError(
            _("Someone else changed this module after you opened it. Reload the page and make your change again.")
        )
    changed = []
    if code is not None and code != module.code:
        if module.owner_id is None:
            raise CatalogError(_("The code of a national module cannot change; it comes from the circular."))
        _check_code(code, module)
        module.code = code
        changed.append("code")
    if "programme" in values or "content" in values:
        _check_content(
            {"programme": values.get("programme", module.programme), "content": values.get("content", module.content)}
        )
    for name, value in values.items():
        if name not in MODULE_FIELDS:
            raise TypeError(name)
        if _value(module, name) != _plain(value):
            setattr(module, name, value)
            changed.append(name)
    if criteria is not None:
        wanted = {criterion.pk for criterion in criteria}
        if wanted != set(module.criteria.values_list("pk", flat=True)):
            module.criteria.set(criteria)
            changed.append("criteria")
    if module.owner_id is None:
        module.edited_fields = sorted(set(module.edited_fields) | (set(changed) & set(EDITABLE)))
    if changed:
        module.save()
    return changed


@transaction.atomic
def set_active(module: TrainingModule, active: bool, *, by) -> bool:
    """Offer the module for plans again, or stop offering it (plans that chose it keep it). Sets the state asked
    for, never flips it: False (nothing written) if the module already has it."""
    current = TrainingModule.objects.select_for_update().get(pk=module.pk)
    changed = bool(update_module(current, by=by, active=active))
    module.active, module.edited_fields = current.active, current.edited_fields
    return changed


@transaction.atomic
def add_material(module: TrainingModule, *, by, title: str, url: str = "", upload=None) -> ModuleMaterial:
    """A file (kept under MEDIA_ROOT, served only through a view that checks scope) or a link."""
    title = " ".join(title.split())
    if not title:
        raise CatalogError(_("Give the material a title (field “Title”)."))
    if not (url.strip() or upload):
        raise CatalogError(_("Give a link or attach a file."))
    material = ModuleMaterial(module=module, title=title[:200], url=url.strip(), added_by=by)
    if upload is not None:
        name = get_valid_filename(PurePath(upload.name).name) or "hoc-lieu"
        extension = PurePath(name).suffix.lower()
        if extension not in MATERIAL_EXTENSIONS:
            raise CatalogError(
                _("“%(name)s”: this kind of file is not accepted. Use one of: %(kinds)s.")
                % {"name": upload.name, "kinds": ", ".join(MATERIAL_EXTENSIONS)}
            )
        if upload.size == 0:
            raise CatalogError(_("“%(name)s” is empty.") % {"name": upload.name})
        if upload.size > settings.EVIDENCE_MAX_BYTES:
            raise CatalogError(
                _("“%(name)s” is %(size)s MB; a file may be at most %(limit)s MB. Compress it or give a link.")
                % {
                    "name": upload.name,
                    "size": f"{upload.size / 1_048_576:.1f}",
                    "limit": settings.EVIDENCE_MAX_BYTES // 1_048_576,
                }
            )
        material.file_name = name[:200]
        material.size = upload.size
        # The type is ours, from the extension: what the browser claims is not trusted when serving it back.
        material.content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        material.file.save(name, upload, save=False)
    material.save()
    return material


def remove_material(material: ModuleMaterial, *, by) -> None:
    stored = material.file.name
    material.delete()
    if stored:
        material.file.storage.delete(stored)
