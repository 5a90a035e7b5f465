"""Appraisal views, one module per part of the cycle, each with its own `urlpatterns`."""
