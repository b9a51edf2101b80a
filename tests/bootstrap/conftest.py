"""Fixtures of the bootstrap tests."""

from __future__ import annotations

import pytest
from cc0_support import Tools, realized_tools


@pytest.fixture(scope="session")
def cc0_tools(tmp_path_factory: pytest.TempPathFactory) -> Tools:
    """cc0, M0, hex2 and catm, realized once through sx from the hex0 seed."""
    return realized_tools(tmp_path_factory.mktemp("cc0-store") / "root")
