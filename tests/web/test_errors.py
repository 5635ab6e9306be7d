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


# The error page can never fail ------------------------------------------------------------------------

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store"}


def assert_secure(response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    csp = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp


def add_route(app, rule: str, view, permission: str = "public") -> None:
    """A route of the test's own, added before the app's first request (as a feature would add it)."""
    from fanlight.web.access.permissions import public, requires

    marked = public(view) if permission == "public" else requires(permission)(view)
    app.add_url_rule(rule, view.__name__, marked)


def _broken_context(**_: object) -> dict[str, object]:
    raise RuntimeError("a template helper that fails")


def test_a_page_that_cannot_be_drawn_is_answered_with_the_plain_page(app, client):
    """A broken context processor (or template) fails every template: the error page still answers."""
    app.context_processor(_broken_context)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<h1 class=\"govuk-heading-l\">Page not found</h1>" in html and "check it is correct" in html
    assert "<html" in html and "RuntimeError" not in html and "Traceback" not in html
    assert_secure(response)

    fragment = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and "<html" not in fragment.get_data(as_text=True)
    assert "Page not found" in fragment.get_data(as_text=True) and "govuk-error-summary" in fragment.get_data(as_text=True)
    assert_secure(fragment)


def test_an_unexpected_error_on_a_page_that_cannot_be_drawn_is_a_plain_500(app, client):
    def explodes() -> str:
        raise RuntimeError("a bug")

    add_route(app, "/test-explodes", explodes)
    app.context_processor(_broken_context)
    response = client.get("/test-explodes")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in html and "has not been lost" in html
    assert "a bug" not in html and "Traceback" not in html
    assert_secure(response)


def test_the_plain_page_escapes_what_it_shows(app, client, monkeypatch):
    from fanlight.web import errors

    app.context_processor(_broken_context)
    monkeypatch.setitem(errors._MESSAGES, 404, ("<script>alert(1)</script>", "<b>&</b>"))
    html = client.get("/no-such-page").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in html


def test_a_database_error_in_a_context_processor_gives_the_plain_page(app, client):
    from sqlalchemy.exc import OperationalError

    def database_gone(**_: object) -> dict[str, object]:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    app.context_processor(database_gone)
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)
    assert "server closed" not in response.get_data(as_text=True)
    assert_secure(response)


def test_after_a_failed_flush_the_signed_in_persons_error_page_is_drawn_in_full(app, teacher):
    """A failed flush leaves the request's session unusable: reading the signed-in person for the
    page's navigation raised again, inside the error handler, and a bare 500 went out. The failed
    request is rolled back first, and the full page is drawn."""
    from fanlight.web import db
    from fanlight.web.models import User
    from tests.support.factories import sign_in

    def fails_to_save() -> str:
        s = db.session()
        s.add(User(email=None, name="nobody", role="professional"))
        s.flush()
        return "saved"

    add_route(app, "/test-fails-to-save", fails_to_save, "refer")
    client = app.test_client()
    sign_in(client, teacher)
    response = client.get("/test-fails-to-save")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in html
    assert "Your forms" in html and "Sign out" in html  # the real page, drawn for the signed-in person
    assert_secure(response)
    assert client.get("/your-forms").status_code == 200


def test_an_error_inside_the_error_handler_still_gets_an_answer(app, client, monkeypatch):
    def explodes() -> str:
        raise RuntimeError("a bug")

    def logging_fails(*_: object, **__: object) -> None:
        raise OSError("the log disk is full")

    add_route(app, "/test-explodes", explodes)
    monkeypatch.setattr(app.logger, "exception", logging_fails)
    response = client.get("/test-explodes")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)
    assert_secure(response)


def test_an_error_page_made_after_a_failing_after_request_keeps_the_security_headers(app, client):
    """Flask answers a failure in an after_request function with the 500 page, and then skips the
    after_request functions that failed to run: the page sets its own headers."""
    def fails(response):
        raise RuntimeError("a response hook that fails")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the failure is answered, not raised
    app.after_request(fails)
    response = client.get("/sign-in")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)
    assert_secure(response)


def test_a_json_client_gets_problem_details_when_the_page_cannot_be_drawn(app, client):
    app.context_processor(_broken_context)
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Page not found"
    assert_secure(response)


def test_the_413_message_speaks_of_forms_and_files(app, client):
    response = client.post("/sign-in", data={"x": "x" * (app.config["FANLIGHT_MAX_FORM_BYTES"] + 1)})
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and "form or file you sent is too large" in html
    assert "smaller file" in html and "shorten what you typed" in html
