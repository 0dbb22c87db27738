"""Spreading a stage over processes: this one and worker children, sharing out chunks of items.

A stage hands its work over as a *task*: a callable object that carries everything it needs (the
pages to render and the stager to write them with, the project to parse...) and is applied to
items (indices, paths). Nothing reaches a worker through module-level state. How the children come
to hold the task depends on the start method (`GUANXIN_START_METHOD`, else the platform's):

- fork (Linux): the children are forked once the task is ready and inherit it: nothing is pickled,
  and garbage collection is frozen first so that they do not copy the parent's objects' pages;
- spawn (Windows, macOS) and forkserver: each child starts afresh; the task and the items are
  pickled once per child. A task leaves out of its pickle what a child makes more cheaply itself
  (a template environment) and makes it there.

Chunks of items are handed out by this process through one connection per child: a child gets a
chunk's start, sends back the chunk's results (one pickle per chunk) and gets the next start, until
none is left. A thread here serves each child, so no child waits while this process works on a
chunk of its own; this process takes its chunks from the same counter between its items.

Why not multiprocessing.Pool or concurrent.futures: this process works too instead of waiting, a
task travels once per child rather than with every item, and a forked child needs no pickling at all.
"""
from __future__ import annotations

import gc
import os
import pickle
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from guanxin_site.errors import OutputError

MIN_ITEMS = 400  # below this, starting processes costs more than it saves
START_METHOD_VARIABLE = "GUANXIN_START_METHOD"  # fork, forkserver or spawn: the tests run the build under each
_CHUNKS_PER_PROCESS = 32  # small enough to balance, large enough to keep claiming cheap
_MAX_CHUNKS = 1024
_WORKER_DIED = ("生成网站的工作进程意外退出（可能是内存不足）；原有的网站保持不变。"
                "可以用 --jobs 1 重试")


def start_method() -> str:
    """How worker processes start: fork where it is safe and cheapest (Linux), spawn elsewhere
    (Windows has nothing else), or what GUANXIN_START_METHOD names."""
    chosen = os.environ.get(START_METHOD_VARIABLE, "").strip()
    if not chosen:
        return "fork" if sys.platform == "linux" and hasattr(os, "fork") else "spawn"
    import multiprocessing  # only where workers start: a build with nothing to do never loads it

    if chosen not in multiprocessing.get_all_start_methods():
        raise OutputError(f"环境变量 {START_METHOD_VARIABLE}={chosen} 无效；这台电脑上可以用："
                          + "、".join(multiprocessing.get_all_start_methods()))
    return chosen


def uses_workers(jobs: int, items: int, min_items: int | None = None) -> bool:
    """Worker processes only where they pay (enough items).

    A caller that runs other threads should pass jobs=1 (serve does, once its server runs):
    a forked child gets only the forking thread, and a lock another thread held at the
    fork would stay held in the child."""
    return jobs > 1 and items >= (MIN_ITEMS if min_items is None else min_items)


def process_map(task: Callable[[Any], Any], items: list, jobs: int, *, child_task: Callable[[Any], Any] | None = None,
                min_items: int | None = None, chunk_size: int | None = None) -> Iterator[tuple[int, Any]]:
    """Yield (index, task(item)) for every item, in no particular order. Exceptions reach the caller.

    task must be picklable (module-level functions, or objects of module-level classes) unless
    the start method is fork. child_task: what children run instead of task (e.g. to return a
    result that is cheaper to send back, such as an issue already pickled). min_items (default
    MIN_ITEMS) and chunk_size: for few, heavy items (search index segments), start workers from
    fewer items and hand them out one by one.
    """
    if not uses_workers(jobs, len(items), min_items):
        for index, item in enumerate(items):
            yield index, task(item)
        return
    chunks = min(jobs * _CHUNKS_PER_PROCESS, _MAX_CHUNKS)
    size = max(chunk_size, -(-len(items) // _MAX_CHUNKS)) if chunk_size else max(4, -(-len(items) // chunks))
    method = start_method()
    claims = _Claims(len(items), size)
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    children: list[_Child] = []
    with _frozen_objects(method == "fork"):
        try:
            _start_children(children, method, jobs - 1, child_task or task, items, size)
            for child in children:  # after every fork: a forked child must not inherit a running thread
                child.serve(claims, inbox)
            finished = 0
            for start in iter(claims.claim, None):
                for index in range(start, min(start + size, len(items))):
                    yield index, task(items[index])
                finished += yield from _drain(inbox, block=False)
            while finished < len(children):
                finished += yield from _drain(inbox, block=True)
        except BaseException:  # a failure, or the caller stopped early: children may be mid-chunk
            for child in children:
                child.kill()
            raise
        for child in children:
            child.done()


def _start_children(children: list[_Child], method: str, count: int, task, items: list, size: int) -> None:
    """Up to count children holding the task, into children (as they start: if one fails, the caller
    still stops the others): forked ones inherit it, spawned ones (kept from an earlier map where
    possible) are sent one pickle of it. Fewer if the system refuses more."""
    payload = None
    for _ in range(count):
        if method == "fork":
            child = _Child.forked(task, items, size)
        else:
            child = _kept_child(method) or _Child.spawned(method)
        if child is None:
            break  # the system refused another process: the ones there are (or this one) do the work
        children.append(child)
        if method != "fork":
            payload = payload or pickle.dumps(("task", task, items, size), protocol=pickle.HIGHEST_PROTOCOL)
            child.give(payload)


# Spawned children waiting for the next map of the same build (inside reusing_workers()); None outside.
_kept: list[_Child] | None = None


@contextmanager
def reusing_workers():
    """Within the block, spawned (and forkserver) workers stay after a map for the next one, and
    are stopped at its end: a build starts them once, not once per stage, which costs a fresh
    interpreter each time. Forked children need nothing of the kind: they are forked per map,
    with the state that map needs."""
    global _kept
    if _kept is not None:
        yield  # nested: the outer block keeps them
        return
    _kept = []
    try:
        yield
    finally:
        children, _kept = _kept, None
        for child in children:
            child.stop()


def _kept_child(method: str) -> _Child | None:
    while _kept:
        child = _kept.pop()
        if child.method == method and child.process.is_alive():
            return child
        child.kill()
    return None


@contextmanager
def _frozen_objects(freeze: bool):
    """Forked children then leave the objects made so far alone instead of copying their pages
    (a collection touches every object's header)."""
    if freeze:
        gc.freeze()
    try:
        yield
    finally:
        if freeze:
            gc.unfreeze()


class _Claims:
    """The chunks' start indices, handed out once each, to this process and to the threads serving children."""

    def __init__(self, count: int, size: int):
        self.count, self.size, self._next = count, size, 0
        self._lock = threading.Lock()

    def claim(self) -> int | None:
        with self._lock:
            start = self._next
            if start >= self.count:
                return None
            self._next = start + self.size
            return start


def _drain(inbox: queue.SimpleQueue, block: bool):
    """Yield the results the serving threads have put in the inbox; returns how many children
    finished meanwhile. Blocking: until one more child finishes (its results come before its
    end). Not blocking: whatever is there. Raises what a child raised."""
    finished = 0
    while True:
        try:
            kind, value = inbox.get(block=block)
        except queue.Empty:
            return finished
        if kind == "raise":
            raise value
        if kind == "finished":
            finished += 1
            if block:
                return finished
            continue
        yield from value


class _Child:
    """One worker process and the connection this process hands it chunks through."""

    def __init__(self, conn, method: str, process=None, pid: int | None = None):
        self.conn, self.method, self.process, self.pid = conn, method, process, pid
        self.thread: threading.Thread | None = None

    @classmethod
    def forked(cls, task, items: list, size: int) -> "_Child | None":
        """A forked child holding the task, or None if the system has no room for another process."""
        return cls._started("fork", lambda here, there: cls._fork(here, there, task, items, size))

    @classmethod
    def spawned(cls, method: str) -> "_Child | None":
        """A fresh interpreter (spawn or forkserver) waiting for tasks, or None if the system refuses."""
        def start(here, there):
            import multiprocessing

            process = multiprocessing.get_context(method).Process(target=_spawned_main, args=(there,), daemon=True)
            process.start()
            return cls(here, method, process=process)

        return cls._started(method, start)

    @classmethod
    def _started(cls, method: str, start) -> "_Child | None":
        import multiprocessing

        try:
            here, there = multiprocessing.Pipe(duplex=True)
        except OSError:
            return None
        try:
            child = start(here, there)
        except OSError:  # EAGAIN, ENOMEM
            here.close()
            there.close()
            return None
        there.close()  # the child's end is the child's alone: its death reads as the end of the connection here
        return child

    @classmethod
    def _fork(cls, here, there, task, items: list, size: int) -> "_Child":
        pid = os.fork()
        if pid == 0:  # the child: never returns
            here.close()
            _forked_main(task, items, size, there)
        return cls(here, "fork", pid=pid)

    def give(self, payload: bytes) -> None:
        """Send a spawned child the map's task (pickled once for all of them)."""
        try:
            self.conn.send_bytes(payload)
        except OSError:
            raise OutputError(_WORKER_DIED) from None

    def serve(self, claims: _Claims, inbox: queue.SimpleQueue) -> None:
        self.thread = threading.Thread(target=self._serve, args=(claims, inbox), daemon=True)
        self.thread.start()

    def _serve(self, claims: _Claims, inbox: queue.SimpleQueue) -> None:
        try:
            self._hand_out(claims)
            while True:
                kind, value = pickle.loads(self.conn.recv_bytes())
                if kind != "ok":
                    if kind == "raise":
                        inbox.put((kind, value))
                    break  # "end" or "raise": the child has nothing more to say for this map
                self._hand_out(claims)  # first: the child works on while its results are passed on
                inbox.put((kind, value))
        except (EOFError, OSError):  # the child ended before its end marker: killed
            inbox.put(("raise", OutputError(_WORKER_DIED)))
        except Exception as exc:  # noqa: BLE001 - a result that cannot be read back
            inbox.put(("raise", OutputError(f"工作进程送回的结果无法读取（{exc!r}）；原有的网站保持不变。可以用 --jobs 1 重试")))
        finally:
            inbox.put(("finished", None))  # after its results: the consumer counts these

    def _hand_out(self, claims: _Claims) -> None:
        start = claims.claim()
        self.conn.send_bytes(b"" if start is None else start.to_bytes(8, "little"))

    def done(self) -> None:
        """After a map that went well: a forked child has ended (wait for it); a spawned one is kept
        for the next map when a build keeps them (reusing_workers), else stopped."""
        self.thread.join()
        if self.process is None:
            os.waitpid(self.pid, 0)
            self.conn.close()
        elif _kept is not None:
            _kept.append(self)
        else:
            self.stop()

    def stop(self) -> None:
        """End a waiting spawned child: the end of its connection is its signal to leave."""
        self.conn.close()
        self.process.join()
        self.process.close()

    def kill(self) -> None:
        """Stop the child whatever it is doing, then wait for it and its thread."""
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.process.close()
        else:
            try:
                os.kill(self.pid, 9)  # SIGKILL (named by number: the signal module has no SIGKILL on Windows)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
        if self.thread is not None:
            self.thread.join()
        self.conn.close()


def _work(task, items: list, size: int, conn) -> None:
    """A child's part: take chunks until none are left, sending each chunk's results as they are made."""
    try:
        while start := conn.recv_bytes():
            start = int.from_bytes(start, "little")
            chunk = [(index, task(items[index])) for index in range(start, min(start + size, len(items)))]
            # Whole records only: a result that fails to pickle must not leave half a record behind.
            conn.send_bytes(pickle.dumps(("ok", chunk), protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
        _send_exception(conn, exc)
        return
    conn.send_bytes(pickle.dumps(("end", None), protocol=pickle.HIGHEST_PROTOCOL))


def _forked_main(task, items: list, size: int, conn) -> None:
    """Leave with os._exit: a forked child must not run the parent's cleanup (which would remove
    the build's staging directory, for one)."""
    code = 1
    try:
        _work(task, items, size, conn)
        conn.close()
        code = 0
    except BaseException:  # noqa: BLE001 - the parent reports a child that ends without its marker
        pass
    finally:
        os._exit(code)


def _spawned_main(conn) -> None:
    """A spawned (or forkserver) child: run each map's task as it arrives, pickled, until the
    connection ends. A task that cannot be unpickled here is reported like any failure."""
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            _, task, items, size = pickle.loads(message)
        except BaseException as exc:  # noqa: BLE001 - the parent raises it, then stops this process
            _send_exception(conn, exc)
            continue
        _work(task, items, size, conn)


def _send_exception(conn, exc: BaseException) -> None:
    try:
        data = pickle.dumps(("raise", exc), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an exception that cannot be pickled still stops the build
        data = pickle.dumps(("raise", OutputError(f"工作进程出错：{exc!r}")), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        conn.send_bytes(data)
    except OSError:
        pass  # this process is gone: nobody to tell
