"""Documents go through Django's default storage, chosen from the environment: a shared folder or S3."""

import json
import os
import secrets
import subprocess
import sys

from tests.support.processes import ROOT

PROBE = """
import json, django
django.setup()
from django.core.files.storage import storages
default_storage = storages["default"]
print(json.dumps({
    "class": type(default_storage).__name__,
    "bucket": getattr(default_storage, "bucket_name", None),
    "endpoint": getattr(default_storage, "endpoint_url", None),
    "acl": getattr(default_storage, "default_acl", None),
    "location": str(getattr(default_storage, "location", "")),
}))
"""


def storage_with(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "STORAGE_", "MEDIA_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        TECHFIN_VAR_DIR=str(tmp_path),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def test_given_a_shared_folder_then_documents_are_stored_under_it(tmp_path):
    result = storage_with(tmp_path, MEDIA_ROOT=str(tmp_path / "shared"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "class": "FileSystemStorage",
        "bucket": None,
        "endpoint": None,
        "acl": None,
        "location": str(tmp_path / "shared"),
    }


def test_given_s3_settings_then_documents_go_to_a_private_bucket_on_that_endpoint(tmp_path):
    result = storage_with(
        tmp_path,
        STORAGE_BACKEND="s3",
        AWS_STORAGE_BUCKET_NAME="techfin-documents",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
    )
    assert result.returncode == 0, result.stderr
    storage = json.loads(result.stdout)
    assert storage["class"] == "S3Storage" and storage["bucket"] == "techfin-documents"
    assert storage["endpoint"] == "http://127.0.0.1:9000" and storage["acl"] == "private"


def test_given_s3_without_a_bucket_or_an_unknown_backend_then_the_settings_refuse_to_load(tmp_path):
    no_bucket = storage_with(tmp_path, STORAGE_BACKEND="s3")
    assert no_bucket.returncode != 0 and "AWS_STORAGE_BUCKET_NAME" in no_bucket.stderr
    unknown = storage_with(tmp_path, STORAGE_BACKEND="ftp")
    assert unknown.returncode != 0 and "STORAGE_BACKEND" in unknown.stderr
