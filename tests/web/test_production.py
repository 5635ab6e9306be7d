"""What production refuses (README, "What production refuses"): demo accounts, a key on one server's
disk, and rate limits that each worker counts alone."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from fanlight import console
from fanlight.web import extensions
from fanlight.web.accounts import demo
from fanlight.web.config import UnsafeProduction
from fanlight.web.models import User
from tests.support.cli import ROOT
from tests.support.factories import audit_rows, csrf_from, database
from tests.support.web import clean, make_app

SHARED_STORE = "redis://127.0.0.1:6379"


@pytest.fixture
def production(config: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path) -> dict[str, Any]:
    """A production configuration that starts: a given key, a shared rate-limit store, no demo accounts."""
    monkeypatch.setenv("FANLIGHT_ENV", "production")
    monkeypatch.setenv("FANLIGHT_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.delenv("FANLIGHT_DEMO_ACCOUNTS", raising=False)
    clean(config["DATABASE_URL"])
    return {**config, "FANLIGHT_ENV": "production", "FANLIGHT_DEMO_ACCOUNTS": False,
            "RATELIMIT_STORAGE_URI": SHARED_STORE}


def started(config: dict[str, Any]) -> bool:
    app = make_app(config)
    extensions.db_engine(app).dispose()
    return True


def refusal(config: dict[str, Any]) -> str:
    with pytest.raises(UnsafeProduction) as refused:
        make_app(config)
    return str(refused.value)


def test_a_correct_production_set_up_starts(production):
    assert started(production)


def test_production_refuses_rate_limits_that_each_worker_counts_alone(production):
    reason = refusal({**production, "RATELIMIT_STORAGE_URI": "memory://"})
    assert "FANLIGHT_RATELIMIT_STORAGE" in reason and "each worker counts alone" in reason


def test_production_refuses_a_secret_key_generated_on_one_servers_disk(production, monkeypatch, tmp_path):
    monkeypatch.delenv("FANLIGHT_SECRET_KEY", raising=False)
    reason = refusal({k: v for k, v in production.items() if k != "SECRET_KEY"})
    assert "FANLIGHT_SECRET_KEY is not set" in reason
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_production_never_switches_demo_accounts_on_by_default(production):
    from fanlight.web.config import default_config

    assert default_config("instance-unused")["FANLIGHT_DEMO_ACCOUNTS"] is False
    reason = refusal({**production, "FANLIGHT_DEMO_ACCOUNTS": True})
    assert "FANLIGHT_DEMO_ACCOUNTS=1" in reason


def test_production_refuses_to_serve_a_database_holding_demo_accounts_until_they_are_retired(
        production, config, monkeypatch, capsys):
    development = make_app({**config, "FANLIGHT_ENV": "development"})
    with development.app_context():
        demo.seed_demo_accounts("fanlight-demo-2026")
    extensions.db_engine(development).dispose()

    reason = refusal(production)
    assert "admin@demo-council.example" in reason and "fanlight users retire-demo" in reason

    monkeypatch.setenv("DATABASE_URL", config["DATABASE_URL"])
    monkeypatch.setenv("FANLIGHT_DEFINITIONS", config["DEFINITIONS_PATH"])
    monkeypatch.setenv("FANLIGHT_SECRET_KEY", "production-test")
    monkeypatch.setenv("FANLIGHT_RATELIMIT_STORAGE", SHARED_STORE)
    assert console.main(["users", "retire-demo"]) == 0
    assert "retired admin@demo-council.example: it cannot sign in" in capsys.readouterr().out

    app = make_app(production)
    try:
        client = app.test_client()
        page = client.get("/sign-in", base_url="https://localhost").get_data(as_text=True)
        response = client.post("/sign-in", base_url="https://localhost", headers={"Referer": "https://localhost/sign-in"},
                               data={"email": "admin@demo-council.example", "password": "fanlight-demo-2026",
                                     "csrf_token": csrf_from(page)})
        assert response.status_code == 401  # the published password opens nothing
        with database(app) as s:
            assert not any(s.scalars(select(User.active).where(User.email.in_(demo.EMAILS))))
        assert len(audit_rows(app, "user_deactivated")) == len(demo.EMAILS)
    finally:
        extensions.db_engine(app).dispose()


def test_demo_accounts_cannot_be_created_in_production_even_by_calling_the_seeder(production, monkeypatch):
    monkeypatch.setattr("fanlight.web.accounts.service.DEFAULT_HASHER", PasswordHasher(time_cost=1, memory_cost=1024))
    app = make_app(production)
    try:
        with app.app_context(), pytest.raises(RuntimeError, match="never created in production"):
            demo.seed_demo_accounts("fanlight-demo-2026")
    finally:
        extensions.db_engine(app).dispose()


def test_fanlight_serve_in_production_with_demo_accounts_asked_for_refuses_and_says_why(config, tmp_path):
    env = {**os.environ, "FANLIGHT_ENV": "production", "FANLIGHT_DEMO_ACCOUNTS": "1",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite'}", "FANLIGHT_INSTANCE": str(tmp_path / "instance"),
           "FANLIGHT_DEFINITIONS": config["DEFINITIONS_PATH"], "FANLIGHT_SECRET_KEY": "serve-test",
           "FANLIGHT_RATELIMIT_STORAGE": SHARED_STORE,
           "PYTHONPATH": os.pathsep.join(str(ROOT / r) for r in ("platform", "renderers", "admin"))}
    done = subprocess.run([sys.executable, "-c", "import sys; from fanlight.console import main; sys.exit(main(['serve', '--port', '0']))"],
                          env=env, capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path)
    assert done.returncode == 1
    assert "FANLIGHT_DEMO_ACCOUNTS=1" in done.stderr and "refusing to start in production" in done.stderr
    assert "demo account:" not in done.stdout and "Fanlight is running" not in done.stdout


def test_the_demo_has_an_account_for_every_role_a_person_signs_in_as():
    """Every page of the product can be tried from `scripts/start`: the workbench's two people too."""
    from fanlight.web.access.permissions import ROLES

    assert {role for _, _, role, _ in demo.DEMO_ACCOUNTS} == set(ROLES)
