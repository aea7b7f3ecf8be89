"""
The layers of docs/architecture.md hold: import-linter's contracts (pyproject.toml)
are kept, they name every module of the product, a wrong import breaks them, and no
module imports itself round a cycle — imports inside functions included.
"""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
PACKAGES = [
    "sscp",
    "reviews",
    "actions",
    "audits",
    "partnerships",
    "accounts",
    "dashboards",
    "learning",
    "meetings",
    "search",
    "devtools",
]
CONFIG = tomllib.loads((BASE / "pyproject.toml").read_text())["tool"]["importlinter"]
# Modules that hold no code a layer is about: configuration and package files.
UNLAYERED = {"sscp.settings", "sscp.formats", "sscp.formats.en_GB", "sscp.formats.en_GB.formats"}


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    lint = Path(sys.executable).parent / "lint-imports"
    return subprocess.run(
        [str(lint), "--no-cache", str(root / "pyproject.toml")],
        cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def graph():
    sys.path.insert(0, str(BASE))
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def test_the_import_contracts_are_kept():
    result = lint_imports(BASE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_module_of_the_product_is_in_a_layer(graph):
    [layers] = [c for c in CONFIG["contracts"] if c["type"] == "layers"]
    named = {m.strip() for layer in layers["layers"] for m in layer.replace("|", ":").split(":")}
    products = [p for p in PACKAGES if p != "devtools"]
    modules = {m for p in products for m in graph.find_descendants(p) if ".migrations" not in m}
    unlayered = {
        m
        for m in modules - UNLAYERED
        if not any(m == n or m.startswith(n + ".") for n in named)
        and graph.find_descendants(m) == set()  # packages are covered by their modules
        and not m.endswith(".apps")
    }
    assert not unlayered, f"not in any layer of pyproject.toml: {sorted(unlayered)}"


def test_no_module_imports_itself_round_a_cycle(graph):
    modules = {m for p in PACKAGES for m in graph.find_descendants(p) | {p}}
    cycles = [
        (a, b)
        for a in modules
        for b in graph.find_modules_directly_imported_by(a)
        if b in modules and a != b and graph.chain_exists(importer=b, imported=a)
    ]
    assert not cycles, f"import cycles: {sorted(cycles)[:10]}"


def test_an_import_against_the_layers_breaks_the_contracts(tmp_path):
    """A deliberately wrong import — the audit kernel reaching up to the dashboards, inside
    a function where no linter of style would see it — makes lint-imports fail."""
    for name in [*PACKAGES, "pyproject.toml"]:
        source = BASE / name
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, tmp_path / name)
    history = tmp_path / "audits" / "history.py"
    history.write_text(
        history.read_text() + "\n\ndef wrong():\n    from dashboards import views  # noqa\n"
    )
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and "audits.history -> dashboards.views" in result.stdout


def test_the_lifecycle_table_in_the_docs_names_every_transition():
    from actions.lifecycle import TRANSITIONS

    text = (BASE / "docs" / "architecture.md").read_text()
    table = text[text.index("## The action lifecycle") : text.index("## Ratings")]
    for transition in TRANSITIONS:
        assert f"| `{transition.name}` |" in table, transition.name
