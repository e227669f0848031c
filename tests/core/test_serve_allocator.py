"""`longarm serve` starts itself again with glibc's allocator bounded (issue 17: the web workers' resident
memory crept under load with no Python object left behind; README, "Memory"), and replaces workers after
`LONGARM_MAX_REQUESTS` requests when that is set."""

import io
import os
import sys
from typing import Any

import django.core.management
import pytest
from django.core.management import call_command
from django.test import override_settings

from longarm import cli
from longarm.core.management.commands import serve

_ALLOCATOR = ("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")


class Started(Exception):
    """What main() did instead of running a command: the arguments it was called with."""

    def __init__(self, *arguments: Any) -> None:
        super().__init__(*arguments)
        self.arguments = arguments


@pytest.fixture
def launcher(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """cli.main() with nothing real started: os.execve and Django's command line raise instead."""

    def execve(path: str, argv: list[str], environment: dict[str, str]) -> None:
        raise Started("execve", path, argv, environment)

    def command_line(argv: list[str]) -> None:
        raise Started("command", list(argv))

    monkeypatch.setattr(os, "execve", execve)
    monkeypatch.setattr(django.core.management, "execute_from_command_line", command_line)
    monkeypatch.setattr(os, "umask", lambda mask: 0o022)  # main() sets 0o077 for the whole process
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/nonexistent-metrics")  # no directory made by the test
    monkeypatch.setattr(cli, "_glibc", lambda: True)
    for name in _ALLOCATOR:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_serve_starts_again_with_the_allocator_bounded(launcher: pytest.MonkeyPatch) -> None:
    launcher.setattr(sys, "argv", ["/venv/bin/longarm", "serve", "--bind", "127.0.0.1:9"])
    launcher.setattr(sys, "orig_argv", ["python3", "/venv/bin/longarm", "serve", "--bind", "127.0.0.1:9"])
    with pytest.raises(Started) as started:
        cli.main()
    kind, path, argv, environment = started.value.arguments
    assert kind == "execve"
    # The same command, by this interpreter, with every other variable passed on.
    assert path == sys.executable
    assert argv == [sys.executable, "/venv/bin/longarm", "serve", "--bind", "127.0.0.1:9"]
    assert environment["MALLOC_ARENA_MAX"] == "2"
    assert environment["MALLOC_MMAP_THRESHOLD_"] == environment["MALLOC_TRIM_THRESHOLD_"] == "131072"
    assert environment["PROMETHEUS_MULTIPROC_DIR"] == "/nonexistent-metrics"
    assert {name: environment[name] for name in os.environ} == dict(os.environ)


def test_started_again_serve_runs_without_a_second_start(launcher: pytest.MonkeyPatch) -> None:
    for name, value in cli.MALLOC_SETTINGS.items():
        launcher.setenv(name, value)
    launcher.setattr(sys, "argv", ["longarm", "serve"])
    with pytest.raises(Started) as started:
        cli.main()
    assert started.value.arguments == ("command", ["longarm", "serve"])


def test_other_commands_are_not_started_again(launcher: pytest.MonkeyPatch) -> None:
    launcher.setattr(sys, "argv", ["longarm", "worker"])
    with pytest.raises(Started) as started:
        cli.main()
    assert started.value.arguments == ("command", ["longarm", "worker"])


def test_the_operators_own_values_are_kept(launcher: pytest.MonkeyPatch) -> None:
    launcher.setenv("MALLOC_ARENA_MAX", "4")
    environment = cli.malloc_environment(os.environ)
    assert environment is not None
    assert environment["MALLOC_ARENA_MAX"] == "4"
    assert environment["MALLOC_MMAP_THRESHOLD_"] == "131072"


def test_another_c_library_is_left_alone(launcher: pytest.MonkeyPatch) -> None:
    launcher.setattr(cli, "_glibc", lambda: False)
    assert cli.malloc_environment({}) is None


def _gunicorn_options(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    captured: dict[str, Any] = {}

    class Gunicorn:
        def __init__(self, options: dict[str, Any]) -> None:
            captured.update(options)

        def run(self) -> None:
            pass

    monkeypatch.setattr(serve, "_Gunicorn", Gunicorn)
    for name in ("refuse_to_start_unless_sound", "evidence_requeue_unfinished", "outbox_sweep"):
        monkeypatch.setattr(serve, name, lambda *arguments: None)
    call_command("serve", "--no-worker", "--bind", "127.0.0.1:9", stdout=io.StringIO())
    return captured


@pytest.mark.django_db
def test_workers_are_kept_for_good_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    options = _gunicorn_options(monkeypatch)
    assert options["max_requests"] == 0
    assert options["worker_class"] == "gthread"


@pytest.mark.django_db
@override_settings(LONGARM_MAX_REQUESTS=20000)
def test_workers_are_replaced_after_the_requests_set_with_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    options = _gunicorn_options(monkeypatch)
    assert options["max_requests"] == 20000
    assert options["max_requests_jitter"] == 2000
