"""Repeated failed sign-ins for an address are slowed, then locked (issue 4 §5, OWASP ASVS 2.2.1)."""

from __future__ import annotations

from fanlight.web.models import SignInThrottle
from tests.support.factories import audit_rows, count, csrf_from
from tests.support.mailbox import link_in, outbox, post_page


def attempt(client, email: str, password: str, **kwargs):
    page = client.get("/sign-in", **kwargs).get_data(as_text=True)
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": csrf_from(page)}, **kwargs)


# Slowed, then locked ------------------------------------------------------------------------------------


def test_failed_sign_ins_are_slowed_then_locked_even_for_the_right_password(app, teacher, clock):
    client = app.test_client()
    slow_after, lock_after = app.config["FANLIGHT_LOCKOUT_SLOW_AFTER"], app.config["FANLIGHT_LOCKOUT_AFTER"]
    for n in range(1, slow_after):
        response = attempt(client, teacher.email, f"wrong password {n}")
        assert response.status_code == 401
        assert "Wait" not in response.get_data(as_text=True)

    response = attempt(client, teacher.email, "wrong password again")  # the first one slowed
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert f"You have tried {slow_after} times. Wait 5 seconds before you try again" in html
    assert f"After {lock_after - slow_after} more failed tries, you will not be able to sign in for 30 minutes" in html

    # Too soon: refused without the password being checked, even the right one.
    too_soon = attempt(client, teacher.email, teacher.password)
    assert too_soon.status_code == 429 and too_soon.headers["Retry-After"] == "5"
    assert "You have tried to sign in too many times. Wait 5 seconds, then try again" in too_soon.get_data(as_text=True)

    waits = []
    for n in range(slow_after + 1, lock_after):
        clock.advance(301)
        response = attempt(client, teacher.email, f"wrong password {n}")
        assert response.status_code == 401, n
        waits.append(" ".join(response.get_data(as_text=True).split("Wait ")[1].split(" ")[:2]))
    # doubling from 5 seconds, at most 5 minutes
    assert waits == ["10 seconds", "20 seconds", "40 seconds", "2 minutes", "3 minutes", "5 minutes"]

    clock.advance(301)
    locked = attempt(client, teacher.email, "the last wrong password")
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "1800"
    assert "You cannot sign in for 30 minutes because of too many failed tries" in locked.get_data(as_text=True)
    clock.advance(600)
    still = attempt(client, teacher.email, teacher.password)
    assert still.status_code == 429 and "You cannot sign in for 20 minutes" in still.get_data(as_text=True)
    assert client.get("/your-forms").status_code == 302

    clock.advance(20 * 60 + 1)  # the lock runs out
    assert attempt(client, teacher.email, teacher.password).status_code == 302
    assert count(app, SignInThrottle) == 0

    events = [r.event for r in audit_rows(app)]
    assert events.count("sign_in_failed") == lock_after
    assert events.count("sign_in_slowed") == 1
    assert events.count("account_locked") == 1
    assert events.count("sign_in_locked") == 1
    assert events[-1] == "sign_in"
    assert teacher.password not in repr([(r.target, r.actor_email) for r in audit_rows(app)])


def test_a_lock_is_told_in_whole_minutes_rounded_up(app, teacher, clock):
    """Seconds tick by between the lock and the next try (a busy server, a slow typist): the
    message says "1 minute", not "59 seconds"."""
    client = app.test_client()
    for n in range(app.config["FANLIGHT_LOCKOUT_AFTER"]):
        clock.advance(301)
        attempt(client, teacher.email, f"wrong password {n}")
    clock.advance(30 * 60 - 59)
    still = attempt(client, teacher.email, teacher.password)
    assert still.status_code == 429 and "You cannot sign in for 1 minute because" in still.get_data(as_text=True)


def test_a_successful_sign_in_clears_the_count(app, teacher):
    client = app.test_client()
    attempt(client, teacher.email, "wrong password 1")
    attempt(client, teacher.email, "wrong password 2")
    assert attempt(client, teacher.email, teacher.password).status_code == 302
    assert count(app, SignInThrottle) == 0


def test_a_password_reset_unlocks_at_once(app, teacher, clock):
    client = app.test_client()
    app.config.update(FANLIGHT_LOCKOUT_SLOW_AFTER=100, FANLIGHT_LOCKOUT_AFTER=3)
    for n in range(3):
        attempt(client, teacher.email, f"wrong password {n}")
    assert attempt(client, teacher.email, teacher.password).status_code == 429
    post_page(client, "/forgot-password", {"email": teacher.email})
    link = link_in(outbox(app, teacher.email)[-1], "/reset-password/")
    post_page(client, link, {"password": "copper kettle meadow 9", "confirm": "copper kettle meadow 9"})
    assert attempt(client, teacher.email, "copper kettle meadow 9").status_code == 302


def test_an_address_without_an_account_is_slowed_and_locked_exactly_the_same(app, teacher, clock):
    """The answers never tell anyone whether an address has an account."""
    app.config.update(FANLIGHT_LOCKOUT_SLOW_AFTER=2, FANLIGHT_LOCKOUT_AFTER=4)

    def story(email: str) -> list[tuple[int, str]]:
        client = app.test_client()
        seen = []
        for n in range(6):
            response = attempt(client, email, f"wrong password {n}")
            html = response.get_data(as_text=True)
            summary = html[html.index("govuk-error-summary"):html.index("</ul>", html.index("govuk-error-summary"))]
            seen.append((response.status_code, summary.replace(email, "EMAIL")))
            clock.advance(301)
        return seen

    assert story(teacher.email) == story("nobody-here@test-agency.example")


def test_the_count_is_forgotten_after_a_day_without_failures(app, teacher, clock):
    client = app.test_client()
    attempt(client, teacher.email, "wrong password 1")
    attempt(client, teacher.email, "wrong password 2")
    clock.advance(25 * 3600)
    attempt(client, teacher.email, "wrong password 3")
    response = attempt(client, teacher.email, "wrong password 4")
    assert "You have tried" not in response.get_data(as_text=True)  # 2 failures since: not slowed yet
    assert count(app, SignInThrottle) == 1
