import sys
from pathlib import Path

# Tests import their helpers as `tests.helpers`; the repository root must be importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
