"""The processes one submission started: found, killed between cells, and waited for.

A sandbox is one tree of processes under the one the grader started (bubblewrap, or the
notebook's Python process without it). With bubblewrap the tree holds a pid namespace whose
init adopts every orphan, so a child the notebook detached (``setsid``, a double fork)
stays in the tree; with a cgroup (see :class:`.sandbox.Cgroup`) its member list is used as
well. The grader kills every process but the notebook's own at the end of each cell, so
that nothing a cell started can act while a later cell runs, and at the end kills the
whole tree and returns only when every process in it has gone.
"""

import ctypes
import os
import signal
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """Make this process adopt the orphans of its descendants (Linux), so that it can reap
    a sandbox's processes itself instead of leaving them to init; True if it worked."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _children(pid):
    """The children of every thread of process ``pid`` (empty when it is gone)."""
    found = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
        except OSError:
            continue
        found.update(int(p) for p in text.split())
    return found


def descendants(root):
    """Every process below ``root`` (not ``root`` itself)."""
    found, frontier = set(), [root]
    while frontier:
        for child in _children(frontier.pop()) - found:
            found.add(child)
            frontier.append(child)
    return found


def alive(pid):
    """Whether ``pid`` still runs: it exists and is not a zombie (which runs no code)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def reap(pid):
    """Collect ``pid``'s exit status if it is this process's child; True when it is gone."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return not alive(pid)
    return done == pid or not alive(pid)


def kill(pids):
    """Send SIGKILL to every pid in ``pids`` (those already gone are skipped)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


class ProcessTree:
    """The processes of one sandbox, from the process the grader started (``root``)."""

    def __init__(self, root, group=None):
        self.root, self.group = root, group
        self.keep = {root}  # bubblewrap, its namespace init and the notebook's process
        self.killed = 0

    def members(self):
        """Every process of the sandbox now: below the root, and in its cgroup."""
        pids = descendants(self.root)
        if self.group is not None:
            pids |= self.group.members()
        return pids - {os.getpid()}

    def keep_notebook(self, pid):
        """Keep ``pid`` (the notebook's process) and the processes between it and the root."""
        while pid and pid not in self.keep:
            self.keep.add(pid)
            pid = _parent(pid)

    def kill_stragglers(self, wait=2.0):
        """Kill every process but those kept, and wait (up to ``wait`` s) until they stop."""
        stragglers = {p for p in self.members() - self.keep if alive(p)}
        if not stragglers:
            return 0
        kill(stragglers)
        self.killed += len(stragglers)
        _wait_until(lambda: not any(alive(p) for p in stragglers), wait)
        return len(stragglers)

    def kill_all(self, process, wait=10.0):
        """Kill the whole sandbox, then wait until none of its processes exists; return how
        many still ran when ``wait`` s had passed (0 when all have gone)."""
        seen = self.members() | self.keep
        try:
            os.killpg(self.root, signal.SIGKILL)
        except OSError:
            pass
        kill(seen)
        if self.group is not None:
            self.group.kill_all()
        try:
            process.wait(timeout=wait)
        except Exception:  # noqa: BLE001 - a process that will not die must not stop grading
            pass
        seen |= self.members()

        def gone():
            kill(p for p in seen if alive(p))
            return all(reap(p) for p in seen)

        _wait_until(gone, wait)
        return sum(alive(p) for p in seen)


def _parent(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat.rpartition(")")[2].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _wait_until(done, seconds):
    deadline = time.monotonic() + seconds
    delay = 0.001
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
    return True


def cores():
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
