from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    """Security headers, download safety and the upload size cap (docs/security.md). No models."""

    name = "bdtx.security"
    verbose_name = _("Security")
