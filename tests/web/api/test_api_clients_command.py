"""`fanlight api-clients create NAME --agency AGENCY_ID [--scopes submit,status]`: the token printed
once on stdout (and only its hash stored), list, revoke; a revoked token is a 401."""

from __future__ import annotations

import pytest

from fanlight import console
from fanlight.web.api import clients
from fanlight.web.models import ApiClient
from tests.support.factories import database
from tests.web.api.support import Api


@pytest.fixture
def command_env(app, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("FANLIGHT_DEFINITIONS", app.config["DEFINITIONS_PATH"])
    monkeypatch.setenv("FANLIGHT_UPLOADS", app.config["UPLOAD_FOLDER"])
    monkeypatch.setenv("FANLIGHT_SECRET_KEY", "console-test")


def test_it_prints_a_token_once_keeps_its_hash_and_a_revoked_token_stops_working(app, client, command_env, capsys):
    assert console.main(["api-clients", "create", "County Police PNC", "--agency", "county-police",
                         "--scopes", "submit,status"]) == 0
    printed = capsys.readouterr()
    token = printed.out.strip()
    assert token.startswith("fl_") and len(token) > 40 and printed.out.count("\n") == 1
    assert "shown this once" in printed.err
    with database(app) as s:
        stored = s.query(ApiClient).one()
        assert stored.token_hash == clients.digest(token) and token not in repr(vars(stored))
        assert (stored.agency_id, stored.scopes) == ("county-police", ["submit", "status"])
    assert Api(client, token).get("/forms").status_code == 200

    assert console.main(["api-clients", "list"]) == 0
    listed = capsys.readouterr().out.split("\t")
    assert listed[:3] == ["County Police PNC", "county-police", "submit,status"] and "active" in listed[-1]

    assert console.main(["api-clients", "revoke", "County Police PNC"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert Api(client, token).get("/forms").status_code == 401


def test_it_refuses_an_unknown_agency_scope_or_a_name_taken(app, command_env, capsys):
    assert console.main(["api-clients", "create", "X", "--agency", "no-such-agency"]) == 2
    assert "no approved agency has the id 'no-such-agency'" in capsys.readouterr().err
    assert console.main(["api-clients", "create", "X", "--agency", "county-police", "--scopes", "delete"]) == 2
    assert "unknown scope delete" in capsys.readouterr().err
    assert console.main(["api-clients", "create", "X", "--agency", "county-police"]) == 0
    assert console.main(["api-clients", "create", "X", "--agency", "county-police"]) == 2
    assert "exists already" in capsys.readouterr().err
