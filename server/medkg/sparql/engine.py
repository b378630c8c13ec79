"""The query engine of the server: a pool of killable query worker processes, driven from asyncio.

Design (see medkg.sparql.worker for the processes):
- ``start()`` loads the store, then forks the zygote, which forks ``workers`` query workers. Call it
  before the web server starts threads.
- ``run()`` hands a query to an idle worker. Each run has a deadline; when it passes, the worker is
  killed with SIGKILL (so the query stops burning CPU at once), the run ends in ``QueryTimeout``
  and a fresh worker takes its place. A run abandoned half-read (client gone) is killed the same way.
- At most ``workers`` queries run at once, at most ``max_queue`` more wait for a worker; beyond
  that ``run()`` raises ``EngineBusy`` at once.
- A worker's answer is read by an asyncio protocol, frame by frame, into its run's queue. The
  moment the last frame arrives the worker takes the next waiting query, before the event loop
  gets round to the task that reads the answer: no worker idles while the web front is busy.
- ``write()`` sends a curated write to the zygote, which runs it (serialized: one control socket,
  one lock) on the store the workers are forked from. After a committed write the generation goes
  up: idle workers of an older one are killed before ``write()`` returns and replaced in the
  background, busy ones finish their query on their consistent old snapshot and are replaced
  instead of reused. So a query sent after ``write()`` returned sees the write (it waits for a new
  worker if need be), and none ever sees half of one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import struct
from collections import deque
from collections.abc import Callable
from typing import Any, cast

from medkg.sparql import wire
from medkg.sparql.requests import EngineBusy, QueryRequest, QueryTimeout, StoreBackend, WorkerFailed
from medkg.sparql.worker import WorkerConfig, run_zygote

Writer = Callable[[dict[str, Any]], dict[str, Any]]

log = logging.getLogger("medkg.sparql.engine")

__all__ = ["EngineBusy", "QueryEngine", "QueryRequest", "QueryTimeout", "Run", "StoreBackend", "WorkerFailed"]


# Past this many bytes of answer waiting for the web front, the worker's socket is paused (so a
# slow client slows the worker down instead of filling the front's memory); resumed below LOW.
_HIGH_WATER = 4 * 1024 * 1024
_LOW_WATER = 1024 * 1024


def _socket_pair() -> tuple[socket.socket, socket.socket]:
    """A socket pair to a worker whose buffers hold a mid-size answer whole (up to 4 MiB, the usual
    system cap), so the worker writes it without waiting for the front to read (the default is
    ~200 KiB). No latency gain was measurable on this machine; it costs memory only in flight."""
    ours, theirs = socket.socketpair()
    for sock in (ours, theirs):
        for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
            try:
                sock.setsockopt(socket.SOL_SOCKET, option, _SOCKET_BUFFER)
            except OSError:  # a system that refuses: the default still works, more slowly
                pass
    return ours, theirs


_SOCKET_BUFFER = 4 * 1024 * 1024


class _Worker(asyncio.Protocol):
    """One worker process, and the protocol reading its frames."""

    def __init__(self, engine: QueryEngine, pid: int, sock: socket.socket, generation: int = 0) -> None:
        self.engine = engine
        self.pid = pid
        self.sock = sock
        self.generation = generation  # the store version it was forked with
        self.transport: asyncio.Transport | None = None
        self.run: Run | None = None  # the query it is answering
        self._buffer = bytearray()
        self.paused = False

    async def attach(self) -> None:
        await asyncio.get_running_loop().connect_accepted_socket(lambda: self, sock=self.sock)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not asyncio subclasses

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        offset = 0
        while len(buffer) - offset >= wire.FRAME.size:
            kind, size = wire.FRAME.unpack_from(buffer, offset)
            end = offset + wire.FRAME.size + size
            if len(buffer) < end:
                break
            payload = bytes(buffer[offset + wire.FRAME.size:end])
            offset = end
            run = self.run
            if run is None:  # nothing asked: a confused worker
                self.kill()
                return
            run._push(kind, payload)
            if kind == wire.END or kind == wire.ERROR:
                run.complete = True
                self.run = None
                self.engine._release(self)  # take the next query now
        del buffer[:offset]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.run is not None:
            self.run._push_end_of_stream()
            self.run = None
        self.engine._forget(self)

    def start(self, run: Run, message: bytes) -> None:
        self.run = run
        assert self.transport is not None
        self.transport.write(message)

    def pause(self) -> None:
        if not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if self.paused and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            if self.transport is not None:
                self.transport.close()
                return
        except RuntimeError:  # its event loop is already closed
            pass
        self.sock.close()


class Run:
    """One query on one worker: read its frames with ``next_frame()``, then ``close()``."""

    def __init__(self, engine: QueryEngine, worker: _Worker, timeout: float) -> None:
        self._engine = engine
        self._worker = worker
        self.timeout = timeout
        self.expired = False
        self.complete = False
        self._frames: deque[tuple[int, bytes]] = deque()
        self._queued = 0
        self._ended = False  # the worker's stream ended (killed or died)
        self._waiter: asyncio.Future[None] | None = None
        self._timer = asyncio.get_running_loop().call_later(timeout, self._expire)

    def _expire(self) -> None:
        # Kill now, from the timer: the query stops even if nobody is reading its output.
        if not self.complete:
            self.expired = True
            self._worker.kill()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _push(self, kind: int, payload: bytes) -> None:
        self._frames.append((kind, payload))
        self._queued += len(payload)
        if self._queued > _HIGH_WATER:
            self._worker.pause()
        self._wake()

    def _push_end_of_stream(self) -> None:
        self._ended = True
        self._wake()

    async def next_frame(self) -> tuple[int, bytes]:
        """The next (kind, payload) frame: wire.HEAD, DATA, END or ERROR."""
        while not self._frames:
            if self._ended:
                if self.expired:
                    raise QueryTimeout(self.timeout)
                raise WorkerFailed("the query worker stopped unexpectedly")
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        kind, payload = self._frames.popleft()
        self._queued -= len(payload)
        if self._queued < _LOW_WATER:
            self._worker.resume()
        return kind, payload

    def cancel(self) -> None:
        """Stops the query now (the client went away)."""
        if not self.complete:
            self._worker.kill()

    def close(self) -> None:
        """Ends the run: a worker still answering it is killed and replaced."""
        self._timer.cancel()
        if self.complete:
            self._worker.resume()  # in case the front stopped reading a paused answer
        else:
            self._engine._discard(self._worker)


class QueryEngine:
    """A pool of query workers over one store. See the module docstring."""

    def __init__(self, backend: StoreBackend, *, workers: int = 2, max_queue: int = 64,
                 config: WorkerConfig | None = None, writer: Writer | None = None) -> None:
        if workers < 1:
            raise ValueError("at least one query worker is needed")
        self.backend = backend
        self.workers = workers
        self.max_queue = max_queue
        self.config = config or WorkerConfig()
        self._zygote_pid = 0
        self._control: socket.socket | None = None
        self._all: dict[int, _Worker] = {}
        self._idle: deque[_Worker] = deque()
        # Queries waiting for a worker: the future of their run, its message, its deadline.
        self._waiters: deque[tuple[asyncio.Future[Run], bytes, float]] = deque()
        self._stopping = False
        self._spawn_lock: asyncio.Lock | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._attached = False
        self.writer = writer  # runs in the zygote; None: read-only
        self.generation = 0  # committed writes so far

    # -- life cycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Loads the store, forks the zygote and the workers. Blocking; call before threads start."""
        if self._control is not None:
            return
        store = self.backend.load()
        del store  # loaded in this process; the zygote inherits it
        ours, theirs = _socket_pair()
        pid = os.fork()
        if pid == 0:  # the zygote
            ours.close()
            try:
                run_zygote(theirs, self.backend.worker_store, self.config, self.writer)
            finally:
                os._exit(0)
        theirs.close()
        self._zygote_pid = pid
        self._control = ours
        self._stopping = False
        for _ in range(self.workers):
            worker = self._spawn_blocking()
            self._all[worker.pid] = worker
            self._idle.append(worker)

    async def open(self) -> None:
        """Binds the workers' sockets to the running event loop (the ASGI lifespan startup)."""
        self.start()
        if self._attached:
            return
        self._spawn_lock = asyncio.Lock()
        assert self._control is not None
        self._control.setblocking(False)
        for worker in list(self._all.values()):
            await worker.attach()
        self._attached = True

    def stop(self) -> None:
        """Kills the workers and the zygote."""
        self._stopping = True
        for worker in list(self._all.values()):
            worker.kill()
        self._all.clear()
        self._idle.clear()
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._zygote_pid:
            try:
                os.kill(self._zygote_pid, signal.SIGKILL)
                os.waitpid(self._zygote_pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self._zygote_pid = 0
        self._attached = False

    @property
    def worker_pids(self) -> list[int]:
        """The pids of the live workers (for /health and tests)."""
        return sorted(self._all)

    @property
    def busy(self) -> int:
        return len(self._all) - len(self._idle)

    @property
    def waiting(self) -> int:
        return sum(1 for future, _, _ in self._waiters if not future.done())

    # -- running queries -------------------------------------------------------------------------

    async def run(self, request: QueryRequest, timeout: float) -> Run:
        """Starts a query on a worker within ``timeout`` seconds overall, or raises EngineBusy."""
        message = request.message()
        if self._idle:
            worker = self._idle.pop()
            run = Run(self, worker, timeout)
            worker.start(run, message)
            return run
        return await self._wait_for_worker(message, timeout)

    async def _wait_for_worker(self, message: bytes, timeout: float) -> Run:
        if self.waiting >= self.max_queue:
            raise EngineBusy(f"all {self.workers} query workers are busy and {self.max_queue} queries are waiting")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Run] = loop.create_future()
        self._waiters.append((future, message, loop.time() + timeout))

        def give_up() -> None:
            if not future.done():
                future.set_exception(EngineBusy(
                    f"all {self.workers} query workers stayed busy for the {timeout:g} s the query may take"
                ))

        timer = loop.call_later(timeout, give_up)
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled() and future.exception() is None:
                future.result().close()  # started just as we were cancelled: stop it
            raise
        finally:
            timer.cancel()

    def _release(self, worker: _Worker) -> None:
        """A worker is free: start the first waiting query on it, or keep it idle."""
        if worker.pid not in self._all or self._stopping:
            return
        if worker.generation < self.generation:  # forked before a write: its store is out of date
            self._discard(worker)
            return
        loop = asyncio.get_running_loop()
        while self._waiters:
            future, message, deadline = self._waiters.popleft()
            if future.done():
                continue
            run = Run(self, worker, max(deadline - loop.time(), 0.001))
            worker.start(run, message)
            future.set_result(run)
            return
        self._idle.append(worker)

    def _discard(self, worker: _Worker) -> None:
        """Kills a worker (if alive) and starts a replacement."""
        worker.kill()
        self._forget(worker)

    def _forget(self, worker: _Worker) -> None:
        if self._all.pop(worker.pid, None) is None:
            return
        if worker in self._idle:
            self._idle.remove(worker)
        if self._control is not None and not self._stopping:
            task = asyncio.get_running_loop().create_task(self._replace())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _replace(self) -> None:
        try:
            worker = await self._spawn()
        except OSError as error:
            log.error("cannot start a query worker: %s", error)
            return
        self._all[worker.pid] = worker
        self._release(worker)

    # -- writes through the zygote ---------------------------------------------------------------

    async def write(self, request: dict[str, Any]) -> dict[str, Any]:
        """Runs a write request in the zygote (medkg.writes.serving); its JSON reply.

        After a committed write, returns only once the idle workers serve the new store."""
        assert self._control is not None and self._spawn_lock is not None
        loop = asyncio.get_running_loop()
        payload = json.dumps(request).encode()
        async with self._spawn_lock:
            await loop.sock_sendall(self._control, b"u" + struct.pack(">I", len(payload)) + payload)
            (size,) = struct.unpack(">I", await self._recv_control(4))
            reply: dict[str, Any] = json.loads(await self._recv_control(size))
            if reply.get("ok") and (reply.get("added") or reply.get("removed")):
                await self._new_generation()
        return reply

    async def _recv_control(self, size: int) -> bytes:
        assert self._control is not None
        loop = asyncio.get_running_loop()
        data = b""
        while len(data) < size:
            chunk = await loop.sock_recv(self._control, size - len(data))
            if not chunk:
                raise OSError("the query worker zygote has exited")
            data += chunk
        return data

    async def _new_generation(self) -> None:
        """Kills the idle workers at once (the spawn lock is held); busy ones go on release. Their
        replacements are forked in the background, once the lock is free: a query sent meanwhile
        waits for the first of them (each fork of a zygote holding the full graph takes ~0.1-0.2 s,
        and the write need not wait for all)."""
        self.generation += 1
        for worker in [w for w in self._idle if w.generation < self.generation]:
            self._discard(worker)  # forgotten, and a replacement scheduled

    # -- spawning through the zygote -------------------------------------------------------------

    def _ask_for_worker(self) -> socket.socket:
        """Sends the zygote one end of a new socket pair, for the worker it forks (a few bytes:
        never blocks); returns our end. The zygote replies with the worker's pid."""
        assert self._control is not None
        ours, theirs = _socket_pair()
        socket.send_fds(self._control, [b"w"], [theirs.fileno()])
        theirs.close()
        return ours

    def _spawn_blocking(self) -> _Worker:
        assert self._control is not None
        ours = self._ask_for_worker()
        reply = wire.recv_exact(self._control, 4)
        if reply is None:
            raise OSError("the query worker zygote has exited")
        return _Worker(self, struct.unpack(">I", reply)[0], ours)

    async def _spawn(self) -> _Worker:
        assert self._spawn_lock is not None
        async with self._spawn_lock:
            return await self._spawn_locked()

    async def _spawn_locked(self) -> _Worker:
        ours = self._ask_for_worker()
        reply = await self._recv_control(4)
        worker = _Worker(self, struct.unpack(">I", reply)[0], ours, self.generation)
        await worker.attach()
        return worker
