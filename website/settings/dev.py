"""Local development: `make run`. Never used in production."""

import os

from .base import *  # noqa: F403
from .base import CACHES, VAR_DIR

DEBUG = True
# A development-only key, so that `make run` works with nothing configured.
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-not-for-production"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
CACHES["pages"]["LOCATION"] = str(VAR_DIR / "cache" / "pages-dev")
# A signing key for Open Badges made on first use and kept in var/ (git-ignored).
OPEN_BADGES_KEY_FILE = str(VAR_DIR / "open-badges-signing-key")

# The task worker logs every task's start and end; in development only failures matter.
LOGGING = {  # noqa: F405
    **LOGGING,  # noqa: F405
    "loggers": {
        **LOGGING["loggers"],  # noqa: F405
        "django_tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}
