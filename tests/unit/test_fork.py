"""A computation handed to a forked child gives what it gives in this process."""

from __future__ import annotations

import os

import numpy as np
import pytest

from custmdm._fork import ForkedCall


def _pid_and_sum(values: np.ndarray) -> tuple[int, int]:
    return os.getpid(), int(values.sum())


@pytest.mark.parametrize("enabled", [True, False])
def test_result_is_the_function_value(enabled: bool) -> None:
    values = np.arange(1_000_000)
    call = ForkedCall(lambda: _pid_and_sum(values), enabled=enabled)
    pid, total = call.result()
    assert total == int(values.sum())
    assert (pid != os.getpid()) == enabled  # a child computed it only when asked to fork
    with pytest.raises(RuntimeError, match="already called"):
        call.result()


def test_an_error_in_the_child_is_raised_here() -> None:
    def fail() -> None:
        raise ValueError("bad level")

    with pytest.raises(ValueError, match="bad level"):
        ForkedCall(fail).result()


def test_a_child_that_dies_without_answering_is_replaced_by_this_process() -> None:
    parent = os.getpid()

    def die_in_child() -> int:
        if os.getpid() != parent:
            os._exit(9)
        return 42

    assert ForkedCall(die_in_child).result() == 42
