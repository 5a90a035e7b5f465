"""`{% personal member "birth_date" %}`: a personal field as the signed-in user may see it (full or masked),
decided by bdtx.privacy.services like everywhere else."""

from django import template

from bdtx.privacy.services import can_see_personal, shown

register = template.Library()


@register.simple_tag(takes_context=True)
def personal(context, member, field: str) -> str:
    request = context.get("request")
    user = request.user if request is not None else context.get("user")
    # One decision per person per page, however many of their fields the page shows.
    cache = context.render_context.setdefault("bdtx_personal", {})
    full = cache.get(member.pk)
    if full is None:
        full = cache[member.pk] = can_see_personal(user, member)
    return shown(field, getattr(member, field), full=full)
