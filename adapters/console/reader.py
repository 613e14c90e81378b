"""Reading lines from a terminal or a pipe without blocking the event loop, and without trusting the bytes.

A daemon thread reads one line each time the console asks for one, so a prompt and the bot's replies never
overtake each other. When the stream has a file descriptor it is read with os.read: no lock of sys.stdin's
buffer is held while waiting, so the process can exit while the thread still waits for a key press. Bytes are
decoded as UTF-8 with replacement, so invalid input becomes U+FFFD instead of an exception; a line longer than
MAX_LINE_BYTES is cut (nothing downstream keeps more than a few thousand characters anyway).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import threading
from collections.abc import Callable
from typing import IO, Any

MAX_LINE_BYTES = 64 * 1024

ReadLine = Callable[[], str | None]  # blocking: the next line without its end, or None at the end of input


def _fileno(stream: Any) -> int | None:
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    return fd if isinstance(fd, int) else None


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").rstrip("\r\n")


class FdLines:
    """Lines from a file descriptor, split on b"\\n" here rather than by a buffered reader."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = b""
        self._eof = False

    def __call__(self) -> str | None:
        kept: bytes | None = None  # the start of a line too long to keep whole; the rest is skipped
        while True:
            cut = self._buffer.find(b"\n")
            if cut >= 0:
                line, self._buffer = self._buffer[:cut], self._buffer[cut + 1 :]
                return _decode(kept if kept is not None else line[:MAX_LINE_BYTES])
            if kept is None and len(self._buffer) > MAX_LINE_BYTES:
                kept = self._buffer[:MAX_LINE_BYTES]
            if kept is not None:
                self._buffer = b""
            if self._eof:
                if kept is None and not self._buffer:
                    return None
                line, self._buffer = self._buffer, b""
                return _decode(kept if kept is not None else line)
            chunk = os.read(self._fd, 65536)
            if chunk:
                self._buffer += chunk
            else:
                self._eof = True


class StreamLines:
    """Lines from a file object without a usable descriptor (io.StringIO or io.BytesIO in tests)."""

    def __init__(self, stream: IO[Any]) -> None:
        self._stream = stream

    def __call__(self) -> str | None:
        raw = self._stream.readline(MAX_LINE_BYTES)
        if not raw:
            return None
        if isinstance(raw, bytes):
            return _decode(raw)
        text = str(raw)
        if not text.endswith("\n"):  # the line was longer than the cap: skip the rest of it
            while (rest := self._stream.readline(MAX_LINE_BYTES)) and not str(rest).endswith("\n"):
                pass
        return text.rstrip("\r\n")


def line_source(stream: IO[Any]) -> ReadLine:
    fd = _fileno(stream)
    return FdLines(fd) if fd is not None else StreamLines(stream)


class LineReader:
    """Hands out lines one at a time to the event loop; `next_line()` is awaited, the reading is threaded."""

    def __init__(self, stream: IO[Any]) -> None:
        self._read = line_source(stream)
        self._requests: queue.SimpleQueue[asyncio.Future[str | None] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def next_line(self) -> str | None:
        loop = asyncio.get_running_loop()
        if self._thread is None:
            self._loop = loop
            self._thread = threading.Thread(target=self._work, name="agora-console-reader", daemon=True)
            self._thread.start()
        future: asyncio.Future[str | None] = loop.create_future()
        self._requests.put(future)
        return await future

    def close(self) -> None:
        """Let the thread end once it is not waiting for input (a daemon: it never delays the exit)."""
        self._requests.put(None)

    def _work(self) -> None:
        assert self._loop is not None
        while (future := self._requests.get()) is not None:
            try:
                line: str | None = self._read()
            except (OSError, ValueError):  # closed or unreadable input: the same as its end
                line = None
            try:
                self._loop.call_soon_threadsafe(_resolve, future, line)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                return
            if line is None:
                return


def _resolve(future: asyncio.Future[str | None], line: str | None) -> None:
    with contextlib.suppress(asyncio.InvalidStateError):
        if not future.done():
            future.set_result(line)
