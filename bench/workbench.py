"""Benchmark of the workbench's pages with 100 definitions live.

    .venv/bin/python bench/workbench.py                      # SQLite, about a minute
    .venv/bin/python bench/workbench.py --database postgresql
    .venv/bin/python bench/workbench.py --renders 50

The live set is the publish benchmark's 100 definitions (the 27 bundled files and 73
synthetic 40-field forms, bench/publish.py). A service lead rewords the consent question of
the cause-for-concern form in a change and submits it for review. Timed, through the Flask
test client, each page rendered once first (warm) and then `--renders` times:

- the change page (GET /admin/changes/<id>) as an IT reviewer, the page a review starts on;
- the YAML editor (GET /admin/changes/<id>/edit?path=...) and the quick-edit list as the lead.

This is a measurement, not a test: it exits 0 whether or not the target is met.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import publish  # bench/publish.py: its databases, app and 100 definitions

TARGET_SECONDS = 0.2
LEAD, REVIEWER = "lead@bench.example", "reviewer@bench.example"


def change_in_review(app: Any) -> int:
    """The 100 definitions live, and a lead's change to the consent wording in review; its id."""
    from fanlight.admin import workflow
    from fanlight.web import db
    from fanlight.web.accounts.service import create_user
    from fanlight.web.definitions import registry

    with app.app_context():
        s = db.session()
        registry.publish_texts(s, publish.hundred_definitions(), change_id=None, user_id=None, note="100 definitions")
        lead = create_user(LEAD, "Lead", "service_lead", publish.PASSWORD)
        create_user(REVIEWER, "Reviewer", "it_reviewer", publish.PASSWORD)
        live = registry.texts_of(s, registry.live_id(s) or 0)[publish.CFC]
        text = re.sub(r"(      - id: consent\n        type: consent\n        label: ).*\n",
                      r"\g<1>Have you asked the family whether they agree?\n", live, count=1)
        change = workflow.create(s, lead, "Consent wording", "A benchmark's change.")
        workflow.save_item(s, change, lead, publish.CFC, text)
        workflow.submit(s, change, lead)
        s.commit()
        change_id = change.id
        s.close()
        return change_id


def signed_in(app: Any, email: str) -> Any:
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post("/sign-in", data={"email": email, "password": publish.PASSWORD,
                                             "csrf_token": publish._token(page)})
    if response.status_code != 302:
        raise SystemExit(f"signing in as {email} failed: {response.status_code}")
    return client


def timed(client: Any, path: str, renders: int) -> dict[str, float]:
    """The first render, then the median and maximum of `renders` more."""
    def render() -> float:
        started = time.perf_counter()
        response = client.get(path)
        took = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"GET {path}: {response.status_code}")
        return took

    first = render()
    warm = [render() for _ in range(renders)]
    return {"first_s": first, "median_s": statistics.median(warm), "max_s": max(warm)}


def measure(kind: str, renders: int) -> dict[str, dict[str, float]]:
    folder = Path(tempfile.mkdtemp(prefix="fanlight-bench-workbench-"))
    try:
        with publish.database(kind, folder) as url:
            app = publish.make_app(url, folder)
            change_id = change_in_review(app)
            reviewer, lead = signed_in(app, REVIEWER), signed_in(app, LEAD)
            base = f"/admin/changes/{change_id}"
            figures = {
                "change page (reviewer)": timed(reviewer, base, renders),
                "YAML editor (lead)": timed(lead, f"{base}/edit?path={publish.CFC}", renders),
                "quick-edit list (lead)": timed(lead, f"{base}/quick-edit?path={publish.CFC}", renders),
            }
            publish.dispose(app)
            return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--renders", type=int, default=20, help="warm renders of each page (after a first one)")
    args = parser.parse_args()
    print(f"machine: {publish.machine()}", flush=True)
    figures = measure(args.database, args.renders)
    print(f"\nWorkbench pages, 100 definitions live ({args.database}), warm median of {args.renders} renders")
    for page, f in figures.items():
        print(f"  {page:<24} median {publish.ms(f['median_s'])}, max {publish.ms(f['max_s'])}, "
              f"first {publish.ms(f['first_s'])}")
    verdict = "MET" if figures["change page (reviewer)"]["median_s"] < TARGET_SECONDS else "NOT MET"
    print(f"  change page target < {TARGET_SECONDS * 1000:.0f} ms: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
