"""The engine must never import Odoo: it is used by the CLI, the tests and
the simulators without a database."""

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "einvoice"


def _odoo_imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__" and node.args:
            arg = node.args[0]
            names = [arg.value] if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else []
        else:
            continue
        yield from (name for name in names if name == "odoo" or name.startswith("odoo."))


def test_no_module_of_the_engine_imports_odoo():
    sources = sorted(ENGINE.rglob("*.py"))
    assert len(sources) > 10
    offenders = {str(path.relative_to(ENGINE)): list(_odoo_imports(path)) for path in sources}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_every_engine_module_loads_no_odoo():
    modules = sorted(
        ".".join(path.relative_to(ENGINE.parent).with_suffix("").parts)
        for path in ENGINE.rglob("*.py")
        if path.name != "__main__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name.removesuffix('.__init__'))\n"
        "print(sorted(m for m in sys.modules if m == 'odoo' or m.startswith('odoo.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
