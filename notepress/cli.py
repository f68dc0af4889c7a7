"""The ``notepress`` command: a thin face over :mod:`notepress`'s Python API.

Exit codes (:mod:`notepress.errors` draws them with the error tree): 0 clean, 1 when a note
had an error, a target failed or the output folder could not be locked or written, an
operating-system error during a build included (everything else is still built), 2 for a
usage or config error (nothing is written).
"""

from __future__ import annotations

import argparse
import atexit
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from .chars import cells, printable
from .errors import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, ExportError, NotepressError
from .locations import CONFIG_FILE
from .model import Problem, Severity
from .output import LOCK_TIMEOUT
from .progress import plural, progress_for
from .report import build_dict, build_summary, problem_counts, problem_lines
from .results import BuildReport
from .unchanged import Request
from .version import __version__

if TYPE_CHECKING:
    from .pipeline import Project
    from .serve import BuildState, Rebuilder

# The rest of the API is imported by the commands that use it: a build found unchanged
# (:mod:`notepress.unchanged`) answers without the renderer, the exporters or their libraries.

__all__ = ["main", "run"]

_FILES_SHOWN = 8
#: The path column of ``list`` is this wide at most; a longer path pushes its row along.
_PATH_WIDTH = 40


def run() -> NoReturn:
    """The ``notepress`` command (and ``python -m notepress``): :func:`main`, then an exit
    that does not free the build's objects one by one.

    A build of 10,000 notes leaves some 100 MB of notes behind; the interpreter's shutdown
    would free each of them (0.05 to 0.08 s of a one-second build after one edit) for memory
    the system takes back whole the moment the process ends.  So once the handlers
    registered to run at exit have run and the output is flushed, the process ends at once,
    as mypy's does.  While another thread still runs, or on an interpreter without the hook
    that runs those handlers, the exit is the ordinary one.
    """
    code = main()
    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_handlers is None or threading.active_count() > 1:
        sys.exit(code)
    run_handlers()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # output piped into `head`, closed early: as main() answers
        pass
    except OSError:  # a full disk under redirected output: the ordinary exit reports it
        sys.exit(code)
    os._exit(code)


def _port(text: str) -> int:
    """A TCP port, 0 for any free one: 99999 was a traceback from the socket."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {text!r}")
    return port


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
        _silence_closed_pipe()
        return EXIT_OK
    except OSError as exc:  # a folder that cannot be written, a full disk...
        where = f" {exc.filename}" if exc.filename else ""
        print(printable(f"notepress:{where}: {exc.strerror or exc}"), file=sys.stderr)
        return EXIT_ERRORS if args.command == "build" else EXIT_USAGE
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _silence_closed_pipe() -> None:
    """Point standard output, and standard error when it is the same pipe (``2>&1 | head``),
    at the null device, as Python's documentation advises: the flush at exit then has
    nowhere to fail, and no message about the pipe reaches a terminal."""
    try:
        descriptors = [sys.stdout.fileno()]
        error = sys.stderr.fileno()
    except (OSError, ValueError):
        return  # streams without descriptors of their own (replaced, as in tests)
    if os.path.sameopenfile(descriptors[0], error):
        descriptors.append(error)  # else standard error is elsewhere (a terminal): it stays
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for descriptor in descriptors:
            os.dup2(devnull, descriptor)
    finally:
        os.close(devnull)


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
    _verbosity_options(build)
    build.add_argument("--format", choices=("text", "json"), default="text")
    build.add_argument("-o", "--output", metavar="DIR", help="output folder (default: from config)")
    build.add_argument(
        "-t", "--target", action="append", metavar="NAME", help="build only this target"
    )
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _future_option(build)
    _jobs_option(build)
    build.add_argument(
        "--wait",
        type=float,
        default=LOCK_TIMEOUT,
        metavar="SECONDS",
        help=f"wait this long for another build into the same output (default: {LOCK_TIMEOUT:g})",
    )
    build.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="neither read nor write the build cache: read and render only what is published",
    )

    clean = command("clean", "remove the build cache from the output folder", _clean)
    _config_option(clean)
    clean.add_argument("-o", "--output", metavar="DIR", help="output folder (default: from config)")
    clean.add_argument(
        "--stale",
        action="store_true",
        help="also remove the folders earlier builds wrote for targets the config no longer "
        "has (only the files a build wrote; files of your own stay)",
    )

    check = command("check", "report every problem in the vault", _check)
    _config_option(check)
    _verbosity_options(check)
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _future_option(check)
    _jobs_option(check)

    listing = command("list", "list the notes with their metadata", _list)
    _config_option(listing)
    listing.add_argument("--format", choices=("text", "json"), default="text")

    targets = command("targets", "list the targets and how many notes each selects", _targets)
    _config_option(targets)
    targets.add_argument("--format", choices=("text", "json"), default="text")

    new = commands.add_parser(
        "new",
        help="write a new note with the next free note_id of today",
        description="Write a new note with complete frontmatter and the next free note_id "
        "of today for its kind; prints its path.",
    )
    new.add_argument("title", help="the note's title (the file name is made safe from it)")
    new.add_argument("vault", nargs="?", default=".", help="vault folder (default: .)")
    _config_option(new)
    new.add_argument("--kind", metavar="KIND", help="kind of note (default: [new] kind, note)")
    new.add_argument(
        "--draft",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="start as a draft or not (default: the kind's, else [new] draft = true)",
    )
    new.add_argument("--folder", metavar="DIR", help="folder in the vault (default: the kind's)")
    new.add_argument(
        "--date",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the note's day (default: today in the site's timezone, or SOURCE_DATE_EPOCH)",
    )
    new.set_defaults(run=_new)

    serve = command(
        "serve", "build, serve the output on 127.0.0.1 and rebuild on every change", _serve
    )
    _watch_options(serve)
    serve.add_argument("--port", type=_port, default=8000, help="port (default: 8000; 0: any free)")
    serve.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    serve.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host that is not a loopback address (the preview is then open to others)",
    )
    watch = command("watch", "build, then rebuild on every change (no server)", _watch)
    _watch_options(watch)

    init = command("init", f"write a commented {CONFIG_FILE} into the vault", _init)
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    completion = commands.add_parser(
        "completion",
        help="print a shell completion script",
        description='Print a completion script: eval "$(notepress completion bash)" in '
        "~/.bashrc, notepress completion zsh > ~/.zfunc/_notepress, or "
        "notepress completion fish > ~/.config/fish/completions/notepress.fish.",
    )
    completion.add_argument("shell", choices=_SHELLS)
    completion.set_defaults(run=lambda args: _completion(parser, args.shell))
    return parser


_SHELLS = ("bash", "zsh", "fish")


def _completion(parser: argparse.ArgumentParser, shell: str) -> int:
    """The script comes from the parser itself (shtab), so it never lags behind the options."""
    import shtab

    for action in _all_actions(parser):
        if action.dest in ("vault", "output"):
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
        elif action.dest == "config":
            action.complete = shtab.FILE  # type: ignore[attr-defined]
    print(shtab.complete(parser, shell=shell))
    return EXIT_OK


def _all_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    found = []
    for action in parser._actions:
        found.append(action)
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                found.extend(_all_actions(sub))
    return found


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c", "--config", metavar="FILE", help=f"config file (default: VAULT/{CONFIG_FILE})"
    )


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date such as 2024-05-17, got {text!r}"
        ) from None


def _future_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--future",
        action="store_true",
        help="publish notes dated after now (by default they wait for their date)",
    )


def _verbosity_options(parser: argparse.ArgumentParser) -> None:
    volume = parser.add_mutually_exclusive_group()
    volume.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print errors only (and the summary when there are some); no progress",
    )
    volume.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print the time of each step, every file written and every warning",
    )


def _watch_options(parser: argparse.ArgumentParser) -> None:
    _config_option(parser)
    parser.add_argument(
        "-o", "--output", metavar="DIR", help="output folder (default: from config)"
    )
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")


def _jobs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="processes that parse and render notes (default: [vault] jobs, else one per core)",
    )


def _load(args: argparse.Namespace, **kwargs: Any) -> Project:
    from .pipeline import load_project

    jobs = getattr(args, "jobs", None)
    if jobs is not None:
        kwargs["jobs"] = jobs
    return load_project(args.vault, args.config, **kwargs)


def _shown(root: Path, problem: Problem) -> str:
    """A problem with its file (below the vault ``root``) as a path the user can open;
    targets keep their key path."""
    if problem.path.startswith("targets.") or problem.path == "output":
        return problem.format(problem.path)
    return problem.format(_display_path(root / problem.path))


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


def _print_problems(root: Path, problems: Sequence[Problem], *, fold: bool = True) -> None:
    for line in problem_lines(problems, lambda p: _shown(root, p), fold=fold):
        print(line, file=sys.stderr)


def _build(args: argparse.Namespace) -> int:
    request = None
    if args.cache and Path(args.vault).is_dir():
        request = Request.of(
            args.vault,
            args.config,
            output=args.output,
            targets=args.target,
            strict=args.strict,
            future=args.future,
        )
    replayed = request.replay() if request is not None else None
    if request is not None and replayed is not None:
        if not args.quiet:
            _announce_defaults(replayed[1])
        return _report_build(args, replayed[0], request.vault, replayed[1])
    display = progress_for(sys.stderr, quiet=args.quiet, verbose=args.verbose)
    try:
        project = _load(
            args,
            output=args.output,
            strict=args.strict,
            targets=args.target,
            future=args.future,
            progress=display,
            cache=args.cache,
            listed=request.listed() if request is not None else None,
            # Only what is published is read when nothing read would be kept (no cache)
            # or may ever be used again (a first build, as in a fresh checkout).
            bodies="published",
        )
        if not args.quiet:
            _announce_defaults(project.config.path)
        report = project.build(args.target, lock_timeout=args.wait, progress=display)
    finally:
        display.close()
    if request is not None:
        request.remember(project, report)
    return _report_build(args, report, project.vault.root, project.config.path)


def _report_build(
    args: argparse.Namespace, report: BuildReport, root: Path, config_path: Path | None
) -> int:
    code = EXIT_ERRORS if report.has_errors else EXIT_OK
    if args.format == "json":
        json.dump(build_dict(report, code, config_path), sys.stdout, indent=2)
        print()
        return code
    problems = report.all_problems()
    if args.quiet:  # errors only, and the summary when there are some
        problems = [p for p in problems if p.severity is Severity.ERROR]
    _print_problems(root, problems, fold=not args.verbose)
    if not args.quiet:
        _print_targets(report, every_file=args.verbose)
    if not args.quiet or code != EXIT_OK:
        print(build_summary(report, _display_path(report.output)), file=sys.stderr)
    return code


def _print_targets(report: BuildReport, *, every_file: bool) -> None:
    for target in report.targets:
        if not target.ok:  # its error[target-failed] line is printed above
            print(f"{target.name} ({target.exporter}) FAILED", file=sys.stderr)
            continue
        folder = report.output / target.name
        if target.up_to_date:
            print(f"{target.name} ({target.exporter}, {plural(target.notes, 'note')}) up to date")
            continue
        print(
            f"{target.name} ({target.exporter}, {plural(target.notes, 'note')}) -> "
            f"{_display_path(folder)}/"
        )
        shown = target.files if every_file else target.files[:_FILES_SHOWN]
        for path in shown:
            print(f"  {_display_path(path)}")
        if len(target.files) > len(shown):
            more = len(target.files) - len(shown)
            print(f"  ... and {plural(more, 'more file')} (-v lists every one)")


def _serve(args: argparse.Namespace) -> int:
    from .serve import PreviewServer, is_loopback

    if not is_loopback(args.host) and not args.allow_remote:
        print(
            f"notepress: --host {printable(args.host)} is not a loopback address: anyone on the "
            "network could read the preview; add --allow-remote if that is what you want",
            file=sys.stderr,
        )
        return EXIT_USAGE
    rebuilder = _rebuilder(args)
    try:  # the port first: a port in use is said before a build, not after
        server = PreviewServer(rebuilder, args.host, args.port, allow_remote=args.allow_remote)
    except OSError as exc:
        print(
            printable(f"notepress: cannot listen on {args.host}:{args.port}: {exc.strerror}"),
            file=sys.stderr,
        )
        return EXIT_USAGE
    began = time.time()
    try:
        state = rebuilder.build()
    except BaseException:
        server.stop()
        raise
    with server:
        print(
            f"serving {_display_path(state.output)} at {server.url} (Ctrl-C to stop)",
            file=sys.stderr,
            flush=True,
        )
        _follow(rebuilder, began)
    return EXIT_OK


def _watch(args: argparse.Namespace) -> int:
    rebuilder = _rebuilder(args)
    began = time.time()
    state = rebuilder.build()
    print(
        f"watching for changes, output in {_display_path(state.output)} (Ctrl-C to stop)",
        file=sys.stderr,
        flush=True,
    )
    _follow(rebuilder, began)
    return EXIT_OK


def _rebuilder(args: argparse.Namespace) -> Rebuilder:
    from .serve import Rebuilder

    printed: set[str] = set()

    def report(state: BuildState, built: BuildReport | None) -> None:
        """Each problem once per session (the same 300 warnings after every save would
        bury the one the save caused), then one line per build."""
        project = rebuilder.project
        if state.error:
            print(f"notepress: not rebuilt: {state.error}", file=sys.stderr, flush=True)
            return
        if project is not None and built is not None:
            for problem in built.all_problems():
                line = _shown(project.vault.root, problem)
                if line not in printed:
                    printed.add(line)
                    print(line, file=sys.stderr)
        errors, warnings = state.counts()
        names = ", ".join(state.rebuilt) or "nothing (no target affected)"
        print(
            f"build {state.generation}: {names}; "
            f"{plural(errors, 'error')}, {plural(warnings, 'warning')}",
            file=sys.stderr,
            flush=True,
        )

    rebuilder = Rebuilder(
        Path(args.vault),
        Path(args.config) if args.config else None,
        Path(args.output).resolve() if args.output else None,
        strict=args.strict,
        on_build=report,
    )
    return rebuilder


def _follow(rebuilder: Rebuilder, began: float) -> None:
    """Rebuild after every change until Ctrl-C, which is the normal way to stop; first
    after any made since ``began``, the first build's start, before the watcher ran."""
    from .serve import watch

    logging.getLogger("watchfiles").setLevel(logging.ERROR)  # its own note about Ctrl-C
    stop = threading.Event()
    try:
        watch(rebuilder, stop, since=began)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
    print("stopped", file=sys.stderr)


def _clean(args: argparse.Namespace) -> int:
    project = _load(args, output=args.output, cache=False)
    from .pipeline import clean_cache

    for path in clean_cache(project.config.output, lock_timeout=LOCK_TIMEOUT):
        print(f"removed {_display_path(path)}")
    if args.stale:
        from .pipeline import remove_stale_targets

        for folder, left in remove_stale_targets(
            project.config, project.vault.root, lock_timeout=LOCK_TIMEOUT
        ):
            if not left:
                print(f"removed {_display_path(folder)}{os.sep}")
                continue
            shown_left = ", ".join(left[:5]) + (" ..." if len(left) > 5 else "")
            print(
                f"kept {_display_path(folder)}{os.sep}: files no build wrote, or edited since "
                f"({shown_left}); the rest removed"
            )
    return EXIT_OK


def _announce_defaults(config_path: Path | None) -> None:
    if config_path is None:
        print(
            f"notepress: no {CONFIG_FILE} found, using built-in defaults "
            f"(run 'notepress init' to write one)",
            file=sys.stderr,
        )


def _check(args: argparse.Namespace) -> int:
    project = _load(args, strict=args.strict, targets=(), future=args.future)
    if not args.quiet:
        _announce_defaults(project.config.path)
    problems = project.problems()
    if args.format == "json":
        json.dump([p.as_dict() for p in problems], sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        shown = problems
        if args.quiet:
            shown = [p for p in problems if p.severity is Severity.ERROR]
        for line in problem_lines(
            shown, lambda p: _shown(project.vault.root, p), fold=not args.verbose
        ):
            print(line)
        errors, warnings = problem_counts(problems)
        if not args.quiet or errors:
            notes = len(project.vault.notes)
            print(
                f"{plural(notes, 'note')}, {plural(errors, 'error')}, "
                f"{plural(warnings, 'warning')}",
                file=sys.stderr,
            )
    has_errors = any(p.severity is Severity.ERROR for p in problems)
    return EXIT_ERRORS if has_errors or project.vault.has_errors else EXIT_OK


def _list(args: argparse.Namespace) -> int:
    project = _load(args, targets=())
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
    _print_problems(project.vault.root, project.vault.problems, fold=False)
    if args.format == "json":
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return EXIT_OK
    if not rows:
        print(f"no notes in {_display_path(project.vault.root)}", file=sys.stderr)
        return EXIT_OK
    width = min(max(cells(printable(row["path"])) for row in rows), _PATH_WIDTH)
    print(f"{'PATH':<{width}} {'NOTE_ID':<12} {'CREATED':<10} {'STATE':<9} TITLE  TAGS")
    for row in rows:
        # A note with errors is never published, whatever its draft key says: say why.
        state = "error" if row["errors"] else ("published" if row["published"] else "draft")
        created = (row["created"] or "")[:10]
        tags = " ".join(f"#{t}" for t in row["tags"])
        path = printable(row["path"])
        # Padded to the cells a terminal gives it: 東京 takes four, as wide as "Tokyo".
        padded = path + " " * (width - cells(path))
        line = f"{padded} {row['note_id']:<12} {created:<10} {state:<9} {row['title']}"
        print(printable(f"{line}  {tags}".rstrip()))
    return EXIT_OK


def _targets(args: argparse.Namespace) -> int:
    project = _load(args, targets=())
    _announce_defaults(project.config.path)
    rows: list[dict[str, Any]] = [
        {
            "name": target.name,
            "exporter": target.exporter,
            "notes": len(project.selected(target)),
            "output": str(project.config.output / target.name),
        }
        for target in project.config.targets.values()
    ]
    if args.format == "json":
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return EXIT_OK
    for row in rows:
        output = _display_path(Path(row["output"]))
        count = plural(row["notes"], "note")
        print(f"{row['name']:<20} {row['exporter']:<8} {count:>11}  -> {output}")
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    root = Path(args.vault)
    file = args.config or (root / CONFIG_FILE if (root / CONFIG_FILE).is_file() else None)
    from .config import DEFAULT_OUTPUT
    from .configfile import load_new_settings
    from .dates import source_date_epoch_problem
    from .newnote import create_note

    if (unreadable := source_date_epoch_problem()) is not None:
        # As build and check refuse it: a scripted import meant its date, not today's.
        print(f"notepress: {unreadable}", file=sys.stderr)
        return EXIT_USAGE
    options, site, vault, ignore, output = load_new_settings(file)
    path = create_note(
        root,
        args.title,
        options=options,
        tz=site.tz,
        kind=args.kind,
        draft=args.draft,
        folder=args.folder,
        day=args.date,
        date_keys=(vault.created_keys[:1], vault.updated_keys[:1]),
        read_as=(ignore, vault, output or root / DEFAULT_OUTPUT),
    )
    print(_display_path(path))
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    path = Path(args.vault) / CONFIG_FILE
    linked = path.is_symlink()
    if (linked or path.exists()) and not args.force:
        print(f"notepress: {path} exists (use --force to overwrite)", file=sys.stderr)
        return EXIT_USAGE
    from .atomicfile import replace_text

    replace_text(path, commented_config())  # a link in its place is replaced, not followed
    print(f"wrote {_display_path(path)}")
    if linked:
        # Written through, the link would have overwritten whatever it leads to (a note, a
        # file out of the vault); a dangling one would have made a file where it pointed.
        print("(it was a symbolic link, replaced by the file; what it led to is unchanged)")
    print(
        "before publishing a feed or JSON-LD, set url in [site] to the public address: "
        "item ids derive from it (until then they build for a local preview)"
    )
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
        if not value:
            return "{}"
        return (
            "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
        )
    return str(value)


_SITE_URL_HELP = [
    "# The public address the outputs will be read at, such as https://notes.example.org/",
    "# Feed item ids and JSON-LD ids derive from it: set it once, before publishing, since",
    "# changing it later makes every feed reader show every item again as new. Until it is",
    "# set, feed and jsonld targets are built for a local preview (http://localhost:8000/)",
    "# with a warning, and --strict refuses to build them.",
    '# url = ""',
]


def commented_config() -> str:
    """A starter ``notepress.toml``: every option with its default, commented."""
    from .config import NewOptions, Selection, Site, VaultOptions, _TopLevel
    from .registry import MissingExtraError, exporter_names, get_exporter
    from .schema import describe

    lines = ["# notepress configuration. Uncomment and edit what you need.", ""]
    for name, default, doc in describe(_TopLevel):
        lines += [f"# {doc}", f"# {name} = {_toml_value(default)}"]
    lines += ["", "[site]"]
    written = {"title": "Notes"}
    for name, default, doc in describe(Site):
        if name == "url":
            lines += _SITE_URL_HELP
            continue
        value = written.get(name, default)
        prefix = "" if name in written else "# "
        lines += [f"# {doc}", f"{prefix}{name} = {_toml_value(value)}"]
    lines += ["", "[vault]"]
    for name, default, doc in describe(VaultOptions):
        example = f"# {name} = {_toml_value(default)}" if default is not None else f"# {name} ="
        lines += [f"# {doc}", example]
    lines += ["", "# What 'notepress new' writes.", "[new]"]
    for name, default, doc in describe(NewOptions):
        lines += [f"# {doc}", f"# {name} = {_toml_value(default)}"]
    lines += ["", "# Each [targets.NAME] writes OUTPUT/NAME/. Keys every target shares:"]
    for name, _default, doc in describe(Selection):
        lines.append(f"#   {name}: {doc}")
    examples = {"feed": "newsletter", "pdf": "digest", "epub": "archive", "jsonld": "metadata"}
    for exporter_name in exporter_names():
        target = examples.get(exporter_name, exporter_name)
        try:
            exporter = get_exporter(exporter_name)
        except MissingExtraError as exc:
            lines += ["", f"# [targets.{target}]", f'# exporter = "{exporter_name}"', f"# {exc}"]
            continue
        lines += ["", f"[targets.{target}]", f'exporter = "{exporter_name}"']
        for name, default, doc in describe(exporter.Options):
            example = f"# {name} = {_toml_value(default)}" if default is not None else f"# {name} ="
            lines += [f"# {doc}", example]
    return "\n".join(lines) + "\n"
