"""The plans API: programmes (with the province's split of the year), the module catalogue, unit plans, personal
plans (choose modules, submit, approve or return) and budgets.

Scoped like the rest of the API: a plan outside the caller's reach is 404; one they may see but not act on is 403
(a principal choosing a teacher's modules, a teacher approving their own plan). Every write goes through
bdtx.plans.services, the same as the screens, so the period rule and the audit trail cannot drift apart."""

from django.db.models import OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from bdtx.accounts import permissions as account_permissions
from bdtx.appraisals.permissions import own_staff
from bdtx.catalog.models import TrainingModule
from bdtx.lib import cells
from bdtx.lib.cells import Invalid
from bdtx.lib.schoolyear import current_school_year
from bdtx.lib.text import clean, fold
from bdtx.plans import permissions, services
from bdtx.plans.models import BudgetLine, CostCategory, PersonalPlan, PersonalPlanItem, PlanStatus, PlanTopic, UnitPlan
from bdtx.rules.models import Criterion, Programme, ProgrammeContent, ProgrammeYear
from bdtx.staff.validation import LEVELS

from .serializers_plans import (
    BudgetSerializer,
    DecisionSerializer,
    ModuleChoiceSerializer,
    ModuleDetailSerializer,
    ModuleSerializer,
    PersonalPlanDetailSerializer,
    PersonalPlanSerializer,
    PlanConflictSerializer,
    ProgrammeDetailSerializer,
    ProgrammeSerializer,
    RefusalSerializer,
    SubmitSerializer,
    UnitPlanDetailSerializer,
    UnitPlanSerializer,
)
from .views import Pagination, bad_parameter, filter_choice
from .views_appraisals import PAGE_SIZE, UNIT, choice_param, unit_param, whole_number


class Refused(exceptions.APIException):
    """A refusal from the services (the period rule, a missing comment): {"detail": message, ...}."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, message: str, **extra):
        super().__init__({"detail": message, **extra})


class PlanConflict(exceptions.APIException):
    """409 with a machine-readable `code`: stale (read it again) or locked (not in a state that allows this)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, message: str, code: str):
        super().__init__({"detail": message, "code": code})


YEAR = OpenApiParameter("year", OpenApiTypes.INT, description="School year by its first calendar year (2026: 2026-27)")
STATUS = OpenApiParameter("status", OpenApiTypes.STR, enum=PlanStatus.values)
PLAN_FILTERS = [YEAR, UNIT, STATUS, PAGE_SIZE]
MODULE_FILTERS = [
    OpenApiParameter("programme", OpenApiTypes.STR, description="Code of the programme, e.g. tt17-2019"),
    OpenApiParameter("content", OpenApiTypes.STR, description="Content code: 01, 02 or 03"),
    OpenApiParameter("level", OpenApiTypes.STR, description="Level (code or label, e.g. thcs / THCS): modules for it"),
    OpenApiParameter("active", OpenApiTypes.BOOL, description="true / false (or Có / Không)"),
    OpenApiParameter("q", OpenApiTypes.STR, description="Words of the code or title, with or without diacritics"),
    PAGE_SIZE,
]
CONFLICT = OpenApiResponse(PlanConflictSerializer, description="stale: read it again; locked: submitted or decided")
WRITE_ERRORS = {
    400: OpenApiResponse(RefusalSerializer, description="Bad input {field: [message]} or a refusal {detail: message}"),
    403: OpenApiResponse(description="You can see this plan but not do this to it"),
    404: OpenApiResponse(description="Not among your plans"),
    409: CONFLICT,
}


# Programmes ---------------------------------------------------------------------------------------------


def province_units(user) -> list[int]:
    """Ids of the units above and at the caller's units (where they hold roles, and their own staff record's)."""
    units = [role.unit for role in account_permissions.roles_of(user)]
    own = own_staff(user)
    if own is not None:
        units.append(own.unit)
    return sorted({pk for unit in units for pk in unit.ancestor_ids()})


def year_split(user, programme: Programme, year: int) -> dict:
    """The periods a plan under `programme` must cover in `year` where the caller works: the programme's, as
    split by the nearest unit above that set the year's programme (as services.requirement_for applies it)."""
    base = {content.code: content.periods for content in programme.contents.all()}
    chosen = (
        ProgrammeYear.objects.filter(programme=programme, year=year, unit_id__in=province_units(user))
        .select_related("unit")
        .order_by("-unit__depth")
        .first()
    )
    periods = {**base, **{code: int(value) for code, value in (chosen.periods if chosen else {}).items()}}
    return {
        "year": year,
        "school_year": f"{year}-{year + 1}",
        "periods": periods,
        "total": programme.total_periods,
        "set_by_unit": chosen.unit.code if chosen else None,
        "note": chosen.note if chosen else "",
    }


@extend_schema_view(get=extend_schema(summary="BDTX programmes (rule sets)", parameters=[PAGE_SIZE]))
class ProgrammeList(generics.ListAPIView):
    serializer_class = ProgrammeSerializer
    pagination_class = Pagination
    queryset = Programme.objects.none()

    def get_queryset(self):
        return Programme.objects.all()


@extend_schema_view(
    get=extend_schema(
        summary="One programme with its contents and the year's split where you work",
        parameters=[YEAR],
    )
)
class ProgrammeDetail(generics.RetrieveAPIView):
    serializer_class = ProgrammeDetailSerializer
    queryset = Programme.objects.none()

    def get_object(self):
        return get_object_or_404(Programme.objects.prefetch_related("contents"), code=self.kwargs["code"])

    def retrieve(self, request, *args, **kwargs):
        programme = self.get_object()
        year = whole_number(request.query_params, "year")
        split = year_split(request.user, programme, current_school_year() if year is None else year)
        context = {**self.get_serializer_context(), "year_split": split}
        return Response(ProgrammeDetailSerializer(programme, context=context).data)


# Modules ------------------------------------------------------------------------------------------------


def modules_of(user):
    criteria = Prefetch("criteria", queryset=Criterion.objects.select_related("standard").order_by("number"))
    return TrainingModule.objects.visible_to(user).select_related("programme", "owner").prefetch_related(criteria)


def module_levels(module: TrainingModule) -> set[str]:
    """The levels a module is for: its own target's, else its programme's; empty: every level."""
    return set((module.target or {}).get("levels") or module.programme.applies_to.get("levels") or [])


@extend_schema_view(get=extend_schema(summary="The module catalogue you may see", parameters=MODULE_FILTERS))
class ModuleList(generics.ListAPIView):
    serializer_class = ModuleSerializer
    pagination_class = Pagination
    queryset = TrainingModule.objects.none()

    def get_queryset(self):
        params = self.request.query_params
        modules = modules_of(self.request.user)
        if code := clean(params.get("programme")):
            codes = list(Programme.objects.values_list("code", flat=True))
            if code not in codes:
                raise bad_parameter(
                    "programme",
                    _("There is no programme “%(value)s”. Use one of: %(codes)s.")
                    % {"value": code, "codes": ", ".join(codes)},
                )
            modules = modules.filter(programme__code=code)
        content_codes = (
            sorted(set(ProgrammeContent.objects.values_list("code", flat=True))) if "content" in params else []
        )
        if content := choice_param(params, "content", content_codes):
            modules = modules.filter(content=content)
        if not cells.is_blank(params.get("active")):
            try:
                modules = modules.filter(active=cells.yes_no(params.get("active")))
            except Invalid as error:
                raise bad_parameter("active", str(error)) from None
        level = filter_choice(params["level"], LEVELS, "levels", "level") if clean(params.get("level")) else ""
        words = fold(params.get("q")).split()
        if level or words:
            # The catalogue is small (tens of modules): match levels and folded titles here, not in SQL.
            matching = [
                module.pk
                for module in modules.select_related(None).select_related("programme").prefetch_related(None)
                if (not level or not module_levels(module) or level in module_levels(module))
                and all(word in fold(f"{module.code} {module.title}") for word in words)
            ]
            modules = modules.filter(pk__in=matching)
        return modules


@extend_schema_view(get=extend_schema(summary="One module with its objectives and materials"))
class ModuleDetail(generics.RetrieveAPIView):
    serializer_class = ModuleDetailSerializer
    queryset = TrainingModule.objects.none()

    def get_object(self):
        return get_object_or_404(modules_of(self.request.user).prefetch_related("materials"), pk=self.kwargs["pk"])


# Unit plans ---------------------------------------------------------------------------------------------


def plan_filters(user, params, plans):
    """?year, ?unit (that unit and the units below) and ?status, shared by unit and personal plans."""
    if (year := whole_number(params, "year")) is not None:
        plans = plans.filter(year=year)
    if unit := unit_param(user, params):
        plans = plans.filter(unit__path__startswith=unit.path)
    if value := choice_param(params, "status", PlanStatus.values):
        plans = plans.filter(status=value)
    return plans


@extend_schema_view(
    get=extend_schema(summary="Unit plans you may see (above, at and below your units)", parameters=PLAN_FILTERS)
)
class UnitPlanList(generics.ListAPIView):
    serializer_class = UnitPlanSerializer
    pagination_class = Pagination
    queryset = UnitPlan.objects.none()

    def get_queryset(self):
        user = self.request.user
        return plan_filters(user, self.request.query_params, UnitPlan.objects.visible_to(user).select_related("unit"))


@extend_schema_view(get=extend_schema(summary="One unit plan: its parts, topics of 01/02 and modules offered"))
class UnitPlanDetail(generics.RetrieveAPIView):
    serializer_class = UnitPlanDetailSerializer
    queryset = UnitPlan.objects.none()

    def get_object(self):
        plans = UnitPlan.objects.visible_to(self.request.user).select_related("unit")
        topics = Prefetch("topics", queryset=PlanTopic.objects.order_by("content", "position", "pk"))
        modules = Prefetch("modules", queryset=TrainingModule.objects.order_by("code"))
        return get_object_or_404(plans.prefetch_related(topics, modules), pk=self.kwargs["pk"])


# Personal plans -----------------------------------------------------------------------------------------


def personal_plans_of(user):
    planned = (
        PersonalPlanItem.objects.filter(plan=OuterRef("pk"))
        .values("plan")
        .annotate(total=Sum("periods"))
        .values("total")
    )
    return (
        PersonalPlan.objects.visible_to(user)
        .select_related("staff", "staff__unit", "unit", "programme", "unit_plan")
        .annotate(planned_periods=Coalesce(Subquery(planned), 0))
    )


def visible_plan(request, pk: int) -> PersonalPlan:
    return get_object_or_404(personal_plans_of(request.user), pk=pk)


def is_owner(user, plan: PersonalPlan) -> bool:
    return plan.staff.user_id is not None and plan.staff.user_id == user.pk


def own_plan(request, pk: int) -> PersonalPlan:
    """The caller's own plan: 404 outside their reach, 403 when it is someone else's."""
    plan = visible_plan(request, pk)
    if not is_owner(request.user, plan):
        raise exceptions.PermissionDenied(_("Only the person whose plan it is can choose its modules or submit it."))
    return plan


def locked_check(plan: PersonalPlan) -> None:
    if plan.status in (PlanStatus.SUBMITTED, PlanStatus.APPROVED):
        raise PlanConflict(_("The plan was submitted; it can change again only if the school returns it."), "locked")


def stale_check(plan: PersonalPlan, version: int | None) -> None:
    if version is not None and version != plan.version:
        raise PlanConflict(
            _("This plan was changed elsewhere since you opened it. Reload the page and try again."), "stale"
        )


def detail(request, plan: PersonalPlan) -> Response:
    """The plan as read now, with its balance, problems and what the caller may do."""
    plan = get_object_or_404(
        personal_plans_of(request.user).prefetch_related(
            Prefetch("items", queryset=PersonalPlanItem.objects.select_related("topic", "module"))
        ),
        pk=plan.pk,
    )
    user = request.user
    check = services.plan_check(plan)
    context = {
        "balance": {"required": check["required"], "planned": check["planned"]},
        "problems": check["problems"],
        "can_edit": is_owner(user, plan) and plan.status in (PlanStatus.DRAFT, PlanStatus.RETURNED),
        "can_decide": plan.status == PlanStatus.SUBMITTED and permissions.can_decide_personal_plan(user, plan),
    }
    return Response(PersonalPlanDetailSerializer(plan, context=context).data)


@extend_schema_view(
    get=extend_schema(summary="Personal plans of the people you manage, and your own", parameters=PLAN_FILTERS)
)
class PersonalPlanList(generics.ListAPIView):
    serializer_class = PersonalPlanSerializer
    pagination_class = Pagination
    queryset = PersonalPlan.objects.none()

    def get_queryset(self):
        user = self.request.user
        return plan_filters(user, self.request.query_params, personal_plans_of(user))


class PersonalPlanDetail(generics.GenericAPIView):
    serializer_class = PersonalPlanDetailSerializer
    queryset = PersonalPlan.objects.none()

    @extend_schema(summary="One personal plan: its items, the live balance and what keeps it from the rule")
    def get(self, request, pk: int):
        return detail(request, visible_plan(request, pk))


class PersonalPlanModules(generics.GenericAPIView):
    serializer_class = ModuleChoiceSerializer
    queryset = PersonalPlan.objects.none()

    @extend_schema(
        summary="Choose the modules of content 03 (your own plan; replaces the earlier choice)",
        request=ModuleChoiceSerializer,
        responses={200: PersonalPlanDetailSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, pk: int):
        plan = own_plan(request, pk)
        body = ModuleChoiceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        locked_check(plan)
        modules = self.modules(request.user, values["modules"])
        try:
            services.set_modules(plan, modules, by=request.user, expected_version=values["version"])
        except services.Stale as error:
            raise PlanConflict(str(error), "stale") from None
        except services.PlanError as error:
            raise Refused(str(error)) from None
        return detail(request, plan)

    @staticmethod
    def modules(user, codes: list[str]) -> list[TrainingModule]:
        """The modules named by their codes ("GVPT 04", "gvpt04"), in the order sent; 400 naming the unknown."""
        by_code = {module.code.replace(" ", "").upper(): module for module in TrainingModule.objects.visible_to(user)}
        keys = [clean(code).replace(" ", "").upper() for code in codes]
        unknown = [code for code, key in zip(codes, keys, strict=True) if key not in by_code]
        if unknown:
            raise bad_parameter(
                "modules",
                _("There is no module %(codes)s in the catalogue. Check the codes in /api/v1/modules/.")
                % {"codes": ", ".join(f"“{code}”" for code in unknown)},
            )
        twice = sorted({by_code[key].code for key in keys if keys.count(key) > 1})
        if twice:
            raise bad_parameter(
                "modules",
                _("Module %(module)s is in the plan twice; keep it once.") % {"module": ", ".join(twice)},
            )
        return [by_code[key] for key in keys]


class PersonalPlanSubmit(generics.GenericAPIView):
    serializer_class = SubmitSerializer
    queryset = PersonalPlan.objects.none()

    @extend_schema(
        summary="Submit your plan for approval (refused, saying what is missing, unless it covers the year)",
        request=SubmitSerializer,
        responses={200: PersonalPlanDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk: int):
        plan = own_plan(request, pk)
        body = SubmitSerializer(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        locked_check(plan)
        stale_check(plan, body.validated_data.get("version"))
        problems = services.plan_problems(plan)
        if problems:
            raise Refused(" ".join(problems), problems=problems)
        try:
            services.submit_personal_plan(plan, by=request.user)
        except services.Stale as error:
            raise PlanConflict(str(error), "stale") from None
        except services.PlanError as error:
            raise Refused(str(error)) from None
        return detail(request, plan)


class PersonalPlanDecision(generics.GenericAPIView):
    serializer_class = DecisionSerializer
    queryset = PersonalPlan.objects.none()

    @extend_schema(
        summary="Approve a submitted plan, or return it with a comment (the head who decides on it)",
        request=DecisionSerializer,
        responses={200: PersonalPlanDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk: int):
        plan = visible_plan(request, pk)
        if not permissions.can_decide_personal_plan(request.user, plan):
            raise exceptions.PermissionDenied(
                _(
                    "You can see this plan but not decide on it: the head of the person's school approves it "
                    "(for a principal, the level above), never the person themself."
                )
            )
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        comment = values.get("comment", "").strip()
        if not values["approve"] and not comment:
            raise bad_parameter("comment", _("Say what to change when returning a plan (field “Comment”)."))
        if plan.status != PlanStatus.SUBMITTED:
            raise PlanConflict(
                _("This plan is not waiting for a decision (it is “%(status)s”).")
                % {"status": plan.get_status_display()},
                "locked",
            )
        stale_check(plan, values.get("version"))
        try:
            services.decide_personal_plans([plan], by=request.user, approve=values["approve"], comment=comment)
        except services.Stale as error:
            raise PlanConflict(str(error), "stale") from None
        except services.PlanError as error:
            raise Refused(str(error)) from None
        return detail(request, plan)


# Budgets ------------------------------------------------------------------------------------------------


class Budget(generics.GenericAPIView):
    serializer_class = BudgetSerializer
    queryset = BudgetLine.objects.none()

    @extend_schema(
        summary="A unit plan's budget: its lines (quantity × rate) and totals by TT 36/2018 category",
        parameters=[OpenApiParameter("plan", OpenApiTypes.INT, required=True, description="Id of the unit plan")],
        responses={
            200: BudgetSerializer,
            400: OpenApiResponse(description="{plan: [message]}"),
            404: OpenApiResponse(description="Not among your plans"),
        },
    )
    def get(self, request):
        pk = whole_number(request.query_params, "plan")
        if pk is None:
            raise bad_parameter("plan", _("Say which unit plan: ?plan= its id, as listed by /api/v1/unit-plans/."))
        plan = get_object_or_404(UnitPlan.objects.visible_to(request.user).select_related("unit"), pk=pk)
        if not permissions.can_read_budget(request.user, plan.unit):
            raise exceptions.NotFound  # the same rule as the budget page: the unit's managers and those above
        lines = list(BudgetLine.objects.filter(plan=plan).select_related("rate_card").order_by("category", "pk"))
        order = {code: index for index, code in enumerate(CostCategory.values)}
        lines.sort(key=lambda line: (order.get(line.category, len(order)), line.pk))
        totals: dict[str, dict] = {}
        for line in lines:
            row = totals.setdefault(
                line.category,
                {"category": line.category, "label": line.get_category_display(), "lines": 0, "amount": 0},
            )
            row["lines"] += 1
            row["amount"] += line.amount
        data = {
            "plan": plan.pk,
            "unit_code": plan.unit.code,
            "school_year": plan.school_year,
            "lines": lines,
            "by_category": list(totals.values()),
            "total": sum(line.amount for line in lines),
        }
        return Response(BudgetSerializer(data).data)


urlpatterns = [
    path("programmes/", ProgrammeList.as_view(), name="programme-list"),
    path("programmes/<slug:code>/", ProgrammeDetail.as_view(), name="programme-detail"),
    path("modules/", ModuleList.as_view(), name="module-list"),
    path("modules/<int:pk>/", ModuleDetail.as_view(), name="module-detail"),
    path("unit-plans/", UnitPlanList.as_view(), name="unit-plan-list"),
    path("unit-plans/<int:pk>/", UnitPlanDetail.as_view(), name="unit-plan-detail"),
    path("personal-plans/", PersonalPlanList.as_view(), name="personal-plan-list"),
    path("personal-plans/<int:pk>/", PersonalPlanDetail.as_view(), name="personal-plan-detail"),
    path("personal-plans/<int:pk>/modules/", PersonalPlanModules.as_view(), name="personal-plan-modules"),
    path("personal-plans/<int:pk>/submit/", PersonalPlanSubmit.as_view(), name="personal-plan-submit"),
    path("personal-plans/<int:pk>/decision/", PersonalPlanDecision.as_view(), name="personal-plan-decision"),
    path("budgets/", Budget.as_view(), name="budget"),
]
