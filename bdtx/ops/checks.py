"""What must be true before bdtx serves real users, and the deployment check Django's own misses.

`production_refusals()` is asked by `manage.py serve` before anything starts; the system check below makes
`manage.py check --deploy` fail on the development key too (Django's security.W009 does not know it).
"""

import ipaddress

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _


def uses_development_key() -> bool:
    key = settings.SECRET_KEY
    return not key or key == getattr(settings, "DEVELOPMENT_SECRET_KEY", None)


def production_refusals() -> list[str]:
    """The reasons not to serve production with the current settings, each saying how to fix it; [] when none."""
    problems = []
    if settings.DEBUG:
        problems.append(_("DEBUG is on. Remove DEBUG from the environment (or set DEBUG=0) before serving users."))
    if uses_development_key():
        problems.append(
            _(
                "SECRET_KEY is not set or is the development key. Set SECRET_KEY to 50 or more random characters, "
                "e.g. the output of: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
            )
        )
    if not getattr(settings, "PRODUCTION", False):
        problems.append(_("BDTX_PRODUCTION is not set. Set BDTX_PRODUCTION=1 (secure cookies, HTTPS and HSTS)."))
    return problems


@checks.register(checks.Tags.security, deploy=True)
def check_development_key(app_configs=None, **kwargs):
    if uses_development_key():
        return [
            checks.Error(
                _("SECRET_KEY is not set or is the development key."),
                hint=_("Set SECRET_KEY in the environment to 50 or more random characters (docs/deploy.md)."),
                id="bdtx.ops.E001",
            )
        ]
    return []


@checks.register()
def check_trusted_proxies(app_configs=None, **kwargs):
    problems = []
    for entry in getattr(settings, "TRUSTED_PROXIES", []):
        try:
            ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            problems.append(
                checks.Error(
                    _("TRUSTED_PROXIES: “%(entry)s” is not an IP address or network.") % {"entry": entry},
                    hint=_("List the reverse proxies' addresses, comma-separated, e.g. 127.0.0.1,10.0.0.5."),
                    id="bdtx.ops.E002",
                )
            )
    return problems
