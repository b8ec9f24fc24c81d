from django.apps import AppConfig


class CertificationConfig(AppConfig):
    """Awards, portfolios, reviews, QA visits and certificates (the certification issue)."""

    name = "certification"
