"""Spreading a stage over processes: this one and forked children, sharing out chunks of items.

Why not multiprocessing or concurrent.futures: the children are forked after the
build's state is ready, so they inherit it instead of receiving it (items are
indices or paths, never pickled); this process works on chunks too instead of
waiting; and there is no manager thread, task queue or per-task round trip.

Chunks are handed out through a pipe filled with their start indices before the
fork: whoever is free reads the next one (a pipe read of 4 bytes is atomic), so a
process that also has to unpack the others' results simply takes fewer chunks.
Each child streams its results, one pickle per chunk, to a pipe of its own
(enlarged to 1 MB); a thread here reads them as they come, so a child seldom
waits on a full pipe while this process works on a chunk of its own.
"""
from __future__ import annotations

import os
import pickle
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from guanxin_site.errors import OutputError

MIN_ITEMS = 400  # below this, forking costs more than it saves
_CHUNKS_PER_PROCESS = 32  # small enough to balance, large enough to keep claiming cheap
_PIPE_BYTES = 1 << 20  # Linux's default limit for an unprivileged process
_MAX_CHUNKS = 1024  # 4-byte tokens filling one 4 KB page, the smallest pipe Linux gives: the write never blocks
_WORKER_DIED = ("生成网站的工作进程意外退出（可能是内存不足）；原有的网站保持不变。"
                "可以用 --jobs 1 重试")


def uses_workers(jobs: int, items: int, min_items: int = MIN_ITEMS) -> bool:
    """Forked children only where fork exists and pays (Linux; enough items).

    A caller that runs other threads should pass jobs=1 (serve does, once its server runs):
    a forked child gets only the forking thread, and a lock another thread held at the
    fork would stay held in the child. Our children only parse, render and write files."""
    return jobs > 1 and items >= min_items and sys.platform == "linux" and hasattr(os, "fork")


def fork_map(func: Callable[[Any], Any], items: list, jobs: int,
             child_func: Callable[[Any], Any] | None = None, *, min_items: int = MIN_ITEMS,
             chunk_size: int | None = None) -> Iterator[tuple[int, Any]]:
    """Yield (index, func(item)) for every item, in no particular order. Exceptions reach the caller.

    child_func: what children run instead of func (e.g. to return a result that is cheaper to
    send back, such as an issue already pickled). min_items and chunk_size: for few, heavy
    items (search index segments), fork from fewer items and hand them out one by one.
    """
    if not uses_workers(jobs, len(items), min_items):
        for index, item in enumerate(items):
            yield index, func(item)
        return
    chunks = min(jobs * _CHUNKS_PER_PROCESS, _MAX_CHUNKS)
    size = max(chunk_size, -(-len(items) // _MAX_CHUNKS)) if chunk_size else max(4, -(-len(items) // chunks))
    tokens = _token_pipe(range(0, len(items), size))
    children: list[_Child] = []
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    try:
        for _ in range(jobs - 1):
            child = _Child.fork(child_func or func, items, size, tokens)
            if child is None:
                break  # the system refused another process: the ones there are (or this one) do the work
            children.append(child)
        for child in children:
            child.start_reading(inbox)
        finished = 0
        for start in _claim(tokens):
            for index in range(start, min(start + size, len(items))):
                yield index, func(items[index])
            finished += yield from _drain(inbox, block=False)
        while finished < len(children):
            finished += yield from _drain(inbox, block=True)
    finally:
        os.close(tokens)
        for child in children:
            child.reap()


def _token_pipe(starts: range) -> int:
    """A pipe holding every chunk's start index, its writing end closed: readers see EOF when all are taken.
    At most _MAX_CHUNKS tokens: within any pipe's capacity, so the write never blocks."""
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"".join(start.to_bytes(4, "little") for start in starts))
    os.close(write_fd)
    return read_fd


def _claim(tokens: int) -> Iterator[int]:
    while len(token := os.read(tokens, 4)) == 4:
        yield int.from_bytes(token, "little")


def _drain(inbox: queue.SimpleQueue, block: bool):
    """Yield the results the reading threads have put in the inbox; returns how many children
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
    def __init__(self, pid: int, reader):
        self.pid, self.reader = pid, reader
        self.thread: threading.Thread | None = None

    @classmethod
    def fork(cls, func, items: list, size: int, tokens: int) -> "_Child | None":
        """A running child, or None if the system has no room for another process."""
        try:
            read_fd, write_fd = os.pipe()
        except OSError:
            return None
        import fcntl  # Linux only, like fork itself (uses_workers); Windows has neither

        try:  # room for a few chunks of large results: the child need not wait for our reader thread
            fcntl.fcntl(write_fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_BYTES)
        except OSError:
            pass  # the system's limit is lower: slower, not wrong
        try:
            pid = os.fork()
        except OSError:  # EAGAIN, ENOMEM
            os.close(read_fd)
            os.close(write_fd)
            return None
        if pid == 0:  # the child: never returns
            os.close(read_fd)
            _child_main(func, items, size, tokens, write_fd)
        os.close(write_fd)
        return cls(pid, os.fdopen(read_fd, "rb"))

    def start_reading(self, inbox: queue.SimpleQueue) -> None:
        self.thread = threading.Thread(target=self._read, args=(inbox,), daemon=True)
        self.thread.start()

    def _read(self, inbox: queue.SimpleQueue) -> None:
        try:
            while True:
                kind, value = pickle.load(self.reader)
                if kind == "end":
                    break
                inbox.put((kind, value))
                if kind == "raise":
                    break
        except EOFError:  # the child ended before its end marker: killed
            inbox.put(("raise", OutputError(_WORKER_DIED)))
        except Exception as exc:  # noqa: BLE001 - a result that cannot be read back
            inbox.put(("raise", OutputError(f"工作进程送回的结果无法读取（{exc!r}）；原有的网站保持不变。可以用 --jobs 1 重试")))
        finally:
            inbox.put(("finished", None))  # after its results: the consumer counts these

    def reap(self) -> None:
        """Stop the child if it still runs (the map ended early), then wait for it and its reader."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        if self.thread is not None:
            self.thread.join()
        self.reader.close()


def _child_main(func, items: list, size: int, tokens: int, write_fd: int) -> None:
    """Take chunks until none are left, sending each result as it is made; leave with
    os._exit: a forked child must not run the parent's cleanup (which would remove the
    build's staging directory, for one)."""
    code = 1
    try:
        with os.fdopen(write_fd, "wb") as out:
            try:
                for start in _claim(tokens):
                    chunk = [(index, func(items[index])) for index in range(start, min(start + size, len(items)))]
                    # Whole records only: a result that fails to pickle must not leave half a record in the pipe.
                    out.write(pickle.dumps(("ok", chunk), protocol=pickle.HIGHEST_PROTOCOL))
                    out.flush()
            except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
                _send_exception(out, exc)
            pickle.dump(("end", None), out, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    except BaseException:  # noqa: BLE001 - the parent reports a child that ends without its marker
        pass
    finally:
        os._exit(code)


def _send_exception(out, exc: BaseException) -> None:
    try:
        data = pickle.dumps(("raise", exc), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an exception that cannot be pickled still stops the build
        data = pickle.dumps(("raise", OutputError(f"工作进程出错：{exc!r}")), protocol=pickle.HIGHEST_PROTOCOL)
    out.write(data)
