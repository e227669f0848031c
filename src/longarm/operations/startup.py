"""What `longarm serve` and `longarm worker` do before they start: refuse, one line per problem."""

from django.core.management.base import CommandError, OutputWrapper

from longarm.operations.doctor import Level, examine


def refuse_to_start_unless_sound(stderr: OutputWrapper) -> None:
    """Write every warning and refusal to ``stderr``; raise ``CommandError`` if anything refuses."""
    findings = examine()
    for finding in findings:
        if finding.level is not Level.OK:
            stderr.write(f"{finding.level.value}: {finding.name}: {finding.message}")
    errors = sum(finding.level is Level.ERROR for finding in findings)
    if errors:
        raise CommandError(
            f"Longarm will not start: {errors} problem(s) above (`longarm doctor` lists every check)."
        )
