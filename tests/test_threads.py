"""lstm_core.threads: torch and every BLAS / OpenMP pool in the process run one thread after limit_to_one()."""

import threadpoolctl
import torch

from lstm_core import threads


def test_limit_to_one_reaches_numpys_blas_and_torch():
    torch_threads = torch.get_num_threads()
    with threadpoolctl.threadpool_limits(limits=None):    # leaves the suite's limits as they were, afterwards
        threadpoolctl.threadpool_limits(2)   # as found at startup on a 2-core machine
        try:
            counts = threads.limit_to_one()
            info = threadpoolctl.threadpool_info()
        finally:
            torch.set_num_threads(torch_threads)
    blas = [lib for lib in info if lib["user_api"] == "blas"]
    assert blas, "numpy's BLAS is loaded and visible to threadpoolctl"
    assert all(lib["num_threads"] == 1 for lib in info), info
    assert counts["torch"] == 1 and set(counts.values()) == {1}
    assert len(counts) == len(info) + 1

