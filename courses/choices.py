"""Choices shared by the course models and the catalogue's filter form."""

from django.db import models


class CourseFormat(models.TextChoices):
    OPEN = "open", "Open course"
    IN_SCHOOL = "in_school", "In-school"
    CERTIFICATION = "certification", "Certification programme"
    PARTNERSHIP = "partnership", "Partnership course"


class CourseLength(models.TextChoices):
    HALF_DAY = "half_day", "Half day"
    ONE_DAY = "one_day", "One day"
    TWO_DAYS = "two_days", "Two days"
    SEVERAL_SESSIONS = "several_sessions", "Several sessions"
    ACADEMIC_YEAR = "academic_year", "An academic year"
