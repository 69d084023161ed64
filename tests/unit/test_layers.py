"""The import contract in pyproject.toml holds, and it does catch an import that runs upwards."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "scheduler", "runtime", "services", "ui", "delivery", "reports")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    ignore = shutil.ignore_patterns("__pycache__", "templates", "*.docx")
    for name in (*PACKAGES, "storage", "tgemu"):
        shutil.copytree(ROOT / name, tree / name, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_a_service_importing_a_handler_breaks_the_layers(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    clean = _lint(tree)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    audit = tree / "services" / "audit.py"
    audit.write_text(audit.read_text() + "\nimport handlers.common  # noqa\n")
    broken = _lint(tree)
    assert broken.returncode != 0
    assert "services is not allowed to import handlers" in broken.stdout
    assert "services.audit -> handlers.common" in broken.stdout
