"""Test settings: PostgreSQL and Redis on this machine by default; the environment may point elsewhere."""

import os

import dj_database_url

from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool, redbeat_settings

DEBUG = False
# The suite reads English: its assertions quote the msgids (English), so that refining a translation never
# breaks a test. zh-hans stays the product's default (base.py); tests/test_translations.py checks that
# default and the Chinese texts, and a test about the default language overrides LANGUAGE_CODE back.
LANGUAGE_CODE = "en"
SECRET_KEY = "test-secret-key-not-used-outside-the-test-suite-0123456789"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/techfin")
    )
}
CELERY_BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 7200}
globals().update(redbeat_settings(CELERY_BROKER_URL))
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "test-mail"))
# Tests that run a real worker switch the on-commit nudge on; the rest keep the broker quiet.
OUTBOX_NUDGE = env_bool("OUTBOX_NUDGE", False)
DELIVERY_LEASE_SECONDS = float(os.environ.get("DELIVERY_LEASE_SECONDS", "120"))
# The suite's receivers listen on loopback; the SSRF tests switch this off to see the production rule.
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)
# The shared Redis cache, as in production; a database of its own per xdist worker (8, 7, …), because
# clearing a Redis cache flushes its whole database. The broker fixture counts down from 15.
_xdist_index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
CACHES = {
    "default": {
        "BACKEND": "config.redis_cache.RedisCache",
        "LOCATION": os.environ.get("TEST_CACHE_URL", "redis://127.0.0.1:6379").rstrip("/")
        + f"/{8 - _xdist_index}",
    }
}
# Off: a test's rolled-back rows would stay in the shared cache for the next test to read
# (tests/coordination/test_calendar_cache.py switches it on).
REFERENCE_CACHE_SECONDS = int(os.environ.get("REFERENCE_CACHE_SECONDS", "0"))
# Off: a test's transaction never commits, so the generation would not move (config/data_generation.py).
# tests/api/test_list_cache.py switches it on around committed writes.
API_LIST_CACHE_SECONDS = int(os.environ.get("API_LIST_CACHE_SECONDS", "0"))
