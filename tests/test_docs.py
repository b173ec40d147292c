"""The documentation's own links: every relative link and ``#anchor`` in README.md and docs/*.md
resolves, with GitHub's heading anchors, so moving a section cannot break one silently."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
README = PROJECT_DIR / "README.md"
DOCS_DIR = PROJECT_DIR / "docs"
PAGES = (README, *sorted(DOCS_DIR.glob("*.md")))
CONFIGURATION = DOCS_DIR / "configuration.md"
README_MOST_LINES = 300  # the newcomer's path; details belong in a docs/ page
KEYS_BEGIN, KEYS_END = "<!-- BEGIN configuration keys -->", "<!-- END configuration keys -->"

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$")
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks (closed by a fence of the same character, as long)."""
    lines, fence = [], ""
    for line in text.splitlines():
        opening = _FENCE.match(line)
        if not fence:
            if opening:
                fence = opening.group(1)
            else:
                lines.append(line)
        elif opening and opening.group(1).startswith(fence) and not line.strip().strip(fence[0]):
            fence = ""
    return lines


def heading_slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text lowercased, punctuation dropped, spaces as '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every heading's anchor; a repeated one gets -1, -2, ... as on GitHub."""
    seen: Counter[str] = Counter()
    found = set()
    for line in prose_lines(text):
        match = _HEADING.match(line)
        if match:
            slug = heading_slug(match.group(1))
            found.add(slug if not seen[slug] else f"{slug}-{seen[slug]}")
            seen[slug] += 1
    return found


@cache
def page_anchors(page: Path) -> set[str]:
    return anchors(page.read_text())


def link_targets(text: str) -> list[str]:
    """Every inline link's target outside code (fenced blocks and code spans)."""
    return [
        target for line in prose_lines(text) for target in _LINK.findall(_CODE_SPAN.sub("", line))
    ]


def broken_links(page: Path) -> list[str]:
    """Each relative link of ``page`` whose file or ``#anchor`` does not exist."""
    broken = []
    for target in link_targets(page.read_text()):
        if _EXTERNAL.match(target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in page_anchors(linked):
            broken.append(f"{target}: no heading with this anchor in {linked.name}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(PROJECT_DIR).as_posix())
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    assert broken_links(page) == []


def table_keys(header: str, text: str) -> list[str]:
    """The backticked names in the first column of the table under ``header``."""
    rows = text.split(f"\n{header}\n", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    return [key for row in rows for key in re.findall(r"`([^`]+)`", row.split("|")[1])]


def test_the_readme_summarizes_keys_of_the_reference_table() -> None:
    reference = CONFIGURATION.read_text()
    assert reference.count(KEYS_BEGIN) == reference.count(KEYS_END) == 1
    between = reference.split(KEYS_BEGIN, 1)[1].split(KEYS_END, 1)[0].strip()
    documented = table_keys("| key | default | meaning |", f"\n{between}\n\n")
    summarized = table_keys("| key | what for |", README.read_text())
    assert summarized, "the README's configuration summary table is missing"
    assert [key for key in summarized if key not in documented] == []


def test_the_readme_stays_short() -> None:
    lines = len(README.read_text().splitlines())
    assert lines <= README_MOST_LINES, f"README.md has {lines} lines: move details into docs/"


def test_the_readme_links_every_docs_page() -> None:
    linked = {
        (README.parent / target.partition("#")[0]).resolve()
        for target in link_targets(README.read_text())
    }
    assert [p.name for p in PAGES[1:] if p.resolve() not in linked] == []


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Flavours: cdktf or cdktn", "flavours-cdktf-or-cdktn"),
        ("`synth --hcl`", "synth---hcl"),
        ("Verify (after `make deploy`)", "verify-after-make-deploy"),
        (
            "What differs from the 2023 walkthrough, and why",
            "what-differs-from-the-2023-walkthrough-and-why",
        ),
        ("Deployment `orders/orders-api`", "deployment-ordersorders-api"),
        ("How to add a configuration key", "how-to-add-a-configuration-key"),
        ("key_vault_name_prefix", "key_vault_name_prefix"),
    ],
)
def test_heading_anchors_are_githubs(heading: str, slug: str) -> None:
    assert heading_slug(heading) == slug


def test_a_broken_link_or_anchor_is_found(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# Other\n\n## Same\n\n## Same\n")
    page.write_text(
        "# Page\n\n```sh\n# not a heading\n[in code](missing.md)\n```\n\n"
        "[ok](other.md#same-1) [ok](#page) [ok](https://example.com/x) `[code](missing.md)`\n"
        "[file](missing.md) [anchor](other.md#same-2) [here](#not-a-heading)\n"
    )
    assert broken_links(page) == [
        "missing.md: no such file",
        "other.md#same-2: no heading with this anchor in other.md",
        "#not-a-heading: no heading with this anchor in page.md",
    ]
