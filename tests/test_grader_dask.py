"""Grading on a Dask cluster: a LocalCluster of two worker processes, loopback only.

A class of the toy assignment (tests/grader_fixtures/) is graded once locally and then
on the cluster with ``python -m coursekit grade ... --scheduler``: grades.csv must be the
same byte for byte, also when a worker is killed partway and when the client is
interrupted and run again. A few notebooks sleep in a cell so that the run is still going
when the test kills something.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from grader_fixtures import course

pytestmark = pytest.mark.slow

SLOW = "import time\ntime.sleep(1.5)\ntanh_half = float(np.tanh(0.5))\n"
WRONG = {
    "no_bias": {"affine": "def affine(x, W, b):\n    return x @ W\n"},
    "float_count": {"count_params": "def count_params(n_inputs, n_outputs):\n    return 1.0\n"},
    "tanh_zero": {"tanh_half": "tanh_half = 0\n"},
}


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """The course, a class of 13 and the grades.csv of a local run."""
    root = tmp_path_factory.mktemp("dask")
    course.make_course(root / "course")
    students = {f"correct{i}": course.notebook() for i in range(3)}
    students |= {f"slow{i}": course.notebook({"tanh_half": SLOW}) for i in range(6)}
    students |= {name: course.notebook(answers) for name, answers in WRONG.items()}
    students["blank"] = course.notebook(blank=True)
    for name, nb in students.items():
        course.write(root / "class" / name / "toy.ipynb", nb)
    done = grade(root, "local", "--workers", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    return root, (root / "local" / "grades.csv").read_text()


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        ) as local,
        Client(local) as client,
    ):
        yield local, client


def grade(root, out, *options, wait=True):
    command = [sys.executable, "-m", "coursekit", "grade", "toy", str(root / "class")]
    command += ["--out", str(root / out), "--course", str(root / "course"), *options]
    if not wait:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def results_in(root, out):
    return len(list((root / out / "results").glob("*.json")))


def wait_for_results(root, out, process, at_least):
    """Wait until ``at_least`` results are written (the run is partway); how many there are."""
    deadline = time.monotonic() + 300
    while results_in(root, out) < at_least:
        assert process.poll() is None, process.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "no results came back"
        time.sleep(0.05)
    return results_in(root, out)


def test_the_cluster_gives_the_local_grades_and_shows_the_dashboard(toy, cluster):
    root, local = toy
    done = grade(root, "dask", "--scheduler", cluster[0].scheduler_address)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (root / "dask" / "grades.csv").read_text() == local
    assert "Dask dashboard at http://127.0.0.1:" in done.stderr
    assert "13 students, 13 graded" in done.stdout


def test_a_worker_killed_partway_loses_no_submission(toy, cluster):
    root, local = toy
    local_cluster, client = cluster
    process = grade(root, "killed", "--scheduler", local_cluster.scheduler_address, wait=False)
    kept = wait_for_results(root, "killed", process, at_least=2)
    victim = next(iter(client.run(os.getpid).values()))
    os.kill(victim, signal.SIGKILL)  # the nanny starts a new worker; its tasks run again
    out, err = process.communicate(timeout=600)
    assert kept < 13, "the worker was killed after the run had ended"
    assert process.returncode == 0, err[-3000:]
    assert (root / "killed" / "grades.csv").read_text() == local


def test_an_interrupted_client_run_again_resumes_and_ends_identical(toy, cluster):
    root, local = toy
    address = cluster[0].scheduler_address
    process = grade(root, "resumed", "--scheduler", address, wait=False)
    wait_for_results(root, "resumed", process, at_least=3)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    kept = results_in(root, "resumed")
    assert process.returncode == 130, err[-3000:]
    assert 3 <= kept < 13, kept
    again = grade(root, "resumed", "--scheduler", address)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"{kept} from an earlier run" in again.stdout
    assert (root / "resumed" / "grades.csv").read_text() == local


def test_a_worker_with_another_version_of_the_course_refuses_to_grade(toy, cluster, tmp_path):
    root, _ = toy
    other = course.make_course(tmp_path / "other")
    tests = other / "solutions" / "toy" / "toy.ipynb"
    tests.write_text(tests.read_text() + "\n")  # another version: other bytes
    address = cluster[0].scheduler_address
    done = grade(root, "other", "--scheduler", address, "--worker-course", str(other))
    assert done.returncode == 1
    assert "differs from the client's" in done.stderr
    assert results_in(root, "other") == 0


ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,toy (5)
    Points Possible,,,,,10.00
"Lovelace, Ada",11,S11,ada,RNN 101,
"""


def test_the_roster_is_read_on_the_client_only(toy, cluster, tmp_path):
    root, _ = toy
    (tmp_path / "roster.csv").write_text(ROSTER)  # not where the workers could read it...
    address = cluster[0].scheduler_address
    done = grade(root, "roster", "--scheduler", address, "--roster", str(tmp_path / "roster.csv"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "13 submissions match no roster entry" in done.stderr
    assert "Lovelace, Ada" in done.stderr  # on the roster, with no submission
    assert (root / "roster" / "canvas_import.csv").exists()


def test_a_plain_tcp_scheduler_off_this_machine_and_an_unsandboxed_cluster_are_refused(toy):
    root, _ = toy
    done = grade(root, "remote", "--scheduler", "tcp://10.1.2.3:8786")
    assert done.returncode == 1 and "use tls://" in done.stderr
    done = grade(root, "unsandboxed", "--scheduler", "tcp://127.0.0.1:1", "--sandbox", "none")
    assert done.returncode == 1 and "--sandbox none cannot be used with --scheduler" in done.stderr


def test_a_tls_cluster_gives_the_local_grades(toy, tmp_path, monkeypatch):
    from distributed import LocalCluster
    from distributed.security import Security

    root, local = toy
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=coursekit", "-keyout", "key.pem", "-out", "cert.pem"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    pairs = {f"tls_{w}_{p}": v for w in ("scheduler", "worker", "client")
             for p, v in (("cert", cert), ("key", key))}  # fmt: skip
    security = Security(tls_ca_file=cert, require_encryption=True, **pairs)
    for name, value in (("CA_FILE", cert), ("CLIENT__CERT", cert), ("CLIENT__KEY", key)):
        monkeypatch.setenv(f"DASK_DISTRIBUTED__COMM__TLS__{name}", value)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, protocol="tls://", security=security,
        host="127.0.0.1", dashboard_address=None,
    ) as tls:  # fmt: skip
        assert tls.scheduler_address.startswith("tls://")
        done = grade(root, "tls", "--scheduler", tls.scheduler_address)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (root / "tls" / "grades.csv").read_text() == local
