"""Where submissions are graded: threads of this process, or the workers of a Dask cluster.

:class:`.grade.Grader` hands each submission to a pool and collects what comes back with
the same loop for both (a bounded number in flight, each result written as it arrives):

- :class:`LocalPool` (``--workers N``): N threads here, each waiting on its own sandbox;
- :class:`DaskPool` (``--scheduler tcp://HOST:PORT``): one ``dask.distributed`` task per
  submission, graded on a worker by :func:`.cluster.grade_task`.
"""

import uuid
from concurrent import futures as cf
from concurrent.futures import CancelledError

from . import cluster
from .prepare import GradingError

WAIT_FOR_WORKERS = 120
"""Seconds to wait for a first worker before giving up."""


class LocalPool:
    """Grade in ``workers`` threads of this process with ``grade(sub, input_hash)``."""

    def __init__(self, grade, workers):
        self.grade, self.workers = grade, workers
        self.executor = cf.ThreadPoolExecutor(max_workers=workers)

    @property
    def window(self):
        """How many submissions to keep in flight."""
        return 2 * self.workers

    def submit(self, sub, input_hash):
        """Start grading ``sub``; a future of its StudentResult."""
        return self.executor.submit(self.grade, sub, input_hash)

    def lost(self, error):
        """Whether ``error`` says the pool lost the task (never, here)."""
        return False

    def wait(self, pending):
        """Block until one of ``pending`` is done: (done, still pending)."""
        return cf.wait(pending, return_when=cf.FIRST_COMPLETED)

    def close(self, pending=()):
        """Stop: drop the queued submissions of ``pending`` and wait for the running ones."""
        for future in pending:
            future.cancel()
        self.executor.shutdown(wait=True)


class DaskPool:
    """Grade on the Dask cluster whose scheduler listens at ``address``.

    Parameters
    ----------
    address : str
        The scheduler, ``tcp://HOST:PORT`` (or a ``distributed.Client``-style address).
    job : cluster.Job
        The course, assignment and options every worker grades with.
    """

    def __init__(self, address, job):
        from distributed import Client

        cluster.check_address(address)
        self.job, self.run = job, uuid.uuid4().hex[:8]
        self.client = Client(address, timeout="30s")
        self.dashboard = self.client.dashboard_link

    @property
    def window(self):
        """How many submissions to keep in flight: twice the cluster's threads, at least 8."""
        return max(8, 2 * sum(self.client.nthreads().values()))

    def lost(self, error):
        """Whether ``error`` says the cluster lost the task (cancelled, connection closed),
        rather than that grading the submission failed on a worker."""
        from distributed.comm.core import CommClosedError

        return isinstance(error, (CancelledError, CommClosedError))

    def prepare(self):
        """Prepare one worker now (the others do on their first task); its warnings.

        Raises the worker's GradingError (no bubblewrap there, another version of the
        course, a broken solution) before any submission is sent.
        """
        try:
            self.client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS)
        except TimeoutError:
            raise GradingError(
                f"no Dask worker joined the scheduler in {WAIT_FOR_WORKERS} s: start workers "
                "(see deploy/) and run the same command again"
            ) from None
        return self.client.submit(cluster.prepare_task, self.job, pure=False).result()

    def submit(self, sub, input_hash):
        """Send ``sub``'s files to the cluster as one task; a future of its StudentResult."""
        parcel = cluster.Parcel.pack(sub, input_hash)
        key = f"coursekit-grade-{self.run}-{sub.student}-{input_hash}"
        return self.client.submit(cluster.grade_task, self.job, parcel, key=key, pure=False)

    def wait(self, pending):
        """Block until one of ``pending`` is done: (done, still pending)."""
        from distributed import wait

        done, rest = wait(list(pending), return_when="FIRST_COMPLETED")
        return set(done), set(rest)

    def close(self, pending=()):
        """Cancel the tasks of ``pending`` on the cluster and disconnect."""
        try:
            if pending:
                self.client.cancel(list(pending), force=True)
        finally:
            self.client.close()
