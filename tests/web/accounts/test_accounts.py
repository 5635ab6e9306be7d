"""Creating an account, confirming the address, signing in, resetting a password (issue 4, DESIGN §7)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from fanlight import console
from fanlight.web.accounts import tokens
from fanlight.web.models import AccountToken, AuditEvent, User
from tests.support.factories import audit_rows, count, csrf_from, database, make_user, sign_in, start_draft
from tests.support.mailbox import link_in, outbox, post_page, register, verify

GP = "rowan.hale@demo-surgery.example"
PASSWORD = "river lantern orchard 42"


def user_row(app, email: str) -> User:
    with database(app) as s:
        user = s.scalar(select(User).where(User.email == email))
        assert user is not None, email
        s.expunge(user)
        return user


# Registering -------------------------------------------------------------------------------------


def test_a_gp_with_an_approved_domain_registers_confirms_signs_in_and_starts_a_form(app, client):
    response = register(client, GP.upper())  # addresses are kept in lower case
    assert response.status_code == 302 and response.headers["Location"] == "/register/check-your-email"
    page = client.get("/register/check-your-email").get_data(as_text=True)
    assert GP in page and "24 hours" in page

    user = user_row(app, GP)
    assert (user.role, user.agency_id, user.agency, user.verified, user.active) == (
        "professional", "demo-surgery", "Demo Surgery", False, True)
    assert user.password_hash.startswith("$argon2id$")

    # Not yet: the address is not confirmed.
    refused = sign_in(client, _person(user), password=PASSWORD)
    assert refused.status_code == 403
    assert "Confirm your email address before you sign in" in refused.get_data(as_text=True)

    messages = outbox(app, GP)
    assert [m.subject for m in messages] == ["Confirm your email address", "Confirm your email address"]
    first_link, newest_link = link_in(messages[0], "/confirm-email/"), link_in(messages[1], "/confirm-email/")
    assert client.get(first_link).status_code == 410  # the newer link replaced it

    opened = client.get(newest_link)  # opening the link (as a mail scanner does) uses nothing up
    assert opened.status_code == 200 and "Confirm email address" in opened.get_data(as_text=True)
    assert not user_row(app, GP).verified
    confirmed = verify(client, newest_link)
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/sign-in"
    assert "Your email address is confirmed" in client.get("/sign-in").get_data(as_text=True)
    assert user_row(app, GP).verified
    assert client.get(newest_link).status_code == 410  # single use

    signed_in = sign_in(client, _person(user))
    assert signed_in.headers["Location"] == "/your-forms"
    assert client.get("/your-forms").status_code == 200
    start_draft(client)

    events = [r.event for r in audit_rows(app)]
    assert events == ["registration", "sign_in_unverified", "email_verified", "sign_in"]


def _person(user: User, password: str = PASSWORD):
    from tests.support.factories import User as Person

    return Person(user.id, user.email, user.role, user.agency, user.name, password)


def test_an_address_whose_domain_no_agency_approved_is_refused_and_told_what_to_do(app, client):
    for email in ("someone@gmail.example", "gp@surgery.demo-surgery.example", "gp@demo-surgery.example.evil.example"):
        response = post_page(client, "/register", {"email": email})
        assert response.status_code == 403, email
        html = response.get_data(as_text=True)
        assert "You cannot create an account with this email address" in html
        assert "ask your manager or safeguarding lead to contact" in html
        assert "call the Family Front Door on" in html
        assert client.get("/register/your-details").headers["Location"] == "/register"
    assert count(app, User) == 0
    assert not outbox(app)
    rows = audit_rows(app, "registration_refused")
    assert [r.actor_email for r in rows] == ["someone@gmail.example", "gp@surgery.demo-surgery.example",
                                             "gp@demo-surgery.example.evil.example"]


def test_the_organisation_is_the_one_whose_domain_the_address_has(app, client):
    post_page(client, "/register", {"email": "jo@demo-police.example"})
    page = client.get("/register/your-details").get_data(as_text=True)
    assert "County Police" in page and "jo@demo-police.example" in page
    # A posted organisation is not a choice the person has: the domain decides.
    post_page(client, "/register/your-details", {"name": "Jo", "agency": "demo-surgery", "agency_id": "demo-surgery",
                                                 "password": PASSWORD, "confirm": PASSWORD})
    user = user_row(app, "jo@demo-police.example")
    assert (user.agency_id, user.agency) == ("county-police", "County Police")


@pytest.mark.parametrize(("password", "message"), [
    ("short pass", "12 characters or more"),
    ("rowan.hale@demo-surgery.example", "must not contain your email address"),
    ("rowan.hale-2026!", "must not contain your email address"),
    ("aaaaaaaaaaaaaaaa", "harder to guess"),
    ("123456789012", "harder to guess"),
    ("Password123456!", "harder to guess"),
    ("qwertyuiop12", "harder to guess"),
    ("Rowan Hale 2026", "harder to guess"),
    ("x" * 257, "256 characters or fewer"),
])
def test_an_obviously_weak_password_is_refused_with_the_reason(app, client, password, message):
    response = register(client, GP, password=password)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, User) == 0 and not outbox(app)


def test_passwords_that_do_not_match_are_refused(app, client):
    post_page(client, "/register", {"email": GP})
    response = post_page(client, "/register/your-details", {"name": "Rowan", "password": PASSWORD, "confirm": PASSWORD + "x"})
    assert response.status_code == 422 and "The passwords do not match" in response.get_data(as_text=True)


def test_registering_an_address_that_has_an_account_answers_the_same_and_tells_the_owner(app, client, user_factory):
    existing = user_factory(email=GP, name="Rowan Hale")
    response = register(client, GP, password="a different long passphrase")
    assert response.status_code == 302 and response.headers["Location"] == "/register/check-your-email"
    (message,) = outbox(app, GP)
    assert message.subject == "You already have an account"
    assert "/forgot-password" in message.body
    assert count(app, User) == 1
    sign_in(app.test_client(), existing)  # the password is unchanged
    assert [r.event for r in audit_rows(app)][:1] == ["registration_repeated"]


def test_registering_again_before_confirming_sends_a_new_link(app, client):
    register(client, GP)
    register(app.test_client(), GP)
    assert count(app, User) == 1
    links = [link_in(m, "/confirm-email/") for m in outbox(app, GP)]
    assert len(links) == 2 and links[0] != links[1]
    assert client.get(links[0]).status_code == 410
    assert client.get(links[1]).status_code == 200


def test_a_confirmation_link_expires(app, client, clock):
    register(client, GP)
    link = link_in(outbox(app, GP)[0], "/confirm-email/")
    clock.advance(app.config["FANLIGHT_VERIFY_LINK_SECONDS"] + 5)
    assert client.get(link).status_code == 410
    assert "This link has expired or has already been used" in client.get(link).get_data(as_text=True)


@pytest.mark.parametrize("change", ["tampered", "other purpose", "garbage"])
def test_a_forged_or_misused_link_confirms_nothing(app, client, change):
    register(client, GP)
    link = link_in(outbox(app, GP)[0], "/confirm-email/")
    token = link.rsplit("/", 1)[1]
    if change == "tampered":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif change == "other purpose":  # a reset token is no confirmation token
        with app.test_request_context(), database(app) as s:
            user = s.scalar(select(User).where(User.email == GP))
            token = tokens.issue(s, user, tokens.RESET)
            s.commit()
    else:
        token = "x" * 600
    assert client.get(f"/confirm-email/{token}").status_code in (404, 410)
    page = client.get("/sign-in").get_data(as_text=True)
    assert client.post(f"/confirm-email/{token}", data={"csrf_token": csrf_from(page)}).status_code in (404, 410)
    assert not user_row(app, GP).verified


def test_a_link_is_used_once_even_by_two_requests_at_once(app, client):
    register(client, GP)
    link = link_in(outbox(app, GP)[0], "/confirm-email/")
    token = link.rsplit("/", 1)[1]
    with app.test_request_context(), database(app) as s:
        first = tokens.use(s, token, tokens.VERIFY)
        s.commit()
        second = tokens.use(s, token, tokens.VERIFY)
    assert first is not None and second is None


# Resetting a password ----------------------------------------------------------------------------


def test_a_password_reset_by_email(app, user_factory):
    person = user_factory(email=GP, name="Rowan Hale")
    elsewhere = app.test_client()
    sign_in(elsewhere, person)
    client = app.test_client()
    response = post_page(client, "/forgot-password", {"email": GP})
    assert response.status_code == 200
    assert "If <strong>rowan.hale@demo-surgery.example</strong> has an account" in response.get_data(as_text=True)
    (message,) = outbox(app, GP)
    link = link_in(message, "/reset-password/")
    assert "1 hour" in message.body

    weak = post_page(client, link, {"password": "password1234", "confirm": "password1234"})
    assert weak.status_code == 422 and "harder to guess" in weak.get_data(as_text=True)
    done = post_page(client, link, {"password": "copper kettle meadow 9", "confirm": "copper kettle meadow 9"})
    assert done.status_code == 302 and done.headers["Location"] == "/sign-in"
    assert "Your password has been changed" in client.get("/sign-in").get_data(as_text=True)
    assert client.get(link).status_code == 410  # single use

    assert elsewhere.get("/your-forms").status_code == 302  # every session ended
    assert sign_in(app.test_client(), person, password=person.password).status_code == 401
    sign_in(app.test_client(), _person(user_row(app, GP), "copper kettle meadow 9"))
    assert [m.subject for m in outbox(app, GP)] == ["Reset your password", "Your password has been changed"]
    events = [r.event for r in audit_rows(app)]
    assert events.count("password_reset_requested") == 1 and events.count("password_reset_completed") == 1


def test_asking_to_reset_an_unknown_address_answers_exactly_the_same(app, user_factory):
    user_factory(email=GP)
    known, unknown = app.test_client(), app.test_client()
    a = post_page(known, "/forgot-password", {"email": GP}).get_data(as_text=True)
    b = post_page(unknown, "/forgot-password", {"email": "nobody@demo-surgery.example"}).get_data(as_text=True)
    assert a.replace(GP, "EMAIL") == b.replace("nobody@demo-surgery.example", "EMAIL")
    assert [m.to_address for m in outbox(app)] == [GP]
    rows = audit_rows(app, "password_reset_requested")
    assert [r.actor_email for r in rows] == [GP, "nobody@demo-surgery.example"]


def test_a_reset_link_expires_and_a_newer_one_replaces_it(app, client, user_factory, clock):
    user_factory(email=GP)
    post_page(client, "/forgot-password", {"email": GP})
    post_page(client, "/forgot-password", {"email": GP})
    first, second = (link_in(m, "/reset-password/") for m in outbox(app, GP))
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200
    clock.advance(app.config["FANLIGHT_RESET_LINK_SECONDS"] + 5)
    assert client.get(second).status_code == 410


def test_a_reset_confirms_an_unconfirmed_address(app, client):
    register(client, GP)
    post_page(client, "/forgot-password", {"email": GP})
    link = link_in(outbox(app, GP)[-1], "/reset-password/")
    post_page(client, link, {"password": "copper kettle meadow 9", "confirm": "copper kettle meadow 9"})
    assert user_row(app, GP).verified


def test_a_deactivated_account_gets_no_reset_link(app, user_factory):
    user_factory(email=GP, active=False)
    post_page(app.test_client(), "/forgot-password", {"email": GP})
    assert not outbox(app)


# Accounts made by the command line -----------------------------------------------------------------


def test_fanlight_users_create_bootstraps_an_administrator_who_can_sign_in(app, monkeypatch, capsys):
    monkeypatch.setattr("fanlight.web.accounts.service.DEFAULT_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("FANLIGHT_DEFINITIONS", app.config["DEFINITIONS_PATH"])
    monkeypatch.setenv("FANLIGHT_SECRET_KEY", "console-test")
    monkeypatch.setenv("FANLIGHT_NEW_PASSWORD", "weak")
    assert console.main(["users", "create", "--role", "administrator", "it.lead@council.example"]) == 2
    assert "12 characters or more" in capsys.readouterr().err
    monkeypatch.setenv("FANLIGHT_NEW_PASSWORD", PASSWORD)
    assert console.main(["users", "create", "--role", "wizard", "it.lead@council.example"]) == 2
    assert console.main(["users", "create", "--role", "administrator", "--name", "Ivy Lead",
                         "--agency", "family-front-door", "IT.Lead@council.example"]) == 0
    assert "created it.lead@council.example (administrator)" in capsys.readouterr().out
    assert console.main(["users", "create", "--role", "administrator", "it.lead@council.example"]) == 2
    assert "already has an account" in capsys.readouterr().err

    user = user_row(app, "it.lead@council.example")
    assert (user.role, user.active, user.verified, user.agency_id, user.agency) == (
        "administrator", True, True, "family-front-door", "Family Front Door")
    (row,) = audit_rows(app, "user_created")
    assert row.remote_addr == "command line" and "administrator" in row.target
    client = app.test_client()
    response = sign_in(client, _person(user))
    assert response.headers["Location"] == "/admin/users/"
    assert client.get("/admin/users/").status_code == 200


def test_fanlight_mail_outbox_prints_the_messages_with_their_links(app, client, monkeypatch, capsys):
    register(client, GP)
    post_page(client, "/forgot-password", {"email": "other@demo-school.example"})
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("FANLIGHT_DEFINITIONS", app.config["DEFINITIONS_PATH"])
    monkeypatch.setenv("FANLIGHT_SECRET_KEY", "console-test")
    assert console.main(["mail", "outbox", "--to", GP]) == 0
    out = capsys.readouterr().out
    assert f"To: {GP}" in out and "Subject: Confirm your email address" in out
    assert link_in(outbox(app, GP)[0], "/confirm-email/") in out
    assert console.main(["mail", "outbox", "--to", "nobody@example.org"]) == 0
    assert "the outbox is empty for nobody@example.org" in capsys.readouterr().out


def test_an_account_token_row_is_written_for_each_link(app, client):
    register(client, GP)
    assert count(app, AccountToken, AccountToken.purpose == "verify") == 1
    assert count(app, AuditEvent, AuditEvent.event == "registration") == 1


def test_the_email_links_use_the_configured_address_not_the_requests_host(app, client):
    app.config["FANLIGHT_BASE_URL"] = "https://referrals.council.example"
    evil = "http://evil.example"
    page = client.get("/register", base_url=evil).get_data(as_text=True)
    client.post("/register", data={"email": GP, "csrf_token": csrf_from(page)}, base_url=evil)
    page = client.get("/register/your-details", base_url=evil).get_data(as_text=True)
    response = client.post("/register/your-details", base_url=evil, data={
        "name": "Rowan", "password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    (message,) = outbox(app, GP)
    assert "https://referrals.council.example/confirm-email/" in message.body
    assert "evil.example" not in message.body


def test_make_user_accounts_are_confirmed(app):
    person = make_user(app)
    assert user_row(app, person.email).verified

