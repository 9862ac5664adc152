"""What `make lua-cost` and `make worker-cost` share: a free loopback port for a private server,
and the instruction total of a callgrind dump."""

import socket


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def callgrind_total(path):
    """The instructions a callgrind dump (`callgrind_control -d`) counted in all."""
    with open(path) as f:
        return int(next(line for line in f if line.startswith(("totals:", "summary:"))).split()[1])
