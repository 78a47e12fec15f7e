"""One computation in a forked child process while this process goes on.

The child sees this process's memory through fork (nothing is pickled to it) and sends back
only its result. Where fork is not available, or the child dies before answering, the
computation runs in this process when the result is asked for, so the result never depends
on whether a child was used.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


def _child(func: Callable[[], Any], send: Connection) -> None:
    try:
        result: tuple[str, Any] = ("ok", func())
    except BaseException as err:
        result = ("error", err)
    try:
        send.send(result)
    finally:
        send.close()


class ForkedCall(Generic[T]):
    """``func()`` computed by a forked child; :meth:`result` waits for it.

    With ``enabled=False`` (or no fork start method) nothing is forked and :meth:`result`
    calls ``func`` itself. An exception raised by ``func`` in the child is raised again by
    :meth:`result`.

    Examples
    --------
    >>> call = ForkedCall(lambda: sum(range(10)))
    >>> call.result()
    45
    """

    def __init__(self, func: Callable[[], T], *, enabled: bool = True) -> None:
        self._func: Callable[[], T] | None = func
        self._process: Any = None
        self._recv: Connection | None = None
        if enabled and "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            recv, send = context.Pipe(duplex=False)
            self._process = context.Process(target=_child, args=(func, send), daemon=True)
            self._process.start()
            send.close()
            self._recv = recv

    def result(self) -> T:
        """The value of ``func()``; once (the call then lets go of ``func``)."""
        func, self._func = self._func, None
        if func is None:
            msg = "ForkedCall.result() was already called"
            raise RuntimeError(msg)
        if self._recv is None:
            return func()
        recv, self._recv = self._recv, None
        try:
            status, value = recv.recv()
        except EOFError:
            # the child ended without an answer (killed, out of memory): do it here
            log.warning("a forked worker ended without a result; computing it in this process")
            return func()
        finally:
            recv.close()
            self._process.join()
            self._process = None
        if status == "error":
            raise value
        return value  # type: ignore[no-any-return]
