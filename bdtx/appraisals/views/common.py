"""What the appraisal pages share: loading an appraisal in scope and laying out its criteria."""

from django.shortcuts import get_object_or_404

from bdtx.rules.models import Criterion, Rating

from ..models import Appraisal

LEVEL_CHOICES = [(code, label) for code, label in Rating.choices]
SHORT = {"chua_dat": "CĐ", "dat": "Đ", "kha": "K", "tot": "T"}


def appraisal_in_scope(user, pk: int) -> Appraisal:
    """The appraisal if the user may see it (their own, or of someone they manage); else 404."""
    return get_object_or_404(
        Appraisal.objects.visible_to(user).select_related("staff", "staff__unit", "cycle", "standard", "unit"), pk=pk
    )


def own_appraisal(user, pk: int, *related: str) -> Appraisal | None:
    """The user's own appraisal (the one of their staff record), or None: one light query, no scope to work out
    (one's own is always in scope). The self-assessment's busy paths use it; others go through appraisal_in_scope."""
    if not getattr(user, "is_authenticated", False):
        return None
    found = list(
        Appraisal.objects.select_related("cycle", "standard", *related)
        .filter(pk=pk, staff__user_id=user.pk)
        .order_by()[:1]
    )
    return found[0] if found else None


def criterion_rows(appraisal: Appraisal, *, self_levels=None, notes=None, final_levels=None, comments=None):
    """One row per criterion of the appraisal's standard, with its levels, notes and evidence."""
    self_levels = appraisal.self_levels if self_levels is None else self_levels
    notes = appraisal.self_notes if notes is None else notes
    final_levels = appraisal.final_levels if final_levels is None else final_levels
    comments = appraisal.final_comments if comments is None else comments
    evidence: dict = {}
    for item in appraisal.evidence.all():
        evidence.setdefault(item.criterion_number, []).append(item)
    rows = []
    # By number within the one standard (the model's ordering would join the standard to sort by it).
    for criterion in (
        Criterion.objects.filter(standard_id=appraisal.standard_id).select_related("area").order_by("number")
    ):
        key = str(criterion.number)
        rows.append(
            {
                "criterion": criterion,
                "self": self_levels.get(key, ""),
                "note": notes.get(key, ""),
                "final": final_levels.get(key, ""),
                "comment": comments.get(key, ""),
                "evidence": evidence.get(criterion.number, []),
            }
        )
    return rows, evidence.get(None, [])
