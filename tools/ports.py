"""Loopback ports for servers the tools start in another process. Standard library only.

A port found free with ``bind(("127.0.0.1", 0))`` comes from the kernel's ephemeral range, the
same range outgoing connections take their local ports from. A server started in another
process binds its port seconds later (Elasticsearch binds HTTP only after joining its
cluster), and in between any outgoing connection on the machine (another node's transport
links, a client) may take it: the server then dies with "address already in use".
``server_port()`` picks a free port outside that range, where no outgoing connection lands.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 10000  # below: the well-known and commonly configured service ports


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range for outgoing connections' local ports (Linux's default elsewhere)."""
    try:
        low, high = (int(x) for x in _RANGE_FILE.read_text().split())
        return low, high
    except (OSError, ValueError):
        return 32768, 60999


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def server_port(taken: set[int] | frozenset[int] = frozenset()) -> int:
    """A port free now on 127.0.0.1, outside the ephemeral range and not in ``taken``."""
    low, high = ephemeral_range()
    ranges = [(a, b) for a, b in ((_LOWEST, low - 1), (high + 1, 65535)) if a <= b]
    rng = random.SystemRandom()
    for _ in range(500):
        a, b = rng.choice(ranges) if ranges else (_LOWEST, 65535)
        port = rng.randint(a, b)
        if port not in taken and _free(port):
            return port
    raise OSError("no free loopback port outside the ephemeral range")
