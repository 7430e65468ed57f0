"""docs/errors.md lists every problem type the code can answer, each with its status
and title, and nothing else.

Where the types come from: `problem()` (app/errors.py) builds every problem+json
body and takes its slug only from `ProblemSlug`, which mypy enforces at each call;
the ProblemError subclasses, wherever they are defined, carry their own status and
title; and no module writes the type's prefix by hand.
"""

import importlib
import pkgutil
import re
from pathlib import Path
from typing import get_args

import app
from app.errors import PROBLEM_TYPE_PREFIX, ProblemError, ProblemSlug

ROOT = Path(__file__).parent.parent
CATALOGUE = (ROOT / "docs" / "errors.md").read_text()
ROW = re.compile(r"^\| `" + re.escape(PROBLEM_TYPE_PREFIX) + r"([a-z-]+)` \| ([^|]+) \| ([^|]+) \|")


def documented() -> dict[str, tuple[str, str]]:
    """slug → (status cell, title cell) of each row of the catalogue."""
    rows = {}
    for line in CATALOGUE.splitlines():
        found = ROW.match(line)
        if found:
            slug, status, title = found.groups()
            assert slug not in rows, f"{slug} is listed twice"
            rows[slug] = (status.strip(), title.strip())
    return rows


def every_problem_error() -> list[type[ProblemError]]:
    """Every subclass, once every module of the app is imported (they define them)."""
    for module in pkgutil.walk_packages(app.__path__, "app."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    found, todo = [], [ProblemError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_the_catalogue_lists_exactly_the_types_the_code_can_build() -> None:
    assert set(documented()) == set(get_args(ProblemSlug))


def test_each_problem_error_is_listed_with_its_status_and_title() -> None:
    rows = documented()
    classes = every_problem_error()
    # The domain's own (LinkExpired, UpstreamFailed...) are found, not only errors.py's.
    assert {"LinkExpired", "UpstreamFailed", "InvalidInput"} <= {cls.__name__ for cls in classes}
    for cls in classes:
        assert cls.slug in rows, cls
        status, title = rows[cls.slug]
        assert str(cls.status) in re.findall(r"\d{3}", status), (cls, status)
        assert title == cls.title, (cls, title)


def test_no_module_writes_a_problem_type_by_hand() -> None:
    for path in (ROOT / "app").rglob("*.py"):
        if path.name != "errors.py":
            assert PROBLEM_TYPE_PREFIX not in path.read_text(), path
