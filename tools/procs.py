"""Child processes of the test harness and the benchmarks (Elasticsearch, Redis) end with
the process that started them: a pytest run killed by a timeout or SIGKILL cannot run its
fixtures' teardown, and its servers used to keep their ports, heap and temporary data.

On Linux the child asks the kernel for SIGTERM when its parent thread ends
(``prctl(PR_SET_PDEATHSIG)``); elsewhere nothing changes. The servers' own SIGTERM handling
then stops them cleanly (Elasticsearch's launcher stops the server JVM it started)."""

from __future__ import annotations

import ctypes
import ctypes.util
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """``preexec_fn`` for ``subprocess.Popen``: SIGTERM this child when its parent ends.
    Start such children from a thread that lives as long as they should (the kernel's
    "parent" is the starting thread)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
