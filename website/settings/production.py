"""Production. Refuses to start without a secret key, allowed hosts, a database URL and
the site's address (BASE_URL: every emailed link, QR code and the credentials' issuer
identity is built from it, so a default would point them at a developer's machine)."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import MIDDLEWARE, PORTFOLIO_STORAGE, env_bool

for required in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "BASE_URL"):
    if not os.environ.get(required, "").strip():
        raise ImproperlyConfigured(f"{required} must be set for production settings.")

DEBUG = False
# WhiteNoise serves the collected, compressed, hash-named static files.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "portfolio": PORTFOLIO_STORAGE,
}

# The site sits behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = [f"https://{host.lstrip('.')}" for host in ALLOWED_HOSTS]  # noqa: F405
X_FRAME_OPTIONS = "DENY"
