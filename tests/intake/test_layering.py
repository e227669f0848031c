"""Intake publishes; analytics, surveys and linking subscribe (core.outbox). The reporter site must not know
they exist, so that nothing they do can slow a submission down or break it."""

import ast
from pathlib import Path

import longarm.intake

INTAKE = Path(longarm.intake.__file__).parent
FORBIDDEN = ("longarm.analytics", "longarm.linking")


def imported_modules(source: str) -> set[str]:
    """Every module a Python source imports, at any depth of the tree (functions included)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def forbidden(modules: set[str]) -> set[str]:
    return {name for name in modules if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)}


def test_no_intake_module_imports_analytics_or_linking() -> None:
    offenders = {
        str(path.relative_to(INTAKE)): sorted(found)
        for path in INTAKE.rglob("*.py")
        if (found := forbidden(imported_modules(path.read_text(encoding="utf-8"))))
    }
    assert not offenders, f"intake must publish, not call: {offenders}"


def test_the_check_sees_every_form_of_import() -> None:
    source = (
        "import longarm.analytics.services\n"
        "from longarm.linking import clusters\n"
        "def later():\n    from longarm.analytics.surveys.services import survey_response_record\n"
        "from longarm import analytics\n"
    )
    assert forbidden(imported_modules(source)) >= {
        "longarm.analytics.services",
        "longarm.linking",
        "longarm.analytics.surveys.services",
        "longarm.analytics",
    }
    allowed = "from longarm.core.outbox import publish\nimport longarm.analyticsx\n"
    assert not forbidden(imported_modules(allowed))
