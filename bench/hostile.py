"""How long hostile definitions and hostile answers take: QUALITY row 21.

    .venv/bin/python bench/hostile.py

Each case is run 5 times; the figure is the slowest run (the worst case is what matters for a
worker). Targets: any definition text up to 1 MB checked in under 1 s; a pattern check of a
hostile answer in milliseconds. This is a measurement, not a test: it always exits 0.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]

from tests.property.test_hostile_yaml import WORST, _bomb  # noqa: E402

from fanlight.engine import evaluate, load_texts  # noqa: E402

RUNS = 5
NAME_PATTERN = "([A-Za-z ,.'-]+)+"


def worst(action: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return max(times)


def line(name: str, seconds: float, target: float) -> None:
    verdict = "MET" if seconds < target else "NOT MET"
    print(f"{name:45s} {seconds * 1000:9.1f} ms   target < {target * 1000:.0f} ms   {verdict}")


def main() -> None:
    print("Definitions (load_texts of one file)")
    bomb = _bomb(9, 9, flow=True)
    line(f"alias bomb, {len(bomb.encode())} bytes", worst(lambda: load_texts({"f.yaml": bomb})), 1.0)
    for name, text in sorted(WORST.items()):
        text = text[:1_000_000]  # noqa: PLW2901  (the size limit is measured separately)
        line(f"{name}, {len(text.encode()) // 1000} KB", worst(lambda t=text: load_texts({"f.yaml": t})), 1.0)

    print("\nAnswers (evaluate, pattern ([A-Za-z ,.'-]+)+ on text, textarea and =~)")
    form_text = (
        "kind: form\nid: redos\nversion: 1\ntitle: ReDoS\nsections:\n  - id: main\n    title: Main\n    fields:\n"
        f'      - {{id: name, type: text, label: Name, pattern: "{NAME_PATTERN}"}}\n'
        f'      - {{id: names, type: textarea, label: Names, max_length: 20000, pattern: "{NAME_PATTERN}"}}\n'
        "      - {id: matched, type: yes_no, label: M, calculate: \"names =~ '([A-Za-z ,.-]+)+$'\"}\n"
    )
    loaded = load_texts({"f.yaml": form_text})
    assert not loaded.problems, loaded.problems
    form = loaded.compiled["redos"]
    for size in (41, 10_000):
        answer = "a" * (size - 1) + "!"
        answers = {"name": answer[-41:], "names": answer}
        line(f"{size:,}-character hostile answer", worst(lambda a=answers: evaluate(form, a)), 0.05)

    print("\nFor comparison, Python's backtracking `re` on the same pattern")
    backtracking = re.compile(NAME_PATTERN)
    for size in (18, 20, 22):
        text = "a" * (size - 1) + "!"
        print(
            f"{size}-character answer: {worst(lambda t=text: backtracking.fullmatch(t)) * 1000:9.1f} ms (doubles per character)"
        )


if __name__ == "__main__":
    main()
