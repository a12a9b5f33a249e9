"""Suite-wide fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def no_leaked_inductor_cache_dir() -> Iterator[None]:
    """torch.compile in the test process sets TORCHINDUCTOR_CACHE_DIR to its default folder; left set, every later
    child trainer would inherit it and record a warm (user-chosen) compile cache instead of its own cold one."""
    before = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    yield
    if before is None:
        os.environ.pop("TORCHINDUCTOR_CACHE_DIR", None)
    else:
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = before
