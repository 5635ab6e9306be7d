import sys
from pathlib import Path

import pytest

# Tests import their helpers as `tests.helpers`; the repository root must be importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """With -n and no --dist of its own (scripts/test), the processes share the tests `worksteal`, not
    `load`: each starts on its own half, in order (a module's tests, and its module-scoped servers, mostly
    stay in one process), and one that runs out takes tests waiting in the other, so neither is left
    with a long tail while the other is idle. (Here, not in addopts: `--dist` is unknown under -p no:xdist.)"""
    option = config.option
    if getattr(option, "numprocesses", None) and getattr(option, "dist", "no") == "no" \
            and not getattr(option, "distload", False):
        option.dist = "worksteal"
