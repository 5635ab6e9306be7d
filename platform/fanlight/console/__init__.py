"""The `fanlight` command: the engine's commands plus the web runtime's.

The engine's commands (definitions check/test, evaluate) live in fanlight.engine.cli and
import nothing of the web runtime; the commands added here import it only when run.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from fanlight.engine import cli as engine_cli

if TYPE_CHECKING:
    from flask import Flask

    from fanlight.web.models import OutboxMessage

DEMO_PASSWORD = "fanlight-demo-2026"  # noqa: S105 (printed by `fanlight serve` for local demo accounts only)


def build_parser() -> argparse.ArgumentParser:
    parser = engine_cli.build_parser()
    commands = _subcommands(parser)
    definitions = _subcommands(commands.choices["definitions"])
    for plugin in entry_points(group="fanlight.commands"):
        # Other parts of Fanlight add their own commands (the workbench: definitions import and
        # export), so this command imports nothing of theirs.
        plugin.load()(commands, definitions)

    serve = commands.add_parser("serve", help="run Fanlight (development server, SQLite by default)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    serve.add_argument("--no-demo", action="store_true", help="do not create the demo accounts")
    serve.set_defaults(handler=_serve)

    database = commands.add_parser("db", help="database tasks")
    tasks = database.add_subparsers(dest="task", required=True, parser_class=type(parser))
    upgrade = tasks.add_parser("upgrade", help="apply the database migrations (uses DATABASE_URL)")
    upgrade.set_defaults(handler=_upgrade)

    users = commands.add_parser("users", help="user accounts")
    user_tasks = users.add_subparsers(dest="task", required=True, parser_class=type(parser))
    create = user_tasks.add_parser("create", help="create an account (prompts for the password)")
    create.add_argument("email")
    create.add_argument("--role", required=True)
    create.add_argument("--name", default="")
    create.add_argument("--agency", default="", help="an agency definition's id (or, for council staff, a name)")
    create.set_defaults(handler=_create_user)
    retire = user_tasks.add_parser("retire-demo", help="switch off the demo accounts (production refuses to run with them)")
    retire.set_defaults(handler=_retire_demo)

    mail = commands.add_parser("mail", help="outbound email")
    mail_tasks = mail.add_subparsers(dest="task", required=True, parser_class=type(parser))
    outbox = mail_tasks.add_parser("outbox", help="print the messages in the outbox, with their links")
    outbox.add_argument("--to", default="", metavar="EMAIL", help="only the messages to this address")
    outbox.set_defaults(handler=_mail_outbox)
    send = mail_tasks.add_parser("send", help="send waiting messages by SMTP (FANLIGHT_SMTP_URL)")
    send.set_defaults(handler=_mail_send)

    api_clients = commands.add_parser("api-clients", help="systems that send referrals through /api/v1")
    client_tasks = api_clients.add_subparsers(dest="task", required=True, parser_class=type(parser))
    make = client_tasks.add_parser("create", help="make a client; its token is printed once, on stdout")
    make.add_argument("name")
    make.add_argument("--agency", required=True, metavar="AGENCY_ID", help="the approved agency it sends for")
    make.add_argument("--scopes", default="submit,status", help="comma-separated: submit, status (default both)")
    make.set_defaults(handler=_api_client_create)
    client_tasks.add_parser("list", help="every client: agency, scopes, last used, revoked").set_defaults(
        handler=_api_client_list)
    revoke = client_tasks.add_parser("revoke", help="stop a client's token working, for good")
    revoke.add_argument("name")
    revoke.set_defaults(handler=_api_client_revoke)

    worker = commands.add_parser(
        "worker", help="deliver decided referrals to the case system, and send the mail outbox (run one or more)")
    worker.add_argument("--once", action="store_true", help="deliver what is due now, then stop")
    worker.add_argument("--poll", type=float, default=2.0, metavar="SECONDS",
                        help="how long to wait when nothing is due (default 2)")
    worker.set_defaults(handler=_worker)

    retention = commands.add_parser("retention", help="keep records only as long as their forms say")
    retention_tasks = retention.add_subparsers(dest="task", required=True, parser_class=type(parser))
    retention_run = retention_tasks.add_parser(
        "run", help="remind the owners of drafts left untouched, delete expired drafts and submissions (daily)")
    retention_run.add_argument("--dry-run", action="store_true", help="count what would be done; change nothing")
    retention_run.set_defaults(handler=_retention_run)
    return _with_census_commands(parser, commands)


def _with_census_commands(parser: argparse.ArgumentParser,
                          commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """`fanlight census export` and `fanlight dashboards rebuild-counts` (a function of their own:
    build_parser is long enough)."""
    census = commands.add_parser("census", help="the DfE Children in Need census")
    census_tasks = census.add_subparsers(dest="task", required=True, parser_class=type(parser))
    census_export = census_tasks.add_parser(
        "export", help="write the year's CIN referral items as the DfE's XML, and check them with the CIN validator")
    census_export.add_argument("--year", required=True, metavar="YYYY-YY",
                               help="the census year: 2026-27 is 1 April 2026 to 31 March 2027")
    census_export.add_argument("--out", required=True, metavar="FILE", help="the XML file to write (replaced whole)")
    census_export.add_argument("--la-code", metavar="NNN", help="the council's DfE LA number (default FANLIGHT_LA_CODE)")
    census_export.set_defaults(handler=_census_export)
    dashboards = commands.add_parser("dashboards", help="the managers' dashboards")
    dashboards_tasks = dashboards.add_subparsers(dest="task", required=True, parser_class=type(parser))
    rebuild = dashboards_tasks.add_parser(
        "rebuild-counts", help="count the dashboards' figures again from the referrals (after SQL written "
                               "around Fanlight, or a change of the front door's time zone)")
    rebuild.set_defaults(handler=_dashboards_rebuild)
    return parser


def _subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    found: argparse._SubParsersAction[argparse.ArgumentParser] = next(
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        return 130
    return code


def app(*, serving: bool = False) -> Flask:
    """The web app, for a command: a broken definition set or an unsafe production set-up stops the
    command, as it stops a server."""
    from fanlight.web.app import create_app
    from fanlight.web.config import UnsafeProduction
    from fanlight.web.definitions.catalogue import DefinitionsInvalid

    try:
        return create_app(serving=serving)
    except DefinitionsInvalid as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print("fanlight: refusing to start with invalid definitions", file=sys.stderr)
        raise SystemExit(1) from None
    except UnsafeProduction as error:
        for refusal in error.problems:
            print(f"fanlight: {refusal}", file=sys.stderr)
        print("fanlight: refusing to start in production (see the README, Running in production)", file=sys.stderr)
        raise SystemExit(1) from None


@contextmanager
def disposed(flask_app: Flask) -> Iterator[None]:
    """Close the app's database connections when the command is done with them."""
    try:
        yield
    finally:
        from fanlight.web import db, extensions

        db.session().close()
        extensions.db_engine(flask_app).dispose()


def _upgrade(args: argparse.Namespace) -> int:
    from fanlight.web.migrate import upgrade

    flask_app = app()
    upgrade(flask_app.config["DATABASE_URL"])
    print("database is up to date")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from fanlight.web.accounts.demo import seed_demo_accounts
    from fanlight.web.migrate import upgrade

    flask_app = app(serving=True)
    upgrade(flask_app.config["DATABASE_URL"])
    if not args.no_demo and flask_app.config["FANLIGHT_DEMO_ACCOUNTS"]:
        with flask_app.app_context():
            for email, role in seed_demo_accounts(DEMO_PASSWORD):
                print(f"  demo account: {email} ({role}), password {DEMO_PASSWORD}")
    print(f"\n  Fanlight is running: open http://{args.host}:{args.port}/\n", flush=True)
    flask_app.run(host=args.host, port=args.port, debug=False, use_reloader=False)
    return 0


def _create_user(args: argparse.Namespace) -> int:
    import getpass
    import re

    from sqlalchemy import select

    from fanlight.web import db
    from fanlight.web.access.audit import audit
    from fanlight.web.access.permissions import ROLES
    from fanlight.web.accounts import passwords
    from fanlight.web.accounts.forms import EMAIL_PATTERN
    from fanlight.web.accounts.service import create_user
    from fanlight.web.definitions import agencies
    from fanlight.web.models import User

    email = args.email.strip().lower()
    if args.role not in ROLES:
        print(f"fanlight: unknown role '{args.role}' (roles: {', '.join(ROLES)})", file=sys.stderr)
        return 2
    if len(email) > 254 or not re.match(EMAIL_PATTERN, email):
        print(f"fanlight: '{args.email}' is not an email address", file=sys.stderr)
        return 2
    password = os.environ.get("FANLIGHT_NEW_PASSWORD") or getpass.getpass("Password (12 characters or more): ")
    problem = passwords.problem(password, email, args.name)
    if problem:
        print(f"fanlight: {problem.replace('Your password', 'the password')}", file=sys.stderr)
        return 2
    flask_app = app()
    with flask_app.app_context(), disposed(flask_app):
        s = db.session()
        if s.scalar(select(User).where(User.email == email)) is not None:
            print(f"fanlight: {email} already has an account", file=sys.stderr)
            return 2
        agency = agencies.get(args.agency)
        user = create_user(email, args.name or email, args.role, password,
                           agency.title if agency else args.agency, agency_id=agency.id if agency else "")
        s.flush()
        audit("user_created", f"user {user.id} ({email}) as {args.role}")
        s.commit()
    print(f"created {email} ({args.role}); it can sign in now")
    return 0


def _retire_demo(args: argparse.Namespace) -> int:
    from fanlight.web.accounts.demo import retire_demo_accounts

    flask_app = app()
    with flask_app.app_context(), disposed(flask_app):
        retired = retire_demo_accounts()
    for email in retired:
        print(f"retired {email}: it cannot sign in")
    if not retired:
        print("no demo accounts are active")
    return 0


def _mail_outbox(args: argparse.Namespace) -> int:
    from fanlight.web import db, mail

    flask_app = app()
    with flask_app.app_context(), disposed(flask_app):
        messages = mail.outbox(db.session(), args.to or None)
        for message in messages:
            print(f"Message {message.id} ({_mail_state(message)}), {message.created_at:%Y-%m-%d %H:%M:%S} UTC")
            if message.last_error and message.status != "sent":
                print(f"Last error: {message.last_error}")
            print(f"To: {message.to_address}")
            print(f"Subject: {message.subject}")
            print()
            print(message.body.rstrip("\n") or "(sent: the body is not kept)")
            print("-" * 72)
    if not messages:
        print("the outbox is empty" + (f" for {args.to}" if args.to else ""))
    return 0


def _mail_state(message: OutboxMessage) -> str:
    """A failed message is either waiting for its next try or given up: the two ask different things
    of whoever reads the outbox (wait, or find out why and pass its content on by hand)."""
    if message.status != "failed":
        return str(message.status)
    tries = f"{message.attempts} {'try' if message.attempts == 1 else 'tries'}"
    if message.next_attempt_at is None:
        return f"failed, given up after {tries}"
    return f"failed {tries}, tried again from {message.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"


def _mail_send(args: argparse.Namespace) -> int:
    from fanlight.web import mail

    flask_app = app()
    if not flask_app.config["FANLIGHT_SMTP_URL"]:
        print("fanlight: FANLIGHT_SMTP_URL is not set: messages stay in the outbox", file=sys.stderr)
        return 2
    with flask_app.app_context(), disposed(flask_app):
        sent, failed = mail.deliver_pending()
    print(f"sent {sent}, failed {failed}")
    return 1 if failed else 0


def _retention_run(args: argparse.Namespace) -> int:
    from fanlight.web import mail
    from fanlight.web.referrals import retention

    flask_app = app()
    with flask_app.app_context(), disposed(flask_app):
        try:
            report = retention.run(dry_run=args.dry_run)
        except retention.RetentionNotConfigured as error:
            print(f"fanlight: {error}; nothing was changed", file=sys.stderr)
            return 2
        if report.reminded and not args.dry_run:
            mail.deliver_pending()  # with FANLIGHT_SMTP_URL set; else the reminders wait in the outbox
    print(("dry run, nothing changed\n" if args.dry_run else "") + "\n".join(report.lines()))
    return 1 if report.failed else 0




def _worker(args: argparse.Namespace) -> int:
    from fanlight.web.delivery import worker

    flask_app = app()
    with flask_app.app_context(), disposed(flask_app):
        if not args.once:
            print(f"fanlight worker {worker.name()}: delivering (stop with Ctrl-C or SIGTERM)", file=sys.stderr)
        done = worker.run(once=args.once, poll=max(0.1, args.poll))
    print(f"delivered {done.delivered}, sent to await acknowledgement {done.accepted}, acknowledged "
          f"{done.acknowledged}, to retry {done.retrying}, dead {done.dead}, mail sent {done.mail_sent}")
    return 1 if done.dead else 0


def _api_client_create(args: argparse.Namespace) -> int:
    from fanlight.web.api import clients

    flask_app = app()
    with flask_app.app_context(), disposed(flask_app):
        try:
            made = clients.create(args.name, args.agency, [s.strip() for s in args.scopes.split(",") if s.strip()])
        except clients.ClientProblem as problem:
            print(f"fanlight: {problem}", file=sys.stderr)
            return 2
        print(f"created API client '{made.client.name}' for {made.client.agency_id}, scopes "
              f"{','.join(made.client.scopes)}. Its token is below: it is shown this once and never again.",
              file=sys.stderr)
    print(made.token)
    return 0


def _api_client_list(args: argparse.Namespace) -> int:
    from fanlight.web.api import clients

    flask_app = app()
    with flask_app.app_context(), disposed(flask_app):
        for c in clients.listed():
            used = c.last_used_at.isoformat(timespec="minutes") if c.last_used_at else "never used"
            state = f"revoked {c.revoked_at.isoformat(timespec='minutes')}" if c.revoked_at else "active"
            print(f"{c.name}\t{c.agency_id}\t{','.join(c.scopes)}\t{used}\t{state}")
    return 0


def _api_client_revoke(args: argparse.Namespace) -> int:
    from fanlight.web.api import clients

    flask_app = app()
    with flask_app.app_context(), disposed(flask_app):
        try:
            client = clients.revoke(args.name)
        except clients.ClientProblem as problem:
            print(f"fanlight: {problem}", file=sys.stderr)
            return 2
        print(f"revoked '{client.name}': its token no longer works")
    return 0


def _census_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fanlight.web.census import export
    from fanlight.web.census.year import CensusYear, NotACensusYear

    try:
        year = CensusYear.parse(args.year)
        code = export.la_code(args.la_code)
    except (NotACensusYear, export.BadLaCode) as error:
        print(f"fanlight: {error}", file=sys.stderr)
        return 2
    flask_app = app()
    with flask_app.app_context(), disposed(flask_app):
        try:
            done = export.export(year, Path(args.out), code)
        except OSError as error:
            print(f"fanlight: cannot write {args.out}: {error.strerror or error}; nothing was written", file=sys.stderr)
            return 2
    print("\n".join(done.lines()), file=sys.stderr)
    return done.exit_code


def _dashboards_rebuild(args: argparse.Namespace) -> int:
    from fanlight.web import db
    from fanlight.web.dashboards import daily

    flask_app = app()
    with flask_app.app_context(), disposed(flask_app), db.transaction() as s:
        # One transaction: the dashboards read the old counts until the new ones are committed whole.
        rows = daily.rebuild(s.connection())
    print(f"dashboard counts rebuilt from the referrals: {rows} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
