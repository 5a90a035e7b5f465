from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running bdtx in production: serving, health and readiness, backups. No models."""

    name = "bdtx.ops"
    verbose_name = _("Operations")

    def ready(self):
        from bdtx.ops import checks  # noqa: F401 - registers the deployment checks
