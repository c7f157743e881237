"""lstm_core.once: a result is computed once even when threads ask for it together."""
import threading
import time

from lstm_core.once import once


def test_two_threads_missing_together_compute_once_and_both_get_the_result():
    calls = []

    @once(maxsize=4)
    def slow(x):
        calls.append(x)
        time.sleep(0.2)
        return x * 2
    out = []
    threads = [threading.Thread(target=lambda: out.append(slow(21))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == [42, 42, 42] and calls == [21]
    assert slow.cache_info().hits == 2 and slow(3) == 6 and calls == [21, 3]
