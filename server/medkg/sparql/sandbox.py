"""A network sandbox for query workers: no socket but local (AF_UNIX) ones, enforced by the kernel.

Oxigraph evaluates SPARQL SERVICE clauses by connecting to the URL the query names. The endpoint
refuses SERVICE before a query runs (medkg.federation), and this filter makes sure that a spelling
the check misses still cannot open a connection: with it, socket() for any family but AF_UNIX
fails with EPERM in the worker, so DNS look-ups and TCP connections never leave the process.

Linux only (seccomp-bpf, x86-64 and aarch64); elsewhere ``deny_network`` returns False and the
query check stands alone. Two more helpers make workers die with their parent and cap the
memory a query may take.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
import resource
import sys

_PR_SET_PDEATHSIG = 1
_PR_SET_SECCOMP = 22
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_MODE_FILTER = 2
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO_EPERM = 0x00050000 | 1
_AF_UNIX = 1
_IO_URING_SETUP = 425  # io_uring can open sockets too; same number on both architectures

# machine -> (AUDIT_ARCH value, socket syscall number)
_ARCHES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198), "arm64": (0xC00000B7, 198)}


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


def _program(arch: int, socket_nr: int) -> list[tuple[int, int, int, int]]:
    ld, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    # seccomp_data: nr at 0, arch at 4, args[0] (low half, little-endian) at 16.
    args0 = 16 if sys.byteorder == "little" else 20
    return [
        (ld, 0, 0, 4),  # 0: A = arch
        (jeq, 0, 5, arch),  # 1: another ABI -> allow (7)
        (ld, 0, 0, 0),  # 2: A = syscall number
        (jeq, 4, 0, _IO_URING_SETUP),  # 3: io_uring_setup -> deny (8)
        (jeq, 0, 2, socket_nr),  # 4: not socket() -> allow (7)
        (ld, 0, 0, args0),  # 5: A = address family
        (jeq, 0, 1, _AF_UNIX),  # 6: AF_UNIX -> allow (7), else deny (8)
        (ret, 0, 0, _RET_ALLOW),  # 7
        (ret, 0, 0, _RET_ERRNO_EPERM),  # 8
    ]


def deny_network() -> bool:
    """Forbids this process (and its future children) any socket but AF_UNIX. True when in force."""
    libc = _libc()
    arch = _ARCHES.get(platform.machine().lower())
    if libc is None or arch is None:
        return False
    code = _program(*arch)
    filters = (_SockFilter * len(code))(*[_SockFilter(*instruction) for instruction in code])
    prog = _SockFprog(len(code), filters)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return bool(libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0)


def die_with_parent() -> None:
    """Asks the kernel to kill this process when its parent exits (Linux; a no-op elsewhere)."""
    libc = _libc()
    if libc is not None:
        libc.prctl(_PR_SET_PDEATHSIG, 9, 0, 0, 0)  # SIGKILL


def limit_memory(budget_bytes: int) -> bool:
    """Caps this process's address space at what it maps now plus ``budget_bytes`` (0: no cap).

    Called in a query worker once its store is open, so the store shared with the zygote is not
    counted against the query: past the budget an allocation fails, and the worker dies (the engine
    aborts when it cannot allocate) or raises MemoryError, instead of the machine running out of
    memory. True when in force (Linux)."""
    if budget_bytes <= 0:
        return False
    try:
        with open("/proc/self/statm") as statm:
            mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (mapped + budget_bytes, mapped + budget_bytes))
    except (OSError, ValueError):
        return False
    return True
