"""/dashboards/: the dashboard for a period (a GET form: it works with JavaScript off)."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

from flask import render_template, request

from ..access.permissions import requires
from . import blueprint as bp
from . import charts, periods, reporting
from .dashboard import SECTIONS, build
from .tables import timeliness


@bp.route("/")
@requires("dashboards")
def index() -> str:
    kinds = list(periods.KINDS.items())
    with collector_paused():
        try:
            dashboard = build(request.args)
        except periods.PeriodError as error:
            return render_template("pages/dashboards/index.html", dashboard=None, errors=error.problems, kinds=kinds,
                                   chosen="custom", values=request.args)
        drawn = {key: charts.chart(dashboard.tables[key]) for section in SECTIONS for key in section.charts}
        return render_template("pages/dashboards/index.html", dashboard=dashboard, errors={}, kinds=kinds,
                               chosen=dashboard.period.kind, values=request.args, sections=SECTIONS, charts=drawn,
                               replica=reporting.replica(), target=timeliness.target_percent())


class _Pause:
    """The pages being drawn now (threads of one process), and whether the collector was on before."""

    lock = threading.Lock()
    drawing = 0
    was_on = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector held off while a page is counted and drawn.

    A page makes a few hundred thousand short-lived objects (2,300 figures, each with its filter and
    link, and 1.4 MB of HTML). The collector, run every 700 allocations, found them all alive,
    moved them to its older generations, and every few requests scanned the whole process (the app's
    own 200,000 objects) for them: 20-60 ms of a request's CPU on average, 150 ms in the request that
    paid for a full scan. Held off, they are freed by reference counting when the request ends, and
    the collector finds nothing of the page to keep. It is only paused: any cycle made meanwhile is
    collected at its next run. With threads, the first page in turns it off and the last one out
    turns it on again (if it was on), so overlapping pages can never leave it off for good."""
    with _Pause.lock:
        if _Pause.drawing == 0:
            _Pause.was_on = gc.isenabled()
            gc.disable()
        _Pause.drawing += 1
    try:
        yield
    finally:
        with _Pause.lock:
            _Pause.drawing -= 1
            if _Pause.drawing == 0 and _Pause.was_on:
                gc.enable()
