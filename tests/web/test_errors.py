"""One error policy (fanlight.web.errors): each kind of client gets its own answer to the same error."""

from __future__ import annotations


def test_a_page_gets_the_error_page_htmx_a_fragment_and_a_json_client_problem_details(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "<html" in page.get_data(as_text=True)
    assert "Page not found" in page.get_data(as_text=True)

    fragment = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and "<html" not in fragment.get_data(as_text=True)
    assert "Page not found" in fragment.get_data(as_text=True)

    problem = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert problem.status_code == 404 and problem.mimetype == "application/problem+json"
    assert problem.get_json() == {"type": "about:blank", "title": "Page not found", "status": 404,
                                  "detail": "If you typed the web address, check it is correct."}


def test_every_error_answer_keeps_the_security_headers(client):
    for headers in ({}, {"HX-Request": "true"}, {"Accept": "application/json"}):
        response = client.get("/no-such-page", headers=headers)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
