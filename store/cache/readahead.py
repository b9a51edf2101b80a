"""Reading a stream ahead of its consumer, in a thread, with bounded memory.

A download decompresses an archive and restores it in one pass. Reading
the compressed file, hashing it and decompressing it are calls that let
go of the interpreter lock, and so is most of restoring (creating and
writing files, hashing the archive): a :class:`ReadAhead` runs the first
half in its own thread while the caller does the second, so the two
overlap on a machine with more than one core.

The thread holds at most ``depth`` chunks that the consumer has not taken
and reads at most ``limit`` bytes in all. An error in the thread is raised
by the consumer's next read; :meth:`ReadAhead.close` (and leaving the
``with`` block) stops the thread and waits for it, so nothing reads the
stream once the caller has moved on. Nothing here writes anything.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

_EOF = b""


class ReadAhead:
    """``read(n)`` over the chunks that a thread reads ahead from ``source(size)``.

    ``source`` is called only from the thread, with ``chunk`` (or what is
    left of ``limit``) as its argument; an empty result ends the stream.
    """

    def __init__(self, source: Callable[[int], bytes], limit: int, chunk: int = 1 << 20,
                 depth: int = 4) -> None:
        self._source = source
        self._left = limit
        self._chunk = chunk
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=depth)
        self._stopped = False
        self._buf = _EOF
        self._pos = 0
        self._ended: bytes | BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sx-readahead", daemon=True)
        self._thread.start()

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        """The thread: read chunks into the queue until the stream or ``limit`` ends."""
        try:
            while self._left > 0 and not self._stopped:
                data = self._source(min(self._chunk, self._left))
                if not data:
                    break
                self._left -= len(data)
                self._queue.put(data)
        except BaseException as e:  # raised again by the consumer's read
            self._queue.put(e)
            return
        self._queue.put(_EOF)

    def _next(self) -> bool:
        """Take the next chunk into the buffer; False at the end (or raise the thread's error)."""
        if self._ended is None:
            got = self._queue.get()
            if got:
                if isinstance(got, BaseException):
                    self._ended = got
                else:
                    self._buf, self._pos = got, 0
                    return True
            else:
                self._ended = _EOF
        if isinstance(self._ended, BaseException):
            raise self._ended
        return False

    def read(self, n: int) -> bytes:
        """At most ``n`` bytes (``n`` > 0), fewer when a chunk ends; empty at the end."""
        if self._pos == len(self._buf) and not self._next():
            return _EOF
        buf, pos = self._buf, self._pos
        if pos == 0 and n >= len(buf):
            self._buf = _EOF
            return buf
        end = min(len(buf), pos + n)
        self._pos = end
        return buf[pos:end]

    def close(self) -> None:
        """Stop the thread and wait for it; chunks not read are dropped."""
        self._stopped = True
        # The thread checks the flag before each chunk: emptying the queue once frees
        # the one put it may be blocked in, and it then puts at most one more.
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self._thread.join()
