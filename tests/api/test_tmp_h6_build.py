import time
import pytest
from tests.api.helpers import build_state

@pytest.mark.django_db
def test_build():
    t = time.monotonic()
    s = build_state()
    print("build", time.monotonic() - t, s.ids)
