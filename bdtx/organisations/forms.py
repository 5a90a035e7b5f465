from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Level, Unit, UnitKind
from .services import unit_stamp

# Above this many units a drop-down gets too heavy for a phone: the unit is typed by its code instead.
SELECT_LIMIT = 500


class UnitChoiceField(forms.ModelChoiceField):
    """A unit among `queryset`, chosen by its code: a drop-down for a few hundred units, a code box beyond."""

    default_error_messages = {
        "invalid_choice": _(
            "No unit with the code “%(value)s” among your units. Check the code (e.g. on the unit page)."
        ),
    }

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("empty_label", _("— choose a unit —"))
        super().__init__(queryset.order_by("path"), **kwargs)
        # A light query decides the widget; only when the units are few are they loaded for the options.
        self._by_code: dict[str, Unit] | None = None
        if self.queryset[SELECT_LIMIT : SELECT_LIMIT + 1].exists():
            self.widget = forms.TextInput(attrs={"placeholder": _("unit code"), "autocomplete": "off"})
            if not self.help_text:
                self.help_text = _("Type the unit code, as shown on the unit page.")
        else:
            few = list(self.queryset)
            self._by_code = {unit.code: unit for unit in few}
            self.choices = [("", self.empty_label or "")] + [(u.code, self.label_from_instance(u)) for u in few]

    def to_python(self, value):
        value = value.strip() if isinstance(value, str) else value
        if self._by_code is None or value in self.empty_values:
            return super().to_python(value)
        if value in self._by_code:
            return self._by_code[value]
        raise forms.ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )

    def label_from_instance(self, obj: Unit) -> str:
        return f"{'— ' * obj.depth}{obj.name} ({obj.code})"


class UnitForm(forms.Form):
    code = forms.CharField(label=_("Unit code"), max_length=40)
    name = forms.CharField(label=_("Unit name"), max_length=255)
    kind = forms.ChoiceField(label=_("Unit kind"), choices=UnitKind.choices)
    levels = forms.MultipleChoiceField(
        label=_("Levels"), choices=Level.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    # What the form showed (services.unit_stamp): a save based on an old read is refused.
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, parents, instance: Unit | None = None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "code": instance.code,
                    "name": instance.name,
                    "kind": instance.kind,
                    "levels": instance.level_list,
                    "active": instance.active,
                    "parent": instance.parent,
                    "stamp": unit_stamp(instance),
                },
            )
        super().__init__(*args, **kwargs)
        if instance is not None:
            parents = parents.exclude(path__startswith=instance.path)
        self.fields["parent"] = UnitChoiceField(parents, label=_("Parent unit"))
        self.order_fields(["code", "name", "kind", "levels", "parent", "active"])

    def clean_code(self):
        code = self.cleaned_data["code"].strip().replace(" ", "")
        if not code:
            raise forms.ValidationError(_("Type a unit code."))
        others = Unit.objects.filter(code__iexact=code)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                _("The code “%(code)s” is already used by another unit. Choose another."), params={"code": code}
            )
        return code

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Type the unit's name."))
        return name

    def clean_levels(self):
        chosen = self.cleaned_data["levels"]
        return ",".join(code for code, _label in Level.choices if code in chosen)
