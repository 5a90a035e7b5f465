"""Modules to suggest for a person's plan, ranked by the training needs of their last appraisal."""

import dataclasses

from django.utils.translation import gettext as _

from bdtx.appraisals.models import TrainingNeed

# A criterion rated lowest weighs more than one the person only declared.
WEIGHTS = {TrainingNeed.Source.RATING: 2, TrainingNeed.Source.DECLARED: 1}


@dataclasses.dataclass
class Suggestion:
    module: object
    score: int
    reasons: list[str]


def suggestions(plan, modules) -> list[Suggestion]:
    """Every offered module, those training the person's needs first (by weight), then by code. The needs are
    those of the appraisal that closed the year before the plan's year, or of the plan's year itself."""
    needs = list(
        TrainingNeed.objects.filter(
            staff_id=plan.staff_id, year__in=[plan.year - 1, plan.year], criterion__isnull=False
        )
        .select_related("criterion")
        .order_by("-year")
    )
    if needs:
        latest = needs[0].year
        needs = [need for need in needs if need.year == latest]
    by_criterion: dict[int, list] = {}
    for need in needs:
        by_criterion.setdefault(need.criterion_id, []).append(need)
    found = []
    for module in modules:
        score, reasons = 0, []
        for criterion in module.criteria.all():
            for need in by_criterion.get(criterion.pk, []):
                score += WEIGHTS.get(need.source, 1)
                if need.source == TrainingNeed.Source.RATING:
                    reasons.append(
                        _("criterion %(number)d rated %(level)s")
                        % {"number": criterion.number, "level": need.get_level_display()}
                    )
                else:
                    reasons.append(_("criterion %(number)d you asked for") % {"number": criterion.number})
        found.append(Suggestion(module=module, score=score, reasons=reasons))
    return sorted(found, key=lambda s: (-s.score, s.module.code))
