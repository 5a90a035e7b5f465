from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Personal data (Nghị định 13/2023/NĐ-CP): masking by role, the access log, "my data", retention."""

    name = "bdtx.privacy"
    verbose_name = _("Personal data")
