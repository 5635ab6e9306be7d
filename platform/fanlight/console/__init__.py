"""The `fanlight` command: the engine's commands plus the web runtime's.

The engine's commands (definitions check/test, evaluate) live in fanlight.engine.cli and
import nothing of the web runtime; the commands added here import it only when run.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from contextlib import contextmanager

from fanlight.engine import cli as engine_cli

DEMO_PASSWORD = "fanlight-demo-2026"  # noqa: S105 (printed by `fanlight serve` for local demo accounts only)


def build_parser() -> argparse.ArgumentParser:
    parser = engine_cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001

    definitions = commands.choices["definitions"]
    actions = next(a for a in definitions._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
    imported = actions.add_parser("import", help="turn a folder of definitions into a change for review")
    imported.add_argument("path")
    imported.add_argument("--author", required=True, metavar="EMAIL", help="the service lead the change is from")
    imported.add_argument("--title", default="", help="what the change is (default: the folder's name)")
    imported.set_defaults(handler=_import)
    exported = actions.add_parser("export", help="write the live definitions as YAML files")
    exported.add_argument("path")
    exported.set_defaults(handler=_export)

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

    mail = commands.add_parser("mail", help="outbound email")
    mail_tasks = mail.add_subparsers(dest="task", required=True, parser_class=type(parser))
    outbox = mail_tasks.add_parser("outbox", help="print the messages in the outbox, with their links")
    outbox.add_argument("--to", default="", metavar="EMAIL", help="only the messages to this address")
    outbox.set_defaults(handler=_mail_outbox)
    send = mail_tasks.add_parser("send", help="send waiting messages by SMTP (FANLIGHT_SMTP_URL)")
    send.set_defaults(handler=_mail_send)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        return 130
    return code


def _app():  # type: ignore[no-untyped-def]
    from fanlight.web import create_app
    from fanlight.web.catalogue import DefinitionsInvalid

    try:
        return create_app()
    except DefinitionsInvalid as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print("fanlight: refusing to start with invalid definitions", file=sys.stderr)
        raise SystemExit(1) from None


@contextmanager
def _disposed(app):  # type: ignore[no-untyped-def]
    """Close the app's database connections when the command is done with them."""
    try:
        yield
    finally:
        from fanlight.web import db

        db.session().close()
        app.extensions["fanlight.engine"].dispose()


def _upgrade(args: argparse.Namespace) -> int:
    from fanlight.web.migrate import upgrade

    app = _app()
    upgrade(app.config["DATABASE_URL"])
    print("database is up to date")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from fanlight.web.demo import seed_demo_accounts
    from fanlight.web.migrate import upgrade

    app = _app()
    upgrade(app.config["DATABASE_URL"])
    if not args.no_demo and app.config["FANLIGHT_DEMO_ACCOUNTS"]:
        with app.app_context():
            for email, role in seed_demo_accounts(DEMO_PASSWORD):
                print(f"  demo account: {email} ({role}), password {DEMO_PASSWORD}")
    print(f"\n  Fanlight is running: open http://{args.host}:{args.port}/\n", flush=True)
    app.run(host=args.host, port=args.port, debug=False, use_reloader=False)
    return 0


def _import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sqlalchemy import select

    from fanlight.web import changes, db, registry
    from fanlight.web.models import User

    if not Path(args.path).is_dir():
        print(f"fanlight: no such folder: {args.path}", file=sys.stderr)
        return 2
    app = _app()
    with app.app_context():
        s = db.session()
        app.extensions["fanlight.catalogue"].refresh(s, force=True)
        author = s.scalar(select(User).where(User.email == args.author.strip().lower()))
        if author is None:
            print(f"fanlight: no account for {args.author}", file=sys.stderr)
            return 2
        try:
            change = changes.import_folder(s, author, registry.folder_texts(args.path), args.title or f"Import of {args.path}")
        except changes.NotAllowed as error:
            print(f"fanlight: {error}", file=sys.stderr)
            return 2
        if change is None:
            print("nothing to import: the folder matches the live definitions")
            return 0
        s.commit()
        checks = changes.check(s, change)
        for problem in checks.problems:
            print(problem, file=sys.stderr)
        print(f"change {change.id} '{change.title}' is {change.state.replace('_', ' ')} "
              f"({len(changes.items_of(s, change))} file(s), {len(checks.problems)} problem(s))")
        return 1 if checks.problems else 0


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fanlight.web import db, registry

    app = _app()
    with app.app_context():
        s = db.session()
        app.extensions["fanlight.catalogue"].refresh(s, force=True)
        texts = registry.texts_of(s, registry.live_id(s) or 0)
    root = Path(args.path)
    for relative, text in sorted(texts.items()):
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    print(f"wrote {len(texts)} file(s) to {root}")
    return 0


def _create_user(args: argparse.Namespace) -> int:
    import getpass
    import re

    from sqlalchemy import select

    from fanlight.web import agencies, db, passwords
    from fanlight.web.auth import EMAIL_PATTERN, create_user
    from fanlight.web.models import AuditEvent, User
    from fanlight.web.permissions import ROLES

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
    app = _app()
    with app.app_context(), _disposed(app):
        s = db.session()
        if s.scalar(select(User).where(User.email == email)) is not None:
            print(f"fanlight: {email} already has an account", file=sys.stderr)
            return 2
        agency = agencies.get(args.agency)
        user = create_user(email, args.name or email, args.role, password,
                           agency.title if agency else args.agency, agency_id=agency.id if agency else "")
        s.flush()
        s.add(AuditEvent(event="user_created", target=f"user {user.id} ({email}) as {args.role}",
                         remote_addr="command line"))
        s.commit()
    print(f"created {email} ({args.role}); it can sign in now")
    return 0


def _mail_outbox(args: argparse.Namespace) -> int:
    from fanlight.web import db, mail

    app = _app()
    with app.app_context(), _disposed(app):
        messages = mail.outbox(db.session(), args.to or None)
        for message in messages:
            print(f"Message {message.id} ({message.status}), {message.created_at:%Y-%m-%d %H:%M:%S} UTC")
            print(f"To: {message.to_address}")
            print(f"Subject: {message.subject}")
            print()
            print(message.body.rstrip("\n") or "(sent: the body is not kept)")
            print("-" * 72)
    if not messages:
        print("the outbox is empty" + (f" for {args.to}" if args.to else ""))
    return 0


def _mail_send(args: argparse.Namespace) -> int:
    from fanlight.web import mail

    app = _app()
    if not app.config["FANLIGHT_SMTP_URL"]:
        print("fanlight: FANLIGHT_SMTP_URL is not set: messages stay in the outbox", file=sys.stderr)
        return 2
    with app.app_context(), _disposed(app):
        sent, failed = mail.deliver_pending()
    print(f"sent {sent}, failed {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
