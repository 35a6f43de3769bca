import pytest

from .data import build_history


@pytest.fixture
def history(db):
    return build_history()
