"""Developer and demo settings: runs with no environment at all (SQLite, filesystem broker)."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool, env_list

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "local-insecure-key-for-development-only-not-for-production"
# Webhook receivers on this machine (http://127.0.0.1:…) while developing.
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", True)

# The developer's own machine may read /metrics.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")

VAR_DIR.mkdir(parents=True, exist_ok=True)
