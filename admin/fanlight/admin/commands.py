"""The workbench's commands, added to `fanlight definitions` (entry point group fanlight.commands):

    fanlight definitions import FOLDER --author EMAIL [--title TITLE]   a folder becomes a change for review
    fanlight definitions export FOLDER                                   the live set as YAML files
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(commands: Any, definitions: Any) -> None:
    imported = definitions.add_parser("import", help="turn a folder of definitions into a change for review")
    imported.add_argument("path")
    imported.add_argument("--author", required=True, metavar="EMAIL", help="the service lead the change is from")
    imported.add_argument("--title", default="", help="what the change is (default: the folder's name)")
    imported.set_defaults(handler=_import)
    exported = definitions.add_parser("export", help="write the live definitions as YAML files")
    exported.add_argument("path")
    exported.set_defaults(handler=_export)


def _import(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from fanlight.console import app, disposed
    from fanlight.web import db, extensions
    from fanlight.web.access.audit import audit
    from fanlight.web.definitions import registry
    from fanlight.web.models import User

    from . import workflow

    if not Path(args.path).is_dir():
        print(f"fanlight: no such folder: {args.path}", file=sys.stderr)
        return 2
    flask_app = app()
    with flask_app.app_context(), disposed(flask_app):
        s = db.session()
        extensions.catalogue().refresh(s, force=True)
        author = s.scalar(select(User).where(User.email == args.author.strip().lower()))
        if author is None:
            print(f"fanlight: no account for {args.author}", file=sys.stderr)
            return 2
        try:
            change = workflow.import_folder(s, author, registry.folder_texts(args.path),
                                            args.title or f"Import of {args.path}")
        except workflow.NotAllowed as error:
            s.rollback()
            if isinstance(error, workflow.Forbidden):  # refused for who is asking: audited, as on a page
                audit("access_denied", f"definitions import: {error}", user=author)
                s.commit()
            print(f"fanlight: {error}", file=sys.stderr)
            return 2
        if change is None:
            print("nothing to import: the folder matches the live definitions")
            return 0
        s.commit()
        checks = workflow.check(s, change)
        for problem in checks.problems:
            print(problem, file=sys.stderr)
        print(f"change {change.id} '{change.title}' is {change.state.replace('_', ' ')} "
              f"({len(workflow.items_of(s, change))} file(s), {len(checks.problems)} problem(s))")
        return 1 if checks.problems else 0


def _export(args: argparse.Namespace) -> int:
    from fanlight.console import app, disposed
    from fanlight.web import db, extensions
    from fanlight.web.definitions import registry

    flask_app = app()
    with flask_app.app_context(), disposed(flask_app):
        s = db.session()
        extensions.catalogue().refresh(s, force=True)
        texts = registry.texts_of(s, registry.live_id(s) or 0)
    root = Path(args.path)
    for relative, text in sorted(texts.items()):
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    print(f"wrote {len(texts)} file(s) to {root}")
    return 0
