"""Forms of classes, sessions, the presenters' register and enrolment: parsing and per-field checks, with messages
that name the field and say how to fix it. The writes themselves are in services.py."""

import datetime as dt
import re

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bdtx.accounts import permissions as account_permissions
from bdtx.catalog.models import TrainingModule
from bdtx.lib import cells
from bdtx.lib.text import clean
from bdtx.organisations.forms import UnitChoiceField
from bdtx.organisations.models import Unit
from bdtx.plans.models import PlanTopic
from bdtx.plans.permissions import unit_plans_in_scope
from bdtx.rules.completion import completion_rule
from bdtx.staff.forms import accent_insensitive
from bdtx.staff.models import StaffMember

from .models import ClassStatus, Mode, Trainer, TrainingClass
from .permissions import trainers_in_scope
from .services import linkable_users, session_stamp, trainer_gaps, trainer_stamp

DATE_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off", "size": 10}
TIME_ATTRS = {"placeholder": "hh:mm", "inputmode": "numeric", "autocomplete": "off", "size": 6}
NUMBER_ATTRS = {"inputmode": "numeric", "class": "short-number"}
_SCHOOL_YEAR = re.compile(r"^(\d{4})\s*[-–/]\s*(\d{4})$")
_TIME = re.compile(r"^(\d{1,2})\s*(?:[:hg.]\s*(\d{1,2})?)?\s*(?:ph(?:ut)?)?$", re.IGNORECASE)

CONTENT_CHOICES = [
    ("01", gettext_lazy("01 – set by the Ministry")),
    ("02", gettext_lazy("02 – set by the Sở")),
    ("03", gettext_lazy("03 – modules chosen by each person")),
]


def school_year(raw: str) -> int:
    """ "2027-2028" or "2027" → 2027; anything else raises ValidationError with the way to type it."""
    raw = clean(raw)
    match = _SCHOOL_YEAR.match(raw)
    first = int(match.group(1)) if match else int(raw) if raw.isdigit() and len(raw) == 4 else None
    if first is None or (match and int(match.group(2)) != first + 1) or not 2000 <= first <= 2100:
        raise forms.ValidationError(
            _("“%(value)s” is not a school year. Type it as 2026-2027 (two years that follow each other).")
            % {"value": raw}
        )
    return first


def clock_time(raw: str, label: str) -> dt.time:
    """ "7:30", "07h30", "7h" → a time; a message naming the field otherwise."""
    match = _TIME.match(clean(raw))
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise forms.ValidationError(
        _("%(field)s: “%(value)s” is not a time. Type it as hh:mm, for example 07:30.")
        % {"field": label, "value": clean(raw)}
    )


def form_date(raw: str) -> dt.date | None:
    try:
        return cells.date(raw, allow_future=True)
    except cells.Invalid as error:
        raise forms.ValidationError(str(error)) from None


def visible_units(user):
    """Units whose classes a user may see listed: their units and the units above them."""
    reach = [role.unit for role in account_permissions.roles_of(user)]
    own = getattr(user, "staff_member", None)
    if own is not None:
        reach.append(own.unit)
    above = {pk for unit in reach for pk in unit.ancestor_ids()}
    return Unit.objects.filter(Q(pk__in=account_permissions.units_in_scope(user).values("pk")) | Q(pk__in=above))


# Classes ---------------------------------------------------------------------------------------------------


class ClassFilterForm(forms.Form):
    """The class list's filters (a GET form: the URL is the state)."""

    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": gettext_lazy("code or title")}),
    )
    year = forms.CharField(
        label=gettext_lazy("School year"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "2027-2028", "inputmode": "numeric", "size": 10}),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", gettext_lazy("All"))] + ClassStatus.choices
    )
    content = forms.ChoiceField(
        label=gettext_lazy("Content"), required=False, choices=[("", gettext_lazy("All"))] + CONTENT_CHOICES
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Mode"), required=False, choices=[("", gettext_lazy("All"))] + Mode.choices
    )

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["organiser"] = UnitChoiceField(
            visible_units(user),
            label=gettext_lazy("Organising unit (and the units under it)"),
            required=False,
            empty_label=gettext_lazy("All"),
        )

    def clean_year(self):
        raw = self.cleaned_data["year"]
        return school_year(raw) if clean(raw) else None

    def apply(self, classes):
        """Narrow a TrainingClass queryset by the valid filters (an invalid one is shown, not applied)."""
        self.is_valid()
        data = self.cleaned_data
        if year := data.get("year"):
            classes = classes.filter(year=year)
        for name in ("status", "content", "mode"):
            if value := data.get(name):
                classes = classes.filter(**{name: value})
        if organiser := data.get("organiser"):
            classes = classes.filter(organiser__path__startswith=organiser.path)
        for word in clean(data.get("q")).split():
            classes = classes.filter(Q(code__icontains=word) | Q(title__iregex=accent_insensitive(word)))
        return classes


class ModuleChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, module) -> str:
        if module.periods:
            return _("%(code)s %(title)s (%(periods)d periods)") % {
                "code": module.code,
                "title": module.title,
                "periods": module.periods,
            }
        return f"{module.code} {module.title}"


class TopicChoice(forms.ModelChoiceField):
    def label_from_instance(self, topic) -> str:
        return f"{topic.plan.year}-{topic.plan.year + 1} · {topic.content} · {topic.title} ({topic.plan.unit.name})"


class TrainerChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, trainer) -> str:
        label = f"{trainer.full_name}, {trainer.workplace}" if trainer.workplace else trainer.full_name
        if trainer_gaps(trainer):
            label += " — " + _("does not show all that Điều 9 asks")
        return label


def _integer(label, *, min_value: int, max_value: int, required: bool = True, example: int = 40):
    bounds = {"min": min_value, "max": max_value}
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=min_value,
        max_value=max_value,
        widget=forms.NumberInput(attrs=NUMBER_ATTRS),
        error_messages={
            "required": _("Type a whole number, for example %(example)d.") % {"example": example},
            "invalid": _("Type a whole number, for example %(example)d.") % {"example": example},
            "min_value": _("Type a whole number from %(min)d to %(max)d.") % bounds,
            "max_value": _("Type a whole number from %(min)d to %(max)d.") % bounds,
        },
    )


class ClassForm(forms.Form):
    organiser = forms.Field(label=gettext_lazy("Organising unit"))  # replaced in __init__
    year = forms.CharField(
        label=gettext_lazy("School year"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "2027-2028", "inputmode": "numeric", "size": 10}),
        error_messages={"required": gettext_lazy("Type the school year, for example 2027-2028.")},
    )
    code = forms.CharField(
        label=gettext_lazy("Class code"),
        max_length=40,
        error_messages={"required": gettext_lazy("Give the class a code, for example L01.")},
        help_text=gettext_lazy("Unique within the organising unit and the school year."),
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=300,
        widget=forms.TextInput(attrs={"size": 60}),
        error_messages={"required": gettext_lazy("Give the class a title.")},
    )
    content = forms.ChoiceField(label=gettext_lazy("Content"), choices=CONTENT_CHOICES, initial="03")
    modules = forms.Field(label=gettext_lazy("Modules"), required=False)  # replaced in __init__
    topic = forms.Field(label=gettext_lazy("Topic"), required=False)  # replaced in __init__
    periods = _integer(gettext_lazy("Periods"), min_value=1, max_value=500)
    mode = forms.ChoiceField(label=gettext_lazy("Mode"), choices=Mode.choices)
    capacity = _integer(gettext_lazy("Capacity"), min_value=1, max_value=100000, example=50)
    enrol_opens = forms.CharField(
        label=gettext_lazy("Enrolment opens"), required=False, widget=forms.TextInput(DATE_ATTRS)
    )
    enrol_closes = forms.CharField(
        label=gettext_lazy("Enrolment closes"), required=False, widget=forms.TextInput(DATE_ATTRS)
    )
    self_enrol = forms.BooleanField(
        label=gettext_lazy("People may ask to join"),
        required=False,
        help_text=gettext_lazy("People of the units below see the class and ask to join; you accept or decline."),
    )
    min_attendance_percent = _integer(
        gettext_lazy("Minimum attendance (%)"), min_value=0, max_value=100, required=False, example=80
    )
    trainers = forms.Field(label=gettext_lazy("Presenters"), required=False)  # replaced in __init__
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, instance: TrainingClass | None = None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", self.initial_of(instance))
        super().__init__(*args, **kwargs)
        units = account_permissions.manageable_units(user)
        if instance is not None:
            units = Unit.objects.filter(Q(pk__in=units.values("pk")) | Q(pk=instance.organiser_id))
        self.fields["organiser"] = UnitChoiceField(units, label=gettext_lazy("Organising unit"))
        self.fields["modules"] = ModuleChoices(
            queryset=TrainingModule.objects.visible_to(user).filter(active=True, content="03").order_by("code"),
            label=gettext_lazy("Modules"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=gettext_lazy("For content 03: the modules the class teaches."),
        )
        self.fields["topic"] = TopicChoice(
            queryset=PlanTopic.objects.filter(plan__in=unit_plans_in_scope(user), content__in=["01", "02"])
            .select_related("plan__unit")
            .order_by("-plan__year", "content", "plan__unit__path", "position", "pk"),
            label=gettext_lazy("Topic"),
            required=False,
            empty_label=gettext_lazy("— none —"),
            help_text=gettext_lazy("For content 01 or 02: the topic of the plans it teaches (optional)."),
        )
        self.fields["trainers"] = TrainerChoices(
            queryset=trainers_in_scope(user).filter(active=True).order_by("sort_key", "pk"),
            label=gettext_lazy("Presenters"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=gettext_lazy("From the presenters' register."),
        )
        default = completion_rule().min_attendance_percent
        self.fields["min_attendance_percent"].help_text = _(
            "Share of the sessions held a learner must attend. Blank: %(percent)d%% (the system's default)."
        ) % {"percent": default}
        self.order_fields(
            ["organiser", "year", "code", "title", "content", "modules", "topic", "periods", "mode", "capacity",
             "enrol_opens", "enrol_closes", "self_enrol", "min_attendance_percent", "trainers", "description"]
        )  # fmt: skip

    @staticmethod
    def initial_of(training_class: TrainingClass) -> dict:
        return {
            "organiser": training_class.organiser.code,
            "year": training_class.school_year,
            "code": training_class.code,
            "title": training_class.title,
            "content": training_class.content,
            "modules": [m.pk for m in training_class.modules.all()],
            "topic": training_class.topic_id,
            "periods": training_class.periods,
            "mode": training_class.mode,
            "capacity": training_class.capacity,
            "enrol_opens": training_class.enrol_opens.strftime("%d/%m/%Y") if training_class.enrol_opens else "",
            "enrol_closes": training_class.enrol_closes.strftime("%d/%m/%Y") if training_class.enrol_closes else "",
            "self_enrol": training_class.self_enrol,
            "min_attendance_percent": training_class.min_attendance_percent,
            "trainers": [t.pk for t in training_class.trainers.all()],
            "description": training_class.description,
            "version": training_class.version,
        }

    def clean_year(self):
        return school_year(self.cleaned_data["year"])

    def clean_code(self):
        return clean(self.cleaned_data["code"])

    def clean_title(self):
        return clean(self.cleaned_data["title"])

    def clean_enrol_opens(self):
        return form_date(self.cleaned_data["enrol_opens"])

    def clean_enrol_closes(self):
        return form_date(self.cleaned_data["enrol_closes"])

    def clean(self):
        data = super().clean()
        content = data.get("content")
        modules = data.get("modules") or []
        if content == "03" and not modules and "modules" not in self.errors:
            self.add_error("modules", _("A class of content 03 teaches one or more modules: tick them."))
        if content in ("01", "02") and modules:
            self.add_error("modules", _("Modules belong to content 03: untick them, or choose content 03."))
        topic = data.get("topic")
        if topic is not None and content and topic.content != content:
            self.add_error(
                "topic",
                _("This topic is of content %(content)s: choose one of the class's content.")
                % {"content": topic.content},
            )
        if topic is not None and data.get("year") and topic.plan.year != data["year"]:
            self.add_error("topic", _("This topic belongs to the plans of another school year."))
        opens, closes = data.get("enrol_opens"), data.get("enrol_closes")
        if opens and closes and closes < opens:
            self.add_error("enrol_closes", _("Enrolment closes before it opens: check the two dates."))
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "organiser", "year", "code", "title", "content", "topic", "periods", "mode", "capacity",
                "enrol_opens", "enrol_closes", "self_enrol", "min_attendance_percent", "description",
            )
        }  # fmt: skip


class SessionForm(forms.Form):
    date = forms.CharField(
        label=gettext_lazy("Date"),
        widget=forms.TextInput(DATE_ATTRS),
        error_messages={"required": gettext_lazy("Type the date of the session as dd/mm/yyyy.")},
    )
    starts_at = forms.CharField(
        label=gettext_lazy("Starts at"),
        widget=forms.TextInput(TIME_ATTRS),
        error_messages={"required": gettext_lazy("Type the time the session starts, for example 07:30.")},
    )
    ends_at = forms.CharField(
        label=gettext_lazy("Ends at"),
        widget=forms.TextInput(TIME_ATTRS),
        error_messages={"required": gettext_lazy("Type the time the session ends, for example 11:00.")},
    )
    place = forms.CharField(label=gettext_lazy("Venue"), required=False, max_length=255)
    online_link = forms.URLField(
        label=gettext_lazy("Online link"),
        required=False,
        max_length=200,
        error_messages={"invalid": gettext_lazy("Type the whole address of the online room, starting with https://")},
    )
    periods = _integer(gettext_lazy("Periods"), min_value=1, max_value=20, example=4)
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "date": instance.date.strftime("%d/%m/%Y"),
                    "starts_at": instance.starts_at.strftime("%H:%M"),
                    "ends_at": instance.ends_at.strftime("%H:%M"),
                    "place": instance.place,
                    "online_link": instance.online_link,
                    "periods": instance.periods,
                    "stamp": session_stamp(instance),
                },
            )
        else:
            kwargs.setdefault("initial", {"periods": 4})
        super().__init__(*args, **kwargs)

    def clean_date(self):
        return form_date(self.cleaned_data["date"])

    def clean_starts_at(self):
        return clock_time(self.cleaned_data["starts_at"], str(self.fields["starts_at"].label))

    def clean_ends_at(self):
        return clock_time(self.cleaned_data["ends_at"], str(self.fields["ends_at"].label))

    def clean_place(self):
        return clean(self.cleaned_data["place"])

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The session must end after it starts: check the end time."))
        if not data.get("place") and not data.get("online_link") and "online_link" not in self.errors:
            self.add_error("place", _("Give the place of the session, or its online link."))
        return data

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("date", "starts_at", "ends_at", "place", "online_link",
                                                            "periods")}  # fmt: skip


# Presenters ------------------------------------------------------------------------------------------------


def degree_choices() -> list[tuple[str, str]]:
    return [("", _("— not recorded —"))] + [(d["code"], d["name_vi"]) for d in completion_rule().degrees]


class TrainerFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": gettext_lazy("name or workplace")}),
    )
    meets = forms.ChoiceField(
        label=gettext_lazy("Điều 9 requirements"),
        required=False,
        choices=[("", gettext_lazy("All")), ("yes", gettext_lazy("Meets them")), ("no", gettext_lazy("Missing some"))],
    )
    active = forms.ChoiceField(
        label=gettext_lazy("Active"),
        required=False,
        choices=[
            ("yes", gettext_lazy("Active")),
            ("no", gettext_lazy("No longer active")),
            ("all", gettext_lazy("All")),
        ],
    )

    def apply(self, trainers):
        self.is_valid()
        data = self.cleaned_data
        active = data.get("active") or "yes"
        if active != "all":
            trainers = trainers.filter(active=active == "yes")
        for word in clean(data.get("q")).split():
            pattern = accent_insensitive(word)
            trainers = trainers.filter(Q(full_name__iregex=pattern) | Q(workplace__iregex=pattern))
        meets = data.get("meets")
        if meets:
            rule = completion_rule()
            wanted = rule.trainer_requirements
            ranks = [d["code"] for d in rule.degrees]
            good_degrees = ranks[rule.degree_rank(wanted.get("min_degree", ranks[0])) :]
            condition = Q(degree__in=good_degrees, bdtx_years__gte=int(wanted.get("min_bdtx_years") or 0))
            if wanted.get("it_standard"):
                condition &= Q(it_standard=True)
            trainers = trainers.filter(condition) if meets == "yes" else trainers.exclude(condition)
        return trainers


class TrainerForm(forms.Form):
    unit = forms.Field(label=gettext_lazy("Registered by"))  # replaced in __init__
    staff_code = forms.CharField(
        label=gettext_lazy("Staff code (mã định danh)"),
        required=False,
        max_length=30,
        help_text=gettext_lazy("For someone in the staff records: their name, unit and degree are taken from there. "
                               "Leave blank for a presenter from outside."),
    )  # fmt: skip
    full_name = forms.CharField(label=gettext_lazy("Full name"), required=False, max_length=150)
    workplace = forms.CharField(label=gettext_lazy("Workplace"), required=False, max_length=255)
    degree = forms.ChoiceField(label=gettext_lazy("Degree"), required=False)
    bdtx_years = _integer(gettext_lazy("Years of BDTX experience"), min_value=0, max_value=60, example=3)
    it_standard = forms.BooleanField(
        label=gettext_lazy("Meets the basic IT skills standard (Thông tư 03/2014/TT-BTTTT)"), required=False
    )
    subjects = forms.CharField(label=gettext_lazy("Fields"), required=False, max_length=255)
    email = forms.CharField(label=gettext_lazy("E-mail"), required=False, max_length=254)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=20)
    username = forms.CharField(
        label=gettext_lazy("Account (username)"),
        required=False,
        max_length=150,
        help_text=gettext_lazy("The account the presenter signs in with to take attendance and enter scores."),
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, instance: Trainer | None = None, **kwargs):
        self.user, self.instance = user, instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "unit": instance.unit.code,
                    "staff_code": instance.staff.code if instance.staff else "",
                    "full_name": instance.full_name,
                    "workplace": instance.workplace,
                    "degree": instance.degree,
                    "bdtx_years": instance.bdtx_years,
                    "it_standard": instance.it_standard,
                    "subjects": instance.subjects,
                    "email": instance.email,
                    "phone": instance.phone,
                    "username": instance.user.get_username() if instance.user else "",
                    "note": instance.note,
                    "active": instance.active,
                    "stamp": trainer_stamp(instance),
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(
            account_permissions.manageable_units(user), label=gettext_lazy("Registered by")
        )
        self.fields["degree"].choices = degree_choices()
        self.order_fields(["unit", "staff_code", "full_name"])

    def clean_staff_code(self):
        code = clean(self.cleaned_data["staff_code"])
        if not code:
            return None
        member = StaffMember.objects.visible_to(self.user).select_related("unit", "user").filter(code=code).first()
        if member is None:
            raise forms.ValidationError(
                _("No one with the staff code “%(code)s” among the people you manage. Check the code, or leave it "
                  "blank for a presenter from outside.") % {"code": code}
            )  # fmt: skip
        return member

    def clean_email(self):
        try:
            return cells.email(self.cleaned_data["email"])
        except cells.Invalid as error:
            raise forms.ValidationError(str(error)) from None

    def clean_phone(self):
        try:
            return cells.phone(self.cleaned_data["phone"])
        except cells.Invalid as error:
            raise forms.ValidationError(str(error)) from None

    def clean_username(self):
        username = clean(self.cleaned_data["username"])
        if not username:
            return None
        account = linkable_users(self.user).filter(username=username).first()
        if account is None:
            raise forms.ValidationError(
                _("No account “%(username)s” among the accounts you manage. Check the username, or leave it blank.")
                % {"username": username}
            )
        return account

    def clean(self):
        data = super().clean()
        staff = data.get("staff_code")
        if staff is not None:
            data["full_name"] = clean(data.get("full_name")) or staff.full_name
            data["workplace"] = clean(data.get("workplace")) or staff.unit.name
            if not data.get("degree") and staff.qualification in {d["code"] for d in completion_rule().degrees}:
                data["degree"] = staff.qualification
            data["email"] = data.get("email") or staff.email
            data["phone"] = data.get("phone") or staff.phone
            if data.get("username") is None and self.instance is None and staff.user_id:
                data["username"] = linkable_users(self.user).filter(pk=staff.user_id).first()
        elif not clean(data.get("full_name")) and "staff_code" not in self.errors:
            self.add_error("full_name", _("Give the presenter's full name, or the staff code of someone you manage."))
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "staff": data.get("staff_code"),
            "user": data.get("username"),
            "full_name": clean(data.get("full_name")),
            "workplace": clean(data.get("workplace")),
            "degree": data.get("degree") or "",
            "bdtx_years": data.get("bdtx_years") or 0,
            "it_standard": bool(data.get("it_standard")),
            "subjects": clean(data.get("subjects")),
            "email": data.get("email") or "",
            "phone": data.get("phone") or "",
            "note": data.get("note") or "",
            "active": bool(data.get("active")),
        }


# Enrolment -------------------------------------------------------------------------------------------------


class PeopleSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": gettext_lazy("name, code or e-mail")}),
    )

    def __init__(self, data, *, units, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["unit"] = UnitChoiceField(
            units, label=gettext_lazy("Unit (and the units under it)"), required=False, empty_label=gettext_lazy("All")
        )


class PlanEnrolForm(forms.Form):
    def __init__(self, data=None, *, units, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["unit"] = UnitChoiceField(
            units,
            label=gettext_lazy("People of"),
            help_text=gettext_lazy("Everyone in this unit and the units under it whose approved plan asks for one of "
                                   "the class's modules."),
        )  # fmt: skip
