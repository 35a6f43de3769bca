"""A Python client generated from the published schema by openapi-python-client, as an integrator would
build it: `generated_client` is its package, generated once per session into a temporary folder."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture(scope="session")
def generated_client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sdk")
    schema = folder / "openapi.yaml"
    call_command("spectacular", "--file", str(schema), "--validate", "--fail-on-warn")
    # The generator formats its output with ruff, which it looks up on PATH.
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(schema), "--meta", "none"]
        + ["--output-path", str(folder / "techfin_client")],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("techfin_client")
    finally:
        sys.path.remove(str(folder))
