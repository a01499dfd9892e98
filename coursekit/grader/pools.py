"""Where submissions are graded: threads of this process, or the workers of a Dask cluster.

:class:`.grade.Grader` hands each submission to a pool and collects what comes back with
the same loop for both (a bounded number in flight, each result written as it arrives):

- :class:`LocalPool` (``--workers N``): N threads here, each waiting on its own sandbox;
- :class:`DaskPool` (``--scheduler tcp://HOST:PORT``): one ``dask.distributed`` task per
  submission, graded on a worker by :func:`.cluster.grade_task`.
"""

from concurrent import futures as cf

from . import cluster


class LocalPool:
    """Grade in ``workers`` threads of this process with ``grade(sub)``."""

    dashboard = None

    def __init__(self, grade, workers):
        self.grade, self.workers = grade, workers
        self.executor = cf.ThreadPoolExecutor(max_workers=workers)

    @property
    def window(self):
        """How many submissions to keep in flight."""
        return 2 * self.workers

    def submit(self, sub, input_hash):
        """Start grading ``sub``; a future of its StudentResult."""
        return self.executor.submit(self.grade, sub)

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

        self.job = job
        self.client = Client(address, timeout="30s")
        self.dashboard = self.client.dashboard_link if self.client.scheduler_info() else None

    @property
    def window(self):
        """How many submissions to keep in flight: twice the cluster's threads, at least 8."""
        threads = sum(w["nthreads"] for w in self.client.scheduler_info()["workers"].values())
        return max(8, 2 * threads)

    def prepare(self):
        """Prepare one worker now (the others do on their first task); its warnings.

        Raises the worker's GradingError (no bubblewrap there, another version of the
        course, a broken solution) before any submission is sent.
        """
        return self.client.submit(cluster.prepare_task, self.job, pure=False).result()

    def submit(self, sub, input_hash):
        """Send ``sub``'s files to the cluster as one task; a future of its StudentResult."""
        parcel = cluster.Parcel.pack(sub, input_hash)
        key = f"coursekit-grade-{sub.student}-{input_hash}"
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
