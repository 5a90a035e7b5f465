from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running bdtx in production: serving, health and readiness, backups, leases of long background jobs."""

    name = "bdtx.ops"
    verbose_name = _("Operations")

    def ready(self):
        from bdtx.ops import (
            checks,  # noqa: F401 - registers the deployment checks
            jobs,  # noqa: F401 - remembers which queued task a job runs under (a signal)
        )
