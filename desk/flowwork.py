"""The desk's flow work: one flow run at a time, and intake requests that arrive while a run is
under way go together in the next one.

A warm flow run costs ~0.3 s before it does any work (DESIGN.md, last part), and SQLite has one
writer anyway, so runs never overlap. Twenty offices uploading at once would otherwise pay for
twenty runs in a row; batched, the first upload runs alone and the rest share the next run.
Each request still gets its own result, in its own order.

In a pool home (flows/on_pool.py) the same batches are staged in the object store and run by the
pool's workers; the desk only waits for the answers (or answers `queued`), so it holds no turn.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path

MAX_BATCH = 50          # a flow run's chunk (flows/intake.py): a bigger batch gains nothing more


class FlowWork:
    def __init__(self, home: Path, lock: threading.Lock | None = None, max_batch: int = MAX_BATCH) -> None:
        self.home = home
        self.lock = lock or threading.Lock()
        self.max_batch = max_batch
        self._pending: list[tuple[dict, Future]] = []
        self._guard = threading.Lock()
        self._draining = False
        self.runs = 0                   # intake flow runs so far (for tests and the load check)

    def intake(self, requests: list[dict]) -> list[dict]:
        """Each request's intake result; blocks until its batch has run."""
        futures = [Future() for _ in requests]
        with self._guard:
            self._pending += zip(requests, futures)
            start = not self._draining
            self._draining = True
        if start:
            threading.Thread(target=self._drain, name="lockstep-intake", daemon=True).start()
        return [f.result() for f in futures]

    def _drain(self) -> None:
        from flows.run import run_intake
        while True:
            with self._guard:
                if not self._pending:
                    self._draining = False
                    return
                batch, self._pending = self._pending[:self.max_batch], self._pending[self.max_batch:]
            try:
                with self._turn():
                    results = run_intake(self.home, [r for r, _ in batch], here=True)
                    self.runs += 1
                for (_, future), result in zip(batch, results, strict=True):
                    future.set_result(result)
            except BaseException as e:          # the run failed as a whole: every caller hears it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(e)

    def _turn(self):
        """The flow-run turn: this process's one at a time; none in a pool home (flows/on_pool.py),
        whose work runs on the pool's workers while this desk only waits for the answer."""
        from contextlib import nullcontext

        from flows.on_pool import pool_of
        return nullcontext() if pool_of(self.home) is not None else self.lock

    def publish(self, dossier_ids: list[str], actor: str) -> list[dict]:
        from flows.run import run_publication
        with self._turn():
            return run_publication(self.home, dossier_ids, actor, here=True)

    def publish_pending(self) -> dict:
        """The outbox's sweep (flows/publication.py), in turn with the other flow runs."""
        from flows.run import run_publication_sweep
        with self.lock:
            return run_publication_sweep(self.home, here=True)

    def deadlines(self) -> list[dict]:
        from flows.run import run_deadlines
        with self.lock:
            return run_deadlines(self.home, here=True)
