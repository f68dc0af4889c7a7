"""The ``notepress`` command: a thin face over :mod:`notepress`'s Python API.

Exit codes (:mod:`notepress.errors` draws them with the error tree): 0 clean, 1 when a note
had an error, a target failed or the output folder could not be locked or written, an
operating-system error during a build included (everything else is still built), 2 for a
usage or config error (nothing is written).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .chars import printable
from .config import CONFIG_FILE, Config
from .errors import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, ExportError, NotepressError
from .model import Problem, Severity
from .pipeline import LOCK_TIMEOUT, BuildReport, Project, load_project
from .registry import exporter_names, get_exporter
from .schema import describe
from .version import __version__

__all__ = ["main"]

_FILES_SHOWN = 8


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminated) if in_main_thread else None
    try:
        return int(args.run(args))
    except ExportError as exc:  # the build could not be written: nothing of the vault harmed
        print(f"notepress: error: {exc}", file=sys.stderr)
        return EXIT_ERRORS
    except NotepressError as exc:
        print(f"notepress: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("notepress: interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        print("notepress: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except BrokenPipeError:  # output piped into `head`: not an error of ours
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:  # a folder that cannot be written, a full disk...
        where = f" {exc.filename}" if exc.filename else ""
        print(printable(f"notepress:{where}: {exc.strerror or exc}"), file=sys.stderr)
        return EXIT_ERRORS if args.command == "build" else EXIT_USAGE
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every ``finally`` runs: workers are
    stopped and temporary folders removed, as for Ctrl-C."""


def _terminated(signum: int, frame: object) -> None:
    raise _Terminated


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="notepress",
        description="Publish a vault of markdown notes as feeds, PDF digests, EPUB and JSON-LD.",
    )
    parser.add_argument("--version", action="version", version=f"notepress {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str, run: Any) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("vault", nargs="?", default=".", help="vault folder (default: .)")
        sub.set_defaults(run=run)
        return sub

    build = command("build", "build every target (or those named with -t)", _build)
    _config_option(build)
    build.add_argument("-o", "--output", metavar="DIR", help="output folder (default: from config)")
    build.add_argument(
        "-t", "--target", action="append", metavar="NAME", help="build only this target"
    )
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _jobs_option(build)
    build.add_argument(
        "--wait",
        type=float,
        default=LOCK_TIMEOUT,
        metavar="SECONDS",
        help=f"wait this long for another build into the same output (default: {LOCK_TIMEOUT:g})",
    )

    check = command("check", "report every problem in the vault", _check)
    _config_option(check)
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _jobs_option(check)

    listing = command("list", "list the notes with their metadata", _list)
    _config_option(listing)
    listing.add_argument("--format", choices=("text", "json"), default="text")

    targets = command("targets", "list the targets and how many notes each selects", _targets)
    _config_option(targets)

    init = command("init", f"write a commented {CONFIG_FILE} into the vault", _init)
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    return parser


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c", "--config", metavar="FILE", help=f"config file (default: VAULT/{CONFIG_FILE})"
    )


def _jobs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="processes that parse notes (default: [vault] jobs, else one per core; 1: none)",
    )


def _load(args: argparse.Namespace, **kwargs: Any) -> Project:
    jobs = getattr(args, "jobs", None)
    if jobs is not None:
        kwargs["jobs"] = jobs
    return load_project(args.vault, args.config, **kwargs)


def _shown(project: Project, problem: Problem) -> str:
    """A problem with its file as a path the user can open (targets keep their key path)."""
    if problem.path.startswith("targets.") or problem.path == "output":
        return problem.format(problem.path)
    return problem.format(_display_path(project.vault.root / problem.path))


def _display_path(path: Path) -> str:
    """Relative to the working folder when below it, else absolute: short and clickable.

    Escaped, so that a control character or a byte that is not UTF-8 in a folder's name
    can neither break the line nor the printing.
    """
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return printable(str(path))
    return printable(str(path.resolve()) if relative.startswith("..") else relative)


def _print_problems(project: Project, problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(_shown(project, problem), file=sys.stderr)


def _build(args: argparse.Namespace) -> int:
    project = _load(args, output=args.output, strict=args.strict)
    _announce_defaults(project.config)
    report: BuildReport = project.build(args.target, lock_timeout=args.wait)
    _print_problems(project, report.problems)
    for target in report.targets:
        _print_problems(project, target.problems)
    for target in report.targets:
        if not target.ok:  # its error[target-failed] line is printed above
            print(f"{target.name} ({target.exporter}) FAILED", file=sys.stderr)
            continue
        folder = report.output / target.name
        print(
            f"{target.name} ({target.exporter}, {target.notes} notes) -> {_display_path(folder)}/"
        )
        for path in target.files[:_FILES_SHOWN]:
            print(f"  {_display_path(path)}")
        if len(target.files) > _FILES_SHOWN:
            print(f"  ... and {len(target.files) - _FILES_SHOWN} more files")
    errors = sum(1 for p in report.all_problems() if p.severity is Severity.ERROR)
    warnings = sum(1 for p in report.all_problems() if p.severity is Severity.WARNING)
    failed = sum(1 for t in report.targets if not t.ok)
    print(
        f"output in {_display_path(report.output)}: {len(report.targets) - failed} targets built, "
        f"{failed} failed; {errors} errors, {warnings} warnings",
        file=sys.stderr,
    )
    return EXIT_ERRORS if report.has_errors else EXIT_OK


def _announce_defaults(config: Config) -> None:
    if config.path is None:
        print(
            f"notepress: no {CONFIG_FILE} found, using built-in defaults "
            f"(run 'notepress init' to write one)",
            file=sys.stderr,
        )


def _check(args: argparse.Namespace) -> int:
    project = _load(args, strict=args.strict)
    problems = project.problems()
    if args.format == "json":
        json.dump([p.as_dict() for p in problems], sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        for problem in problems:
            print(_shown(project, problem))
        notes = len(project.vault.notes)
        errors = sum(1 for p in problems if p.severity is Severity.ERROR)
        print(f"{notes} notes, {errors} errors, {len(problems) - errors} warnings", file=sys.stderr)
    return EXIT_ERRORS if project.vault.has_errors else EXIT_OK


def _list(args: argparse.Namespace) -> int:
    project = _load(args)
    rows: list[dict[str, Any]] = [
        {
            "path": note.path.as_posix(),
            "note_id": note.note_id,
            "title": note.title,
            "draft": note.draft,
            "published": note.published,
            "tags": list(note.tags),
            "keywords": list(note.keywords),
            "description": note.description,
            "created": note.created.isoformat() if note.created else None,
            "updated": note.updated.isoformat() if note.updated else None,
            "created_from": note.created_from or None,
            "updated_from": note.updated_from or None,
            "errors": len(note.errors()),
            "warnings": len(note.warnings()),
        }
        for note in project.vault.notes
    ]
    # Files that could not become notes (a symlink loop, a name that is not UTF-8) are not
    # rows, but a listing must not hide that they were skipped.
    _print_problems(project, project.vault.problems)
    if args.format == "json":
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return EXIT_OK
    for row in rows:
        state = "published" if row["published"] else ("draft" if row["draft"] else "error")
        created = (row["created"] or "")[:10]
        tags = " ".join(f"#{t}" for t in row["tags"])
        line = f"{row['note_id']:<12} {created:<10} {state:<9} {row['title']}  {tags}".rstrip()
        print(printable(line))
    return EXIT_OK


def _targets(args: argparse.Namespace) -> int:
    project = _load(args)
    _announce_defaults(project.config)
    for target in project.config.targets.values():
        count = len(project.selected(target))
        output = _display_path(project.config.output / target.name)
        print(f"{target.name:<20} {target.exporter:<8} {count:>5} notes  -> {output}")
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    path = Path(args.vault) / CONFIG_FILE
    if path.exists() and not args.force:
        print(f"notepress: {path} exists (use --force to overwrite)", file=sys.stderr)
        return EXIT_USAGE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(commented_config(), encoding="utf-8")
    print(f"wrote {_display_path(path)}")
    return EXIT_OK


def _toml_value(value: Any) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
        )
    return str(value)


def commented_config() -> str:
    """A starter ``notepress.toml``: every option with its default, commented."""
    from .config import Selection, Site, VaultOptions, _TopLevel

    lines = ["# notepress configuration. Uncomment and edit what you need.", ""]
    for name, default, doc in describe(_TopLevel):
        lines += [f"# {doc}", f"# {name} = {_toml_value(default)}"]
    lines += ["", "[site]"]
    # Written out so that the file builds as it is: feeds and JSON-LD need a URL.
    written = {"title": "Notes", "url": "http://localhost:8000/"}
    for name, default, doc in describe(Site):
        value = written.get(name, default)
        prefix = "" if name in written else "# "
        lines += [f"# {doc}", f"{prefix}{name} = {_toml_value(value)}"]
    lines += ["", "[vault]"]
    for name, default, doc in describe(VaultOptions):
        example = f"# {name} = {_toml_value(default)}" if default is not None else f"# {name} ="
        lines += [f"# {doc}", example]
    lines += ["", "# Each [targets.NAME] writes OUTPUT/NAME/. Keys every target shares:"]
    for name, _default, doc in describe(Selection):
        lines.append(f"#   {name}: {doc}")
    examples = {"feed": "newsletter", "pdf": "digest", "epub": "archive", "jsonld": "metadata"}
    for exporter_name in exporter_names():
        exporter = get_exporter(exporter_name)
        target = examples.get(exporter_name, exporter_name)
        lines += ["", f"[targets.{target}]", f'exporter = "{exporter_name}"']
        for name, default, doc in describe(exporter.Options):
            example = f"# {name} = {_toml_value(default)}" if default is not None else f"# {name} ="
            lines += [f"# {doc}", example]
    return "\n".join(lines) + "\n"
