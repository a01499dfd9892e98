"""A Dask cluster of SLURM jobs for ``coursekit grade --scheduler`` (dask-jobqueue).

Run it on the cluster's login node, from the course checkout, in the course's venv. The
scheduler speaks TLS, so that nobody else on the cluster can join it or send it work; make
a certificate once, readable by you only, and tell Dask's client where it is::

    mkdir -m 700 -p ~/.coursekit-certs && cd ~/.coursekit-certs && openssl req -x509 \
        -newkey rsa:2048 -nodes -days 90 -subj /CN=coursekit -keyout key.pem -out cert.pem
    export DASK_DISTRIBUTED__COMM__TLS__CA_FILE=~/.coursekit-certs/cert.pem
    export DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT=~/.coursekit-certs/cert.pem
    export DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY=~/.coursekit-certs/key.pem
    python deploy/slurm.py --jobs 10          # prints the scheduler's address, then waits
    coursekit grade 01_rnn_cell export.zip --out grading/01 --scheduler tls://HOST:PORT

Each SLURM job is one Dask worker process with one thread per core: a thread grades one
submission at a time, and the process prepares the assignment once (the reference run and
the self-check) for all of them. Every compute node needs what a local run needs:
bubblewrap that can create user namespaces, this course at the same path (a shared file
system such as /home or /scratch) and this venv. Edit the values marked ``site``.
"""

import argparse
from pathlib import Path

from dask_jobqueue import SLURMCluster
from distributed.security import Security

COURSE = "/home/teacher/rnn-course"  # site: the course checkout, on a shared file system
CERTS = Path.home() / ".coursekit-certs"  # cert.pem and key.pem, made as above


def tls(certs=CERTS):
    """Scheduler, workers and client all show the one certificate and trust only it."""
    cert, key = str(Path(certs) / "cert.pem"), str(Path(certs) / "key.pem")
    pairs = {f"tls_{who}_{part}": path for who in ("scheduler", "worker", "client")
             for part, path in (("cert", cert), ("key", key))}  # fmt: skip
    return Security(tls_ca_file=cert, require_encryption=True, **pairs)


def make_cluster(course=COURSE, certs=CERTS, **overrides):
    """A SLURMCluster whose workers run in the course's venv, from the course folder."""
    settings = dict(
        protocol="tls://",
        security=tls(certs),
        queue="standard",  # site: the partition
        account=None,  # site: the account to charge, if your cluster wants one
        cores=8,  # one grading thread per core
        processes=1,  # one worker process per job, so one preparation per job
        memory="40GB",  # 8 submissions x 4 GB (--memory) + the worker itself
        walltime="02:00:00",
        job_name="coursekit-grade",
        local_directory="${TMPDIR:-/tmp}",  # node-local disk for the submissions' files
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
