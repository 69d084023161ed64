"""Dispatch `python -m bench <name>` to `bench/<name>.py:main()`."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    """The benchmarks in this folder."""
    return sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]))


def main(argv: list[str]) -> int:
    """Run one benchmark by name."""
    names = [n for n in available() if not n.startswith("_")]
    if not argv or argv[0] not in names:
        print(f"usage: python -m bench <{'|'.join(names) or 'name'}> [args]", file=sys.stderr)
        return 2
    module = importlib.import_module(f"bench.{argv[0]}")
    result: int = module.main(argv[1:])
    return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
