"""Every link in the README and docs/ that is not a web address leads to a file in
this repository: nothing points outside it (such as ../shared), nothing is broken."""

import re
from pathlib import Path

ROOT = (Path(__file__).parent.parent).resolve()
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# [text](target) and [text]: target, with or without <>.
LINK = re.compile(r"\]\(<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\)|^\[[^\]]+\]:\s*<?(\S+?)>?$", re.M)


def local_targets(document: Path) -> list[str]:
    targets = [a or b for a, b in LINK.findall(document.read_text())]
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t) and not t.startswith("#")]


def test_no_link_leaves_the_repository_or_is_broken() -> None:
    checked = 0
    for document in DOCUMENTS:
        for target in local_targets(document):
            path = (document.parent / target.split("#")[0]).resolve()
            assert path.is_relative_to(ROOT), f"{document.name}: {target} is outside the repository"
            assert path.exists(), f"{document.name}: {target} does not exist"
            checked += 1
    assert checked >= 20  # the README and the guides link each other


def test_the_readme_links_the_api_guide_and_the_error_catalogue() -> None:
    targets = local_targets(ROOT / "README.md")
    assert "docs/api.md" in targets
    assert "docs/errors.md" in targets
    assert not any("shared" in target.split("/") for target in targets)
