"""The cluster examples in deploy/ hold together, as far as this machine can tell.

No SLURM and no Kubernetes here: the SLURM example's cluster is made (a local scheduler)
and its job script read; the Kubernetes resource is read as YAML. Each worker command
must use only options that ``dask worker`` has, and run where the course and its venv are.
"""

import importlib.util
import re
import shlex
import subprocess
from pathlib import Path

import yaml
from distributed.cli.dask_worker import main as dask_worker

ROOT = Path(__file__).resolve().parents[1]
WORKER_OPTIONS = {opt for param in dask_worker.params for opt in param.opts}


def load_slurm():
    spec = importlib.util.spec_from_file_location("slurm_example", ROOT / "deploy" / "slurm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def options_of(args):
    return [a.split("=")[0] for a in args if a.startswith("--")]


def make_certs(folder):
    """The certificate of the SLURM example's docstring, made with its openssl command."""
    command = re.search(r"openssl req .*?-out cert\.pem", load_slurm().__doc__, re.S).group(0)
    subprocess.run(shlex.split(command.replace("\\\n", " ")), cwd=folder, check=True,
                   capture_output=True)  # fmt: skip
    return folder


def test_the_slurm_jobs_start_a_dask_worker_over_tls_in_the_course_venv(tmp_path):
    slurm = load_slurm()
    cluster = slurm.make_cluster(
        course="/srv/course",
        certs=make_certs(tmp_path),
        scheduler_options={"host": "127.0.0.1", "dashboard_address": None},
    )
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH -J coursekit-grade" in script and "#SBATCH -p standard" in script
    assert "cd /srv/course" in script and "source /srv/course/.venv/bin/activate" in script
    (command,) = [line for line in script.splitlines() if "distributed.cli.dask_worker" in line]
    args = shlex.split(command)
    assert args[0] == "/srv/course/.venv/bin/python"
    assert set(options_of(args)) <= WORKER_OPTIONS, set(options_of(args)) - WORKER_OPTIONS
    assert args[args.index("--nthreads") + 1] == "8"
    assert re.search(r"tls://127\.0\.0\.1:\d+", command)
    assert args[args.index("--tls-ca-file") + 1] == str(tmp_path / "cert.pem")
    assert args[args.index("--local-directory") + 1] == "${TMPDIR:-/tmp}"


def test_the_kubernetes_workers_run_dask_worker_with_what_bubblewrap_needs():
    resource, policy = yaml.safe_load_all((ROOT / "deploy" / "kubernetes.yaml").read_text())
    own = {"dask.org/cluster-name": "coursekit-grade"}
    assert policy["kind"] == "NetworkPolicy" and policy["spec"]["podSelector"]["matchLabels"] == own
    assert policy["spec"]["ingress"] == [{"from": [{"podSelector": {"matchLabels": own}}]}]
    assert resource["apiVersion"] == "kubernetes.dask.org/v1"
    assert resource["kind"] == "DaskCluster"
    pod = resource["spec"]["worker"]["spec"]
    (worker,) = pod["containers"]
    args = worker["args"]
    assert args[:2] == ["dask", "worker"]
    assert set(options_of(args)) <= WORKER_OPTIONS, set(options_of(args)) - WORKER_OPTIONS
    security = worker["securityContext"]
    assert security["seccompProfile"]["type"] == "Unconfined"
    assert security["appArmorProfile"]["type"] == "Unconfined"
    assert security["procMount"] == "Unmasked" and pod["hostUsers"] is False
    (scheduler,) = resource["spec"]["scheduler"]["spec"]["containers"]
    assert scheduler["args"] == ["dask", "scheduler"] and scheduler["image"] == worker["image"]
    ports = {p["port"] for p in resource["spec"]["scheduler"]["service"]["ports"]}
    assert ports == {8786, 8787}


def test_the_image_holds_the_course_its_venv_and_bubblewrap():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert (
        "bubblewrap" in dockerfile
        and "pip install --no-cache-dir -r requirements.txt" in dockerfile
    )
    assert "WORKDIR /course" in dockerfile and "USER grader" in dockerfile
    yaml_text = (ROOT / "deploy" / "kubernetes.yaml").read_text()
    assert "--worker-course /course" in yaml_text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "node_modules", "_build", "**/gradebook.db"} <= set(ignored)
