"""CPU time per stage (``pipelines/cpu_clock.py``)."""

from __future__ import annotations

import threading
import time

from pipelines.cpu_clock import CpuClock


def _spin(seconds: float) -> None:
    """Use about ``seconds`` of this thread's CPU time."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_a_stage_inside_another_counts_to_the_inner_one_only() -> None:
    clock = CpuClock()
    with clock.stage("outer"):
        _spin(0.02)
        with clock.stage("inner"):
            _spin(0.05)
        _spin(0.02)
    assert 0.05 <= clock.seconds["inner"] < 0.07
    assert 0.04 <= clock.seconds["outer"] < 0.06


def test_waiting_is_not_counted() -> None:
    clock = CpuClock()
    with clock.stage("waiting"):
        time.sleep(0.1)
    assert clock.seconds["waiting"] < 0.02


def test_each_thread_nests_its_own_stages() -> None:
    clock = CpuClock()
    entered = threading.Event()
    leave = threading.Event()

    def other_thread() -> None:
        with clock.stage("thread"):
            entered.set()
            leave.wait()
            _spin(0.03)

    thread = threading.Thread(target=other_thread)
    thread.start()
    entered.wait()
    with clock.stage("main"):
        _spin(0.03)
    leave.set()
    thread.join()
    assert 0.03 <= clock.seconds["main"] < 0.05
    assert 0.03 <= clock.seconds["thread"] < 0.05


def test_a_sink_takes_each_block_as_it_ends() -> None:
    blocks: list[tuple[str, float]] = []
    clock = CpuClock(lambda name, seconds: blocks.append((name, seconds)))
    with clock.stage("a"), clock.stage("b"):
        pass
    assert [name for name, _ in blocks] == ["a", "b", "a"]
    assert clock.seconds == {}
