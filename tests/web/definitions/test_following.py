"""Every worker follows the newest publication, compiling it off the request path: requests go on
being served the live set while a new one compiles, then it is swapped in."""

from __future__ import annotations

import threading
import time

import pytest

from fanlight.web import db, extensions
from fanlight.web.definitions import catalogue as catalogue_module
from fanlight.web.definitions import registry
from tests.admin.workbench_helpers import CFC, NEW_WORDING, OLD_WORDING
from tests.support.factories import FORM


def _publish_elsewhere(app) -> int:
    """A publication made by another server: this one hears of it only by polling."""
    with app.app_context():
        s = db.session()
        texts = registry.texts_of(s, registry.live_id(s) or 0)
        texts[CFC] = texts[CFC].replace(OLD_WORDING, NEW_WORDING)
        publication = registry.publish_texts(s, texts, change_id=None, user_id=None, note="elsewhere")
        s.commit()
        return publication.id


def _label(compiled) -> str:
    return next(f.label for f in compiled.form.top_fields() if f.id == "consent")


def test_a_new_publication_compiles_in_the_background_while_requests_are_served_the_live_set(app, monkeypatch):
    released = threading.Event()
    real = catalogue_module.compiled_set

    def slow_compile(*args, **kwargs):
        assert released.wait(10), "the test never let the compile finish"
        return real(*args, **kwargs)

    newest = _publish_elsewhere(app)
    monkeypatch.setattr(catalogue_module, "compiled_set", slow_compile)
    with app.app_context():
        catalogue = extensions.catalogue()
        old = catalogue.live
        catalogue.checked = 0.0
        started = time.monotonic()
        catalogue.refresh(db.session())  # a request's poll: it does not wait for the compile
        assert time.monotonic() - started < 2
        assert (catalogue.live, catalogue.compiling) == (old, newest)
        assert _label(catalogue.current(FORM)) == OLD_WORDING  # served meanwhile
        catalogue.checked = 0.0
        catalogue.refresh(db.session())  # polling again starts no second compile
        released.set()
        deadline = time.monotonic() + 10
        while catalogue.live != newest and time.monotonic() < deadline:
            time.sleep(0.01)
        assert (catalogue.live, catalogue.compiling) == (newest, None)
        assert _label(catalogue.current(FORM)) == NEW_WORDING


def test_a_command_or_the_publishing_request_serves_the_new_publication_at_once(app):
    newest = _publish_elsewhere(app)
    with app.app_context():
        catalogue = extensions.catalogue()
        catalogue.refresh(db.session(), force=True)
        assert catalogue.live == newest and _label(catalogue.current(FORM)) == NEW_WORDING


def _wait_until(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition()


def test_a_database_error_while_polling_leaves_the_next_poll_to_try_again(app, monkeypatch):
    newest = _publish_elsewhere(app)
    real, calls = registry.texts_of, []

    def busy_once(*args):
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return real(*args)

    monkeypatch.setattr(registry, "texts_of", busy_once)
    with app.app_context():
        catalogue = extensions.catalogue()
        catalogue.checked = 0.0
        with pytest.raises(RuntimeError):
            catalogue.refresh(db.session())
        assert catalogue.compiling is None  # not left "compiling" for ever
        catalogue.checked = 0.0
        catalogue.refresh(db.session())
        _wait_until(lambda: catalogue.live == newest)


def test_a_publication_that_cannot_be_compiled_is_tried_once_and_the_live_set_stays(app, monkeypatch, caplog):
    newest = _publish_elsewhere(app)
    attempts = []

    def broken(*args, **kwargs):
        attempts.append(args)
        raise RuntimeError("a bug in the compiler")

    monkeypatch.setattr(catalogue_module, "compiled_set", broken)
    with app.app_context():
        catalogue = extensions.catalogue()
        old = catalogue.live
        for _ in range(5):
            catalogue.checked = 0.0
            catalogue.refresh(db.session())
            _wait_until(lambda: catalogue.compiling is None)
        assert (catalogue.live, len(attempts)) == (old, 1)
        assert newest in catalogue.broken
        assert _label(catalogue.current(FORM)) == OLD_WORDING
    assert "cannot be compiled" in caplog.text
