#!/usr/bin/env python3
"""Set-up and entry point for a fresh machine that has only Python 3.11+.

    python3 run.py demo    create .venv, install, load the demo chain, serve the API
    python3 run.py test    create .venv, install with dev tools and the app, run ruff, mypy, pytest

Extra arguments go to `chainstore serve` (demo) or to pytest (test). Installation is
repeated only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def sh(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)  # noqa: S603 (our own tools)


def exec_(*args: str | Path) -> None:
    """Become the command (POSIX), so Ctrl-C and SIGTERM reach it directly and it can shut
    down cleanly; subprocess.run would kill it 0.25 s after an interrupt."""
    print("+", " ".join(str(a) for a in args), flush=True)
    if os.name == "nt":
        sh(*args)
        return
    os.chdir(ROOT)
    os.execv(str(args[0]), [str(a) for a in args])  # noqa: S606 (our own tools)


def ensure_installed(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (say so plainly on an old Python)
        sys.exit("Chainstore needs Python 3.11 or newer.")
    stamp = VENV / f".installed-{extras}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    sh(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    sh(BIN / "python", "-m", "pip", "install", "--quiet", "--editable", target)
    stamp.write_text(digest)


def main() -> None:
    command, rest = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    try:
        if command == "demo":
            ensure_installed("")
            sh(BIN / "chainstore", "seed", "--demo")
            exec_(BIN / "chainstore", "serve", *rest)
        elif command == "test":
            ensure_installed("dev,app")
            sh(BIN / "ruff", "check", ".")
            sh(BIN / "ruff", "format", "--check", ".")
            sh(BIN / "mypy")
            exec_(BIN / "pytest", *rest)
        else:
            sys.exit(__doc__)
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
