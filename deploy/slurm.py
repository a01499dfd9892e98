"""A Dask cluster of SLURM jobs for ``coursekit grade --scheduler`` (dask-jobqueue).

Run it on the cluster's login node, from the course checkout, in the course's venv::

    python deploy/slurm.py --jobs 10          # prints the scheduler's address, then waits
    coursekit grade 01_rnn_cell export.zip --out grading/01 --scheduler tcp://HOST:PORT

Each SLURM job is one Dask worker process with one thread per core: a thread grades one
submission at a time, and the process prepares the assignment once (the reference run and
the self-check) for all of them. Every compute node needs what a local run needs:
bubblewrap that can create user namespaces, this course at the same path (a shared file
system such as /home or /scratch) and this venv. Edit the values marked ``site``.
"""

import argparse

from dask_jobqueue import SLURMCluster

COURSE = "/home/teacher/rnn-course"  # site: the course checkout, on a shared file system


def make_cluster(course=COURSE, **overrides):
    """A SLURMCluster whose workers run in the course's venv, from the course folder."""
    settings = dict(
        queue="standard",  # site: the partition
        account=None,  # site: the account to charge, if your cluster wants one
        cores=8,  # one grading thread per core
        processes=1,  # one worker process per job, so one preparation per job
        memory="40GB",  # 8 submissions x 4 GB (--memory) + the worker itself
        walltime="02:00:00",
        job_name="coursekit-grade",
        local_directory="$TMPDIR",  # node-local disk for the submissions' files
        job_script_prologue=[f"cd {course}", f"source {course}/.venv/bin/activate"],
        python=f"{course}/.venv/bin/python",
        worker_extra_args=["--lifetime", "110m", "--lifetime-stagger", "5m"],
        scheduler_options={"dashboard_address": ":8787"},
    )
    return SLURMCluster(**{**settings, **overrides})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=10, help="SLURM jobs (workers) to start")
    args = parser.parse_args()
    cluster = make_cluster()
    cluster.scale(jobs=args.jobs)
    print(f"scheduler: {cluster.scheduler_address}  dashboard: {cluster.dashboard_link}")
    input("Grading can start now. Press Enter to stop the cluster. ")
    cluster.close()


if __name__ == "__main__":
    main()
