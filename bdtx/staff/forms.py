"""The staff forms. Every field is read by the same parser as the spreadsheet column
(bdtx.staff.validation.COLUMNS), so the form and the import can never disagree."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from bdtx.lib import cells
from bdtx.lib.cells import Invalid
from bdtx.lib.text import fold
from bdtx.organisations.forms import UnitChoiceField
from bdtx.organisations.models import Level

from .models import Gender, Qualification, StaffGroup, StaffMember, Status
from .services import EDITABLE_FIELDS
from .validation import COLUMN_BY_FIELD, COLUMNS, cross_field_problems

FIELD_BY_HEADER = {c.header: c.field for c in COLUMNS}
DATE_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
BLANK = [("", "—")]


def _text(label, *, required=False, **attrs):
    return forms.CharField(label=label, required=required, widget=forms.TextInput(attrs=attrs) if attrs else None)


class StaffForm(forms.Form):
    """One person's record. `unit` is asked only when the record is created; later moves are transfers."""

    code = _text(_("Staff code (mã định danh)"), required=True)
    full_name = _text(_("Full name"), required=True, autocomplete="name")
    birth_date = _text(_("Date of birth"), required=True, **DATE_ATTRS)
    gender = forms.ChoiceField(label=_("Gender"), choices=BLANK + Gender.choices, required=False)
    citizen_id = _text(_("Citizen ID (CCCD)"), inputmode="numeric", maxlength="14", autocomplete="off")
    ethnicity = _text(_("Ethnicity"))
    position = _text(_("Position"))
    group = forms.ChoiceField(label=_("Staff group"), choices=StaffGroup.choices, initial=StaffGroup.TEACHER)
    levels = forms.MultipleChoiceField(
        label=_("Levels taught"), choices=Level.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    subjects = _text(_("Subjects taught"))
    qualification = forms.ChoiceField(label=_("Qualification"), choices=BLANK + Qualification.choices, required=False)
    professional_title = _text(_("Professional title (hạng)"))
    is_core = forms.BooleanField(label=_("Core teacher (cốt cán)"), required=False)
    phone = _text(_("Phone"), inputmode="tel", autocomplete="off")
    email = _text(_("E-mail"), inputmode="email", autocomplete="off")
    joined_on = _text(_("Date joined the sector"), **DATE_ATTRS)
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, initial=Status.WORKING)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, instance: StaffMember | None = None, units=None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", initial_from(instance))
        super().__init__(*args, **kwargs)
        if instance is None:
            self.fields["unit"] = UnitChoiceField(units, label=_("Unit"))
            self.order_fields(["code", "full_name", "birth_date", "gender", "citizen_id", "unit"])

    def _parse(self, name: str):
        value = self.cleaned_data.get(name)
        if isinstance(value, list):
            value = ",".join(value)
        try:
            return COLUMN_BY_FIELD[name].parse(value)
        except Invalid as error:
            raise forms.ValidationError(str(error)) from None

    def clean_code(self):
        code = self._parse("code")
        others = StaffMember.objects.filter(code__iexact=code)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                _(
                    "Another person already has the staff code “%(code)s”. Check the code; if this person moved from "
                    "another unit, ask the Department to transfer their record."
                ),
                params={"code": code},
            )
        return code

    def clean_citizen_id(self):
        number = self._parse("citizen_id")
        if number:
            others = StaffMember.objects.filter(citizen_id=number)
            if self.instance is not None:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                raise forms.ValidationError(
                    _("Another person already has the citizen ID %(number)s. Check the number against the card."),
                    params={"number": number},
                )
        return number

    def clean(self):
        cleaned = super().clean()
        values = {name: cleaned[name] for name in EDITABLE_FIELDS if name in cleaned}
        already_wrong = set(self.errors)  # a field that could not be read gets no second opinion
        for header, message in cross_field_problems(values):
            name = FIELD_BY_HEADER.get(header)
            if name not in self.fields:
                self.add_error(None, message)
            elif name not in already_wrong:
                self.add_error(name, message)
        return cleaned

    def values(self) -> dict:
        """The cleaned record fields, as the services take them."""
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


def _clean_with_parser(name: str):
    def clean_field(self):
        return self._parse(name)

    clean_field.__name__ = f"clean_{name}"
    return clean_field


# clean_<field> for every other field: the column's parser (code and CCCD add a uniqueness check above).
for _name in EDITABLE_FIELDS:
    if not hasattr(StaffForm, f"clean_{_name}"):
        setattr(StaffForm, f"clean_{_name}", _clean_with_parser(_name))


def initial_from(member: StaffMember) -> dict:
    initial = {name: getattr(member, name) for name in EDITABLE_FIELDS}
    for name in ("birth_date", "joined_on"):
        initial[name] = initial[name].strftime("%d/%m/%Y") if initial[name] else ""
    initial["levels"] = [code for code in member.levels.split(",") if code]
    initial["citizen_id"] = member.citizen_id or ""
    initial["version"] = member.version
    return initial


class TransferForm(forms.Form):
    on = _text(_("From (date)"), required=True, **DATE_ATTRS)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=255, help_text=_("For example the decision number.")
    )
    # The record's version as the form read it: a transfer based on an old read is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, member: StaffMember, units, **kwargs):
        self.member = member
        kwargs.setdefault("initial", {})["version"] = member.version
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(units, label=_("New unit"))
        self.order_fields(["unit", "on", "note"])

    def clean_unit(self):
        unit = self.cleaned_data["unit"]
        if unit.pk == self.member.unit_id:
            raise forms.ValidationError(
                _("This person is already at %(unit)s. Choose another unit."), params={"unit": unit.name}
            )
        return unit

    def clean_on(self):
        try:
            return cells.date(self.cleaned_data["on"])
        except Invalid as error:
            raise forms.ValidationError(str(error)) from None


def accent_insensitive(text: str) -> str:
    """A regular expression matching `text` whatever its diacritics ("toan" finds "Toán")."""
    return "".join(_VARIANTS.get(ch, re.escape(ch)) for ch in fold(text))


_VARIANTS = {
    "a": "[aàáảãạăằắẳẵặâầấẩẫậ]",
    "d": "[dđ]",
    "e": "[eèéẻẽẹêềếểễệ]",
    "i": "[iìíỉĩị]",
    "o": "[oòóỏõọôồốổỗộơờớởỡợ]",
    "u": "[uùúủũụưừứửữự]",
    "y": "[yỳýỷỹỵ]",
}


class StaffFilterForm(forms.Form):
    """The staff list filters (a GET form: the URL is the state, and the export uses the same one)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("name, code, CCCD or e-mail"), "autocomplete": "off"}
        ),
    )
    level = forms.ChoiceField(label=_("Level"), choices=[("", _("All levels"))] + Level.choices, required=False)
    subject = forms.CharField(label=_("Subject"), required=False, max_length=60)
    group = forms.ChoiceField(
        label=_("Staff group"), choices=[("", _("All groups"))] + StaffGroup.choices, required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=[("all", _("All statuses"))] + Status.choices, required=False)

    def __init__(self, data, *, units, **kwargs):
        data = data.copy()
        data.setdefault("status", Status.WORKING.value)
        super().__init__(data, **kwargs)
        self.fields["unit"] = UnitChoiceField(
            units, label=_("Unit (and the units under it)"), required=False, empty_label=_("All my units")
        )
        self.order_fields(["q", "unit", "level", "subject", "group", "status"])

    def apply(self, staff):
        """Narrow a StaffMember queryset by the valid filters (an invalid one is shown, not applied)."""
        self.is_valid()  # fills cleaned_data with the fields that are valid
        data = self.cleaned_data
        if unit := data.get("unit"):
            staff = staff.within(unit)
        if level := data.get("level"):
            staff = staff.with_level(level)
        if subject := (data.get("subject") or "").strip():
            staff = staff.filter(subjects__iregex=accent_insensitive(subject))
        if group := data.get("group"):
            staff = staff.filter(group=group)
        status = data.get("status") or Status.WORKING
        if status != "all":
            staff = staff.filter(status=status)
        if q := (data.get("q") or "").strip():
            staff = staff.search(q)
        return staff

    def params(self) -> dict:
        return {k: v for k, v in self.data.items() if v and k != "page"}
