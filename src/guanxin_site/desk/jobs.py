"""Work that takes longer than a request (importing received files, publishing), run in a thread
while the page polls its progress.

One job of each kind at a time: a second import or publish while one runs is refused, not queued.
Jobs run beside the server's threads, so they never fork (import and build get jobs=1).
"""
from __future__ import annotations

import itertools
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable

RUNNING, DONE, FAILED = "running", "done", "failed"
KEEP = 20  # finished jobs remembered for the page


@dataclass
class Job:
    id: str
    kind: str
    state: str = RUNNING
    text: str = ""  # what is being done, in Chinese
    done: int = 0
    total: int = 0
    result: dict = field(default_factory=dict)
    error: str = ""
    started: float = field(default_factory=time.monotonic)

    def progress(self, text: str, done: int = 0, total: int = 0) -> None:
        self.text, self.done, self.total = text, done, total

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "state": self.state, "text": self.text, "done": self.done,
                "total": self.total, "result": self.result, "error": self.error}


class Jobs:
    def __init__(self, report_failure: Callable[[str], None] = lambda message: None):
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._report_failure = report_failure

    def start(self, kind: str, work: Callable[[Job], dict], busy: str) -> Job:
        """Run work(job) in a thread; its dict is the result. Raises JobBusy (busy: the message) if a job
        of this kind runs."""
        with self._lock:
            if any(j.kind == kind and j.state == RUNNING for j in self._jobs.values()):
                raise JobBusy(busy)
            job = Job(f"{kind}-{next(self._ids)}", kind)
            self._jobs[job.id] = job
            for old in sorted((j for j in self._jobs.values() if j.state != RUNNING), key=lambda j: j.started)[:-KEEP]:
                del self._jobs[old.id]
        threading.Thread(target=self._run, args=(job, work), daemon=True).start()
        return job

    def get(self, job_id) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id) if isinstance(job_id, str) else None

    def _run(self, job: Job, work: Callable[[Job], dict]) -> None:
        from guanxin_site.errors import GuanxinError

        try:
            job.result = work(job)
            job.state = DONE
        except GuanxinError as exc:  # an editor's problem, said in Chinese
            job.error, job.state = str(exc), FAILED
        except Exception as exc:  # noqa: BLE001 - the server stays up and the page says what happened
            job.error = f"出现意外错误（{type(exc).__name__}: {exc}）；请把这段话告诉技术人员"
            job.state = FAILED
            self._report_failure(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")


class JobBusy(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
