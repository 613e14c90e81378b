"""Running the real `agora` command in a subprocess, with a clean environment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

TIMEOUT = 120


def clean_env(**extra: str) -> dict[str, str]:
    """The parent's environment without Agora's settings (the PostgreSQL run sets DATABASE_URL) plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if k != "DATABASE_URL" and not k.startswith("AGORA_") and not k.endswith("_BOT_TOKEN")}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


def agora(*args: str, cwd: Path, stdin: bytes = b"", **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, input=stdin, capture_output=True,
                          env=clean_env(**env), timeout=TIMEOUT, check=False)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


class Terminal:
    """`agora` attached to a pseudo-terminal, as a person would run it: stdin and stdout are a TTY."""

    def __init__(self, *args: str, cwd: Path, **env: str) -> None:
        import pty

        self._master, slave = pty.openpty()
        self.process = subprocess.Popen([sys.executable, "-m", "bot.cli", *args], cwd=cwd, stdin=slave,
                                        stdout=slave, stderr=subprocess.PIPE,
                                        env=clean_env(PYTHONFAULTHANDLER="1", **env))
        os.close(slave)
        self.seen = b""

    def read_until(self, token: str, timeout: float = 60) -> str:
        """Everything printed up to `token` (raises if it does not come within `timeout` seconds)."""
        import select
        import time

        wanted = token.encode()
        deadline = time.monotonic() + timeout
        while wanted not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{token!r} never came; got {self.seen.decode(errors='replace')!r}")
            ready, _, _ = select.select([self._master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self._master, 4096)
                except OSError:  # the program closed the terminal
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"{token!r} never came; got {self.seen.decode(errors='replace')!r}")
                self.seen += chunk
        cut = self.seen.index(wanted) + len(wanted)
        before, self.seen = self.seen[:cut], self.seen[cut:]
        return before.decode(errors="replace").replace("\r\n", "\n")

    def type(self, text: str) -> None:
        os.write(self._master, text.encode())

    def wait(self, timeout: float = 60) -> tuple[int, str]:
        """The exit status and what went to stderr. A program still running after `timeout` is aborted (its
        threads' stacks, dumped by faulthandler, go into the failure) so that it never outlives the test."""
        try:
            _, err = self.process.communicate(timeout=timeout)
            return self.process.returncode, err.decode(errors="replace")
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGABRT)
            try:
                _, err = self.process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                _, err = self.process.communicate()
            raise AssertionError(f"still running after {timeout} s:\n{err.decode(errors='replace')}") from None
        finally:
            os.close(self._master)
