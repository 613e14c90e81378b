"""The rooms stay clean: bot/ imports no platform SDK, and adapters/ or handlers/ only from its composition root;
handlers import no adapter or SDK. Checked on the source (AST), so lazy imports inside functions count too."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SDKS = {"slack_bolt", "slack_sdk", "discord", "telegram", "openai"}
COMPOSITION_ROOT = "bot/composition.py"


def imported_modules(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant | ast.JoinedStr)):
            first = node.args[0]
            text = first.value if isinstance(first, ast.Constant) else "".join(
                v.value for v in first.values if isinstance(v, ast.Constant))
            found.add(str(text))
    return found


def violations(files: dict[str, str]) -> list[str]:
    """`files` maps a repo-relative path to its source; returns one line per forbidden import."""
    bad = []
    for path, source in files.items():
        tops = {m.split(".")[0] for m in imported_modules(source)}
        if path.startswith("bot/"):
            forbidden = SDKS - {"openai"}  # openai is optional: imported lazily by features, never by the core
            if path != COMPOSITION_ROOT:
                forbidden |= {"adapters", "handlers"}
        elif path.startswith("handlers/"):
            forbidden = (SDKS - {"openai"}) | {"adapters"}
        else:
            continue
        bad += [f"{path} imports {top}" for top in sorted(tops & forbidden)]
    return bad


def project_files() -> dict[str, str]:
    out = {}
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            out[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    return out


def test_no_forbidden_imports() -> None:
    assert violations(project_files()) == []


def test_the_check_catches_violations() -> None:
    files = {
        "bot/pipeline.py": "import discord\n",
        "bot/router.py": "def f():\n    from adapters.console import ConsoleAdapter\n",
        "bot/context.py": "import importlib\nimportlib.import_module('handlers.help')\n",
        "handlers/help.py": "from slack_bolt import App\n",
        COMPOSITION_ROOT: "import importlib\nfrom adapters.console import X\n",
    }
    assert violations(files) == [
        "bot/pipeline.py imports discord",
        "bot/router.py imports adapters",
        "bot/context.py imports handlers",
        "handlers/help.py imports slack_bolt",
    ]


def test_import_linter_contracts_hold() -> None:
    """The same rules as import-linter contracts in pyproject.toml, for editors and CI alike."""
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout and "3 kept" in result.stdout


def test_core_starts_without_heavy_optional_imports(tmp_path: Path) -> None:
    """Idle memory: with only the console configured, no platform SDK and no openai is imported."""
    program = (
        "import asyncio, sys\n"
        "from bot.config import Settings\n"
        "from bot.composition import build_app\n"
        "from bot.store.models import Base\n"
        "async def main():\n"
        f"    s = Settings.model_validate({{'DATABASE_URL': 'sqlite+aiosqlite:///{tmp_path}/x.db'}})\n"
        "    app = build_app(s)\n"
        "    async with app.engine.begin() as c:\n"
        "        await c.run_sync(Base.metadata.create_all)\n"
        "    await app.start(adapters=False)\n"
        "    await app.stop()\n"
        "asyncio.run(main())\n"
        "heavy = sorted(m for m in ('openai', 'slack_bolt', 'slack_sdk', 'discord', 'telegram') if m in sys.modules)\n"
        "print(','.join(heavy) or 'none')\n"
    )
    out = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "none"
