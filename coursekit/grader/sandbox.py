"""The sandbox one submission runs in: bubblewrap, resource limits, a stubbed coursekit.

What a submission's process sees (with bubblewrap, the default):

- the system read-only: ``/usr`` (and the ``/bin``, ``/lib`` links), ``/etc/ld.so.cache``,
  the Python installation and the virtual environment the grader runs from, read-only;
- its own working directory ``/home/student``, a size-limited tmpfs holding read-only
  copies of the assignment's data files, and a private ``/tmp`` (tmpfs);
- ``/opt/coursekit/kit``: a copy of coursekit in which the reference implementations and
  the trusted expectations are stubs (see :func:`.kit.build_kit`), and the cell executor;
- one Unix socket to the grader (its descriptor in ``COURSEKIT_CHANNEL``) and its stdin:
  the channel of :mod:`coursekit.protocol`, whose docstring says what the grader trusts
  of it and why (the kernel names the writer of every message; a cell ends only with its
  one-time token);
- no network (``--unshare-net``: a loopback device only), its own PID, IPC and UTS
  namespaces, user ``nobody`` in a new user namespace with no capabilities, a new session
  (no terminal), and it dies with the grader (``--die-with-parent``).

Nothing else is mounted: not the course (``solutions/``, the gradebook, ``coursekit``'s
source), not the submissions, not the grader's output. Paths of those that happen to lie
inside a mounted system folder are hidden with an empty tmpfs, and so are the libraries
an assignment forbids with "zero" (see :class:`.assignment.NotebookSpec`).

Limits: the executor lowers its own rlimits before any student code runs: address space
(``--memory``), CPU seconds, processes, file size, open files, no core dumps. Where
cgroup v1 memory and pids controllers are writable (root on most Linux machines with
cgroup v1), each submission also gets its own cgroup that caps the memory of all its
processes together (tmpfs included) and their number. The wall-clock limits (per cell and
per notebook) are enforced by the grader outside the sandbox, which also kills, between
cells and at the end, every process the notebook started (:mod:`.processes`).

Without bubblewrap (only with an explicit ``--sandbox none``; a missing or broken
bubblewrap stops the grading, see :mod:`.prepare`): the executor runs as
a plain child process with the same rlimits, a fresh private temporary working directory,
a clean environment and the stubbed coursekit first on ``sys.path``. This does NOT protect
the file system (the process can read and write whatever the grader's user can, including
``solutions/``, the real coursekit and other students' files) nor the network, and when
the grader runs as root the process limit is not enforced by the kernel. Use it only for
trusted notebooks or inside a disposable container/VM.
"""

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from coursekit import protocol

from .source import inside

BWRAP_NAMESPACES = (
    *("--unshare-user", "--uid", "65534", "--gid", "65534"),
    *("--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"),
    *("--hostname", "sandbox", "--die-with-parent", "--new-session", "--cap-drop", "ALL"),
)
"""bubblewrap's isolation: user nobody with no capabilities, and new namespaces of its own."""

SANDBOX_HOME = "/home/student"
KIT_MOUNT = "/opt/coursekit/kit"
EXECUTOR_MOUNT = "/opt/coursekit/coursekit-executor.py"
EXECUTOR = Path(__file__).with_name("executor.py")


@dataclass
class Limits:
    """Resource limits for one submission (see ``coursekit grade --help``)."""

    memory_mb: int = 4096
    cell_timeout: float = 60.0
    notebook_timeout: float = 600.0
    processes: int = 64
    file_mb: int = 64
    workdir_mb: int = 128
    open_files: int = 256
    output_kb: int = 64
    records_mb: int = 64

    def rlimits(self):
        """The rlimits the executor applies to itself, as a JSON-able dict."""
        return {
            "memory_bytes": self.memory_mb * 2**20,
            "cpu_seconds": int(self.notebook_timeout) + 5,
            "processes": self.processes,
            "file_bytes": self.file_mb * 2**20,
            "open_files": self.open_files,
        }


def bwrap_path():
    """The bubblewrap executable, or None when it is missing or cannot create namespaces."""
    path = shutil.which("bwrap")
    if path is None:
        return None
    probe = [path, "--ro-bind", "/", "/", "--unshare-all", "--unshare-user", "true"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if done.returncode == 0 else None


class Cgroup:
    """A cgroup v1 memory + pids group for one submission (None when not available)."""

    _counter = itertools.count()

    def __init__(self, dirs):
        self.dirs = dirs  # {"memory": Path, "pids": Path}

    @staticmethod
    def _own(controller):
        try:
            lines = Path("/proc/self/cgroup").read_text().splitlines()
        except OSError:
            return None
        for line in lines:
            parts = line.split(":", 2)
            if len(parts) == 3 and controller in parts[1].split(","):
                base = Path("/sys/fs/cgroup") / controller
                return base / parts[2].lstrip("/")
        return None

    @classmethod
    def create(cls, memory_bytes, processes):
        """A new group with these limits, or None when cgroup v1 is not writable here."""
        dirs = {}
        try:
            for controller in ("memory", "pids"):
                own = cls._own(controller)
                if own is None or not os.access(own, os.W_OK):
                    raise OSError(f"no writable {controller} cgroup")
                path = own / f"coursekit-{os.getpid()}-{next(cls._counter)}"
                path.mkdir()
                dirs[controller] = path
            (dirs["memory"] / "memory.limit_in_bytes").write_text(str(memory_bytes))
            try:
                (dirs["memory"] / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
            except OSError:
                pass  # no swap accounting: the memory limit alone applies
            (dirs["pids"] / "pids.max").write_text(str(processes))
        except OSError:
            cls(dirs).remove()
            return None
        return cls(dirs)

    @classmethod
    def cleanup_stale(cls):
        """Remove groups left by a grader that was killed (their owner pid is gone)."""
        for controller in ("memory", "pids"):
            own = cls._own(controller)
            if own is None or not own.is_dir():
                continue
            for path in own.glob("coursekit-*-*"):
                try:
                    owner = int(path.name.split("-")[1])
                    os.kill(owner, 0)
                    continue  # still running
                except ProcessLookupError:
                    cls({controller: path}).remove()
                except (ValueError, PermissionError, IndexError):
                    continue
        return False

    @classmethod
    def available(cls):
        """Whether groups can be made here (a probe group is made and removed)."""
        group = cls.create(2**30, 16)
        if group is None:
            return False
        group.remove()
        return True

    def members(self):
        """The pids in the group now."""
        pids = set()
        for d in self.dirs.values():
            try:
                pids.update(int(p) for p in (d / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return pids

    def procs_files(self):
        """The cgroup.procs files a process writes its pid to, to join the group."""
        return [str(d / "cgroup.procs") for d in self.dirs.values()]

    def out_of_memory(self):
        """Whether a process of the group hit the memory limit."""
        try:
            text = (self.dirs["memory"] / "memory.oom_control").read_text()
            kills = [int(x.split()[1]) for x in text.splitlines() if x.startswith("oom_kill ")]
            if kills and kills[0] > 0:
                return True
            return int((self.dirs["memory"] / "memory.failcnt").read_text()) > 0
        except (OSError, ValueError, KeyError, IndexError):
            return False

    def hit_process_limit(self):
        """Whether a fork was refused by the process limit."""
        try:
            events = (self.dirs["pids"] / "pids.events").read_text().split()
            return int(events[events.index("max") + 1]) > 0
        except (OSError, ValueError, KeyError, IndexError):
            return False

    def kill_all(self):
        """Kill every process of the group, until none is left (at most about a second)."""
        for _ in range(500):
            pids = self.members()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.002)

    def remove(self):
        """Kill the group's processes and remove the group."""
        self.kill_all()
        for d in self.dirs.values():
            for _ in range(500):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.002)


@dataclass
class Sandbox:
    """How to start the executor for one submission.

    ``kit`` is the folder holding the stubbed ``coursekit`` (from :func:`.kit.build_kit`);
    ``data_files`` maps names inside the working directory to files or folders on the
    host that are mounted read-only there; ``protect`` lists host paths that must never
    be visible (hidden when they lie inside a mounted system folder).
    """

    kit: Path
    data_files: dict = field(default_factory=dict)
    protect: list = field(default_factory=list)
    mode: str = "bwrap"  # "bwrap" or "none"
    use_cgroup: bool = True
    mpl_cache: Path | None = None
    bwrap: str = "bwrap"
    extra_env: dict = field(default_factory=dict)
    workdir_root: Path | None = None  # where the fallback's private folders go
    watch: tuple = ()  # modules whose import the executor reports (an assignment's forbidden)

    def private_workdir(self):
        """A fresh 0700 folder for one run without bubblewrap."""
        root = self.workdir_root
        if root is not None:
            Path(root).mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="run-", dir=root))

    def environment(self, home, kit, tmp):
        """The environment of the executor: a clean one, with only what it needs."""
        return {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": home,
            "TMPDIR": tmp,
            "LANG": "C.UTF-8",
            "PYTHONPATH": kit,
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": f"{tmp}/matplotlib",
            "KERAS_HOME": f"{tmp}/keras",
            "COURSEKIT_GRADING": "1",
        }

    def system_mounts(self):
        """Read-only host folders the Python interpreter needs."""
        folders = {"/usr"}
        for prefix in (sys.base_prefix, sys.prefix, sys.exec_prefix, sys.base_exec_prefix):
            folders.add(str(Path(prefix).resolve()))
            folders.add(str(Path(prefix)))
        exe = Path(sys.executable)
        folders.add(str(exe.resolve().parent.parent))
        # Keep only the outermost folders.
        kept = []
        for f in sorted(folders, key=len):
            if not any(inside(f, k, resolve=False) for k in kept) and Path(f).exists():
                kept.append(f)
        return kept

    def command(self, limits, workdir=None):
        """The argv, environment and working directory that start the executor.

        Parameters
        ----------
        limits : Limits
        workdir : Path, optional
            The private working folder of a run without bubblewrap.

        Returns
        -------
        (list of str, dict, str or None)
        """
        if self.mode == "none":
            return self._plain_command(workdir)
        argv = [self.bwrap, *BWRAP_NAMESPACES]
        size = str(limits.workdir_mb * 2**20)
        # The private /tmp comes first so that a virtual environment under /tmp (a fresh
        # clone in /tmp, say) is mounted over it rather than hidden by it.
        argv += ["--perms", "1777", "--size", size, "--tmpfs", "/tmp", "--dir", "/tmp/matplotlib"]
        argv += self._system_args()
        if self.mpl_cache:
            argv += ["--ro-bind", str(self.mpl_cache), f"/tmp/matplotlib/{self.mpl_cache.name}"]
        argv += ["--perms", "0755", "--size", size, "--tmpfs", SANDBOX_HOME]
        for name, host in sorted(self.data_files.items()):
            argv += ["--ro-bind", str(host), f"{SANDBOX_HOME}/{name}"]
        argv += ["--ro-bind", str(self.kit), KIT_MOUNT]
        argv += ["--ro-bind", str(EXECUTOR), EXECUTOR_MOUNT]
        argv += ["--chdir", SANDBOX_HOME, sys.executable, "-s", EXECUTOR_MOUNT]
        return argv, self.environment(SANDBOX_HOME, KIT_MOUNT, "/tmp"), None

    def _system_args(self):
        """bubblewrap's mounts of the system, read-only, with the protected paths hidden."""
        mounted, argv = self.system_mounts(), []
        for folder in mounted:
            argv += ["--ro-bind", folder, folder]
        for link in ("bin", "lib", "lib64", "sbin", "lib32"):
            host = Path("/") / link
            if host.is_symlink():
                argv += ["--symlink", os.readlink(host), f"/{link}"]
            elif host.is_dir() and f"/{link}" not in mounted:
                argv += ["--ro-bind", str(host), f"/{link}"]
        for name in ("ld.so.cache", "localtime"):
            if (Path("/etc") / name).exists():
                argv += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
        argv += ["--proc", "/proc", "--dev", "/dev"]
        for path in self.protect:  # hide what lies inside a mounted system folder
            path = Path(path).resolve()
            if any(inside(path, m, resolve=False) for m in mounted) and path.exists():
                argv += (
                    ["--tmpfs", str(path)]
                    if path.is_dir()
                    else ["--ro-bind", "/dev/null", str(path)]
                )
        return argv

    def _plain_command(self, workdir):
        """The executor as a plain child process in ``workdir`` (``--sandbox none``)."""
        env = self.environment(str(workdir), str(self.kit), str(workdir / ".tmp"))
        (workdir / ".tmp" / "matplotlib").mkdir(parents=True, exist_ok=True)
        if self.mpl_cache:
            shutil.copy2(self.mpl_cache, workdir / ".tmp" / "matplotlib")
        for name, host in self.data_files.items():
            target = workdir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if Path(host).is_dir():
                shutil.copytree(host, target)
            else:
                shutil.copy2(host, target)
        return [sys.executable, "-s", str(EXECUTOR)], env, str(workdir)

    def start(self, limits, channel_fd, workdir=None):
        """Start the executor with the message socket ``channel_fd``.

        Returns
        -------
        (subprocess.Popen, Cgroup or None)
            The process (bubblewrap, or the executor itself without it) and its cgroup.
        """
        argv, env, cwd = self.command(limits, workdir)
        env["COURSEKIT_LIMITS"] = json.dumps(limits.rlimits())
        env[protocol.CHANNEL_ENV] = str(channel_fd)
        env["COURSEKIT_WATCH"] = ",".join(self.watch)
        env.update(self.extra_env)
        group = None
        if self.use_cgroup:
            group = Cgroup.create(limits.memory_mb * 2**20, limits.processes)
        if group is not None:
            join = " && ".join(f'echo $$ > "{p}"' for p in group.procs_files())
            argv = ["/bin/sh", "-c", join + ' && exec "$@"', "sh", *argv]
        process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(channel_fd,),
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        return process, group
