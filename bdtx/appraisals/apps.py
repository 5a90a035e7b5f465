from django.apps import AppConfig


class AppraisalsConfig(AppConfig):
    name = "bdtx.appraisals"
