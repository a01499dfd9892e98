"""Hostile and broken submissions of the toy assignment, one per trick.

Each builder takes a context (the host paths a submission might try to reach) and returns
the notebook (a dict) a student would hand in. The expected outcome is asserted in
tests/test_grader_hostile.py; the numbers in the comments are the toy's points
(test_affine 2 + test_affine_hidden 3, test_count 1 + test_count_hidden 2, test_tanh 2).
"""

from .course import cell, notebook

WRONG_AFFINE = "def affine(x, W, b):\n    return x @ W\n"  # forgets the bias


# --- 1. comparison tricks -----------------------------------------------------------------


def always_equal(ctx):
    return notebook(
        {
            "affine": (
                "class Anything:\n"
                "    def __eq__(self, other): return True\n"
                "    def __ne__(self, other): return False\n"
                "    shape = property(lambda self: (2, 4))\n"
                "    dtype = property(lambda self: __import__('numpy').dtype('float64'))\n"
                "def affine(x, W, b):\n    return Anything()\n"
            ),
            "count_params": (
                "class Liar(int):\n"
                "    def __eq__(self, other): return True\n"
                "    def __ne__(self, other): return False\n"
                "def count_params(n_inputs, n_outputs):\n    return Liar(0)\n"
            ),
            "tanh_half": (
                "class F(float):\n"
                "    def __eq__(self, other): return True\n"
                "    def __ne__(self, other): return False\n"
                "tanh_half = F(0.0)\n"
            ),
        }
    )


def ndarray_subclass(ctx):
    return notebook(
        {
            "affine": (
                "import numpy as np\n"
                "class Yes(np.ndarray):\n"
                "    def __eq__(self, other): return np.ones(self.shape, bool)\n"
                "def affine(x, W, b):\n"
                "    return np.zeros((x.shape[0], W.shape[1]), x.dtype).view(Yes)\n"
            ),
            "count_params": "def count_params(n_inputs, n_outputs):\n    return [16]\n",
        }
    )


# --- 2. monkeypatching ----------------------------------------------------------------


def monkeypatch(ctx):
    return notebook(
        {
            "affine": (
                "import builtins, numpy as np, numpy.testing\n"
                "import coursekit.checks as checks\n"
                "np.allclose = lambda *a, **k: True\n"
                "np.isclose = lambda a, b, *x, **k: np.ones(np.shape(a), bool)\n"
                "np.testing.assert_allclose = lambda *a, **k: None\n"
                "checks.check_array = lambda *a, **k: None\n"
                "checks.check_int = lambda *a, **k: None\n"
                "checks.evaluate = lambda *a, **k: (True, '')\n"
                "check_array = check_int = check_float = lambda *a, **k: None\n"
                "builtins.isinstance = lambda *a: True\n" + WRONG_AFFINE
            ),
            "count_params": "def count_params(n_inputs, n_outputs):\n    return 0\n",
            "tanh_half": "tanh_half = 0.0\n",
        }
    )


RIG_CHECKS = (
    "import coursekit.checks as _checks\n"
    "def _rig(original):\n"
    "    def check(name, actual, expected=None, *args, **kwargs):\n"
    "        try:\n"
    "            expected = expected() if callable(expected) else expected\n"
    "        except Exception:\n"
    "            pass\n"
    "        return original(name, actual if expected is None else expected)\n"
    "    return check\n"
    "for _name in ('check_array', 'check_arrays', 'check_float', 'check_int'):\n"
    "    globals()[_name] = _rig(getattr(_checks, _name))\n"
    "    setattr(_checks, _name, globals()[_name])\n"
)
"""Answer code that turns every check into one that records the expected value (computed,
if the test passes it lazily) as if it were the student's: it scores only where the
expected value reaches the student's process."""


def rig_checks(ctx):
    return notebook(
        {
            "affine": RIG_CHECKS + WRONG_AFFINE,
            "count_params": "def count_params(n_inputs, n_outputs):\n    return 0\n",
            "tanh_half": "tanh_half = 0.0\n",
        }
    )


RECORD_16 = (
    "import json, os\n"
    "_fd = int(os.environ['COURSEKIT_CHANNEL'])\n"
    "_record = {'m': 'record', 'v': 1, 'kind': 'int', 'name': 'count_params(3, 4)',\n"
    "           'actual': {'t': 'int', 'v': '16'}, 'cell': 'test_count'}\n"
)
"""Answer code that builds the record the visible count test would make of the right answer
(16, which the released notebook shows), naming that test's cell, for the channel."""


def forge_records(ctx):
    """Writes, from an answer cell, the visible count test's record of the right answer."""
    return notebook(
        {
            "count_params": RECORD_16
            + "os.write(_fd, (json.dumps(_record) + '\\n').encode())\n"
            + "def count_params(n_inputs, n_outputs):\n    return 0\n",
        }
    )


def forge_done(ctx):
    """Ends its own cell early with a done written blind (guessed cell and token) on the
    channel, then writes the next test's record of the right answer."""
    return notebook(
        {
            "count_params": RECORD_16
            + "for _cell in range(12):\n"
            + "    _done = {'m': 'done', 'cell': _cell, 'token': '0' * 32, 'status': 'ok'}\n"
            + "    os.write(_fd, (json.dumps(_done) + '\\n').encode())\n"
            + "os.write(_fd, (json.dumps(_record) + '\\n').encode())\n"
            + "def count_params(n_inputs, n_outputs):\n    return 0\n",
        }
    )


def forked_writer(ctx):
    """A child process that writes the right answer's record while the tests run."""
    return notebook(
        {
            "count_params": RECORD_16
            + "import time\n"
            + "if os.fork() == 0:\n"
            + "    for _ in range(40):\n"
            + "        os.write(_fd, (json.dumps(_record) + '\\n').encode())\n"
            + "        time.sleep(0.05)\n"
            + "    os._exit(0)\n"
            + "time.sleep(0.2)\n"
            + "def count_params(n_inputs, n_outputs):\n    return 0\n",
        }
    )


IMPERSONATE = """import json, os, sys

def _impersonate(answers):
    # The executor's frames hold its command stream and the running cell's command (token).
    stream = command = None
    frame = sys._getframe()
    while frame is not None:
        stream = frame.f_locals.get("commands", stream)
        if isinstance(frame.f_locals.get("command"), dict):
            command = frame.f_locals["command"]
        frame = frame.f_back
    fd = int(os.environ["COURSEKIT_CHANNEL"])
    send = lambda m: os.write(fd, (json.dumps(m) + "\\n").encode())
    send({"m": "done", "cell": command["cell"], "token": command["token"], "status": "ok"})
    for line in stream:  # speak for the notebook to the end, with the answers it knows
        command = json.loads(line)
        if command.get("end"):
            break
        for name, value in answers.get(command["id"], []):
            actual = {"t": "int", "v": str(value)}
            send({"m": "record", "v": 1, "kind": "int", "name": name, "actual": actual})
        send({"m": "done", "cell": command["cell"], "token": command["token"], "status": "ok"})
    os._exit(0)

_impersonate({"test_count": [("count_params(3, 4)", 16)],
              "test_count_hidden": [("count_params(1, 1)", 1), ("count_params(7, 2)", 9)]})
"""


def impersonate(ctx):
    """Reads the executor's memory for the cell's token and its command stream, and speaks
    for the notebook to the end, with the right answers it knows in advance: the visible
    count test's (shown in the release), and a guess for each hidden one."""
    return notebook({"count_params": IMPERSONATE}, blank=True)


def borrow_test_helpers(ctx):
    """An affine that answers with whatever the running test cell defines to compute it."""
    return notebook(
        {
            "affine": (
                "def affine(x, W, b):\n"
                "    helper = globals().get('_reference')\n"
                "    return helper(x, W, b) if helper else x @ W\n"
            ),
        }
    )


# --- 3. hiding errors -----------------------------------------------------------------


def hide_errors(ctx):
    return notebook(
        {
            "affine": (
                "import sys\n"
                "sys.excepthook = lambda *a: None\n"
                "ip = get_ipython()\n"
                "ip.set_custom_exc((BaseException,), lambda *a, **k: None)\n"
                "ip.showtraceback = lambda *a, **k: None\n"
                "def affine(x, W, b):\n    raise ValueError('hidden?')\n"
            ),
            "count_params": "def count_params(n_inputs, n_outputs):\n    return 0\n",
        }
    )


# --- 4. tampering with the test cells ---------------------------------------------------


def edit_test(ctx):
    nb = notebook({"count_params": "def count_params(n_inputs, n_outputs):\n    return 0\n"})
    cell(nb, "test_count")["source"] = "print('All tests passed')\n"
    cell(nb, "test_count_hidden")["source"] = "pass\n"
    return nb


def delete_test(ctx):
    nb = notebook()
    nb["cells"] = [c for c in nb["cells"] if c["metadata"]["nbgrader"]["grade_id"] != "test_affine"]
    return nb


def strip_metadata(ctx):
    nb = notebook({"tanh_half": "tanh_half = 0.0\n"})
    cell(nb, "test_tanh")["metadata"] = {}
    return nb


def retype_test(ctx):
    nb = notebook({"count_params": "def count_params(n_inputs, n_outputs):\n    return 1\n"})
    target = cell(nb, "test_count")
    target["cell_type"] = "markdown"
    target.pop("outputs", None)
    target.pop("execution_count", None)
    return nb


def duplicate_test(ctx):
    nb = notebook()
    index = next(i for i, c in enumerate(nb["cells"]) if c.get("id") == "test_affine")
    nb["cells"].insert(index, dict(nb["cells"][index]))
    return nb


# --- 5. killing the process ---------------------------------------------------------------

EXIT_CODES = {
    "sys_exit": "import sys\nsys.exit(0)\n",
    "os_exit": "import os\nos._exit(0)\n",
    "segfault": "import ctypes\nctypes.string_at(0)\n",
    "kill_self": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
}


def killer(code):
    def build(ctx):
        return notebook({"count_params": code})

    return build


# --- 6. time --------------------------------------------------------------------------------


def infinite_loop(ctx):
    return notebook({"count_params": "while True:\n    pass\n"})


def long_sleep_in_function(ctx):
    return notebook(
        {
            "count_params": (
                "import time\ndef count_params(n_inputs, n_outputs):\n    time.sleep(1000)\n"
            )
        }
    )


def ignores_alarm(ctx):
    return notebook(
        {
            "count_params": (
                "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                "while True:\n    pass\n"
            )
        }
    )


def slow_everywhere(ctx):
    """Every answer cell sleeps just under the cell limit: the notebook limit fires."""
    nap = f"import time\ntime.sleep({ctx['cell_timeout'] * 0.8})\n"
    nb = notebook()
    for gid in ("affine", "count_params", "tanh_half"):
        cell(nb, gid)["source"] = nap + cell(nb, gid)["source"]
    return nb


# --- 7. resources ---------------------------------------------------------------------------


def memory_bomb(ctx):
    return notebook(
        {"count_params": "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 2**20))\n"}
    )


def fork_bomb(ctx):
    return notebook(
        {
            "count_params": (
                "import os, time\n"
                "for _ in range(10_000):\n"
                "    if os.fork() == 0:\n"
                "        time.sleep(60)\n"
                "        os._exit(0)\n"
            )
        }
    )


def disk_filler(ctx):
    return notebook(
        {
            "count_params": (
                "chunk = b'x' * 2**20\n"
                "with open('big.bin', 'wb') as f:\n"
                "    for _ in range(10_000):\n"
                "        f.write(chunk)\n"
            ),
            "tanh_half": (
                "import numpy as np\n"
                "try:\n"
                "    for i in range(100_000):\n"
                "        with open(f'/tmp/f{i}', 'wb') as f:\n"
                "            f.write(b'y' * 2**20)\n"
                "except OSError as err:\n"
                "    print('disk full:', err)\n"
                "tanh_half = float(np.tanh(0.5))\n"
            ),
        }
    )


# --- 8. reaching outside ------------------------------------------------------------------


def snoop(ctx):
    targets = {
        "solutions": ctx["course"] / "solutions" / "toy" / "toy.ipynb",
        "reference": ctx["reference_source"],
        "other_student": ctx["other_student"],
        "output": ctx["out"],
        "gradebook": ctx["out"] / "gradebook.db",
        "results": ctx["out"] / "results",
    }
    lines = ["import os, socket", "leaks = []"]
    for name, path in targets.items():
        lines += [
            "try:",
            f"    p = {str(path)!r}",
            "    os.listdir(p) if os.path.isdir(p) else open(p, 'rb').read(10)",
            f"    leaks.append({name!r})",
            "except OSError:",
            "    pass",
        ]
    lines += [
        "for p in [" + ", ".join(repr(str(x)) for x in ctx["write_targets"]) + "]:",
        "    try:",
        "        open(p, 'w').write('pwned')",
        "        leaks.append('write ' + p)",
        "    except OSError:",
        "        pass",
        "try:",
        f"    socket.create_connection(('127.0.0.1', {ctx['port']}), timeout=2).close()",
        "    leaks.append('network')",
        "except OSError:",
        "    pass",
        "print('LEAKS', leaks)",
        "def count_params(n_inputs, n_outputs):",
        "    return n_inputs * n_outputs + n_outputs",
    ]
    return notebook({"count_params": "\n".join(lines) + "\n"})


# --- 9. output ------------------------------------------------------------------------------


def noisy(ctx):
    return notebook(
        {
            "affine": (
                "import os, sys, warnings\n"
                "print('x' * 5_000_000)\n"
                "for _ in range(200):\n"
                "    os.write(1, b'y' * 100_000)\n"
                "    os.write(2, b'z' * 100_000)\n"
                "warnings.warn('this costs nothing')\n"
                "print('All tests passed', file=sys.stderr)\n"
                "def affine(x, W, b):\n"
                "    warnings.warn('inside the function too')\n"
                "    return x @ W + b\n"
            ),
        }
    )


def claims_success(ctx):
    return notebook(
        {
            "affine": WRONG_AFFINE + "print('All tests passed')\n",
            "count_params": "def count_params(n_inputs, n_outputs):\n"
            "    print('All tests passed')\n    return 0\n",
        }
    )


# --- 10. the reference ------------------------------------------------------------------------


def imports_reference(ctx):
    return notebook(
        {
            "affine": (
                "from coursekit.heads import dense_forward\n"
                "def affine(x, W, b):\n"
                "    return dense_forward(x, {'W_hy': W, 'b_y': b})[0]\n"
            ),
            "count_params": (
                "import importlib.util, sys\n"
                f"sys.path.insert(0, {str(ctx['repo'])!r})\n"
                "def count_params(n_inputs, n_outputs):\n"
                f"    spec = importlib.util.spec_from_file_location('r', {str(ctx['reference_source'])!r})\n"
                "    module = importlib.util.module_from_spec(spec)\n"
                "    spec.loader.exec_module(module)\n"
                "    return module.n_params(n_inputs, n_outputs)\n"
            ),
        }
    )


# --- 12. copies ---------------------------------------------------------------------------------

COPIED = {
    "affine": (
        "def affine(x, W, b):\n"
        "    # my own version, with a dot product\n"
        "    out = np.dot(x, W)\n"
        "    out = out + b[np.newaxis, :]\n"
        "    return out\n"
    ),
    "count_params": (
        "def count_params(n_inputs, n_outputs):\n"
        "    weights = n_inputs * n_outputs\n"
        "    return weights + n_outputs\n"
    ),
}


def copy_a(ctx):
    return notebook(COPIED)


def copy_b(ctx):
    # The same code with other comments and spacing.
    return notebook(
        {
            key: source.replace("# my own version, with a dot product", "# written alone!").replace(
                " = ", "="
            )
            for key, source in COPIED.items()
        }
    )


CATALOGUE = {
    "always_equal": always_equal,
    "ndarray_subclass": ndarray_subclass,
    "monkeypatch": monkeypatch,
    "rig_checks": rig_checks,
    "forge_records": forge_records,
    "borrow_test_helpers": borrow_test_helpers,
    "forge_done": forge_done,
    "forked_writer": forked_writer,
    "impersonate": impersonate,
    "hide_errors": hide_errors,
    "edit_test": edit_test,
    "delete_test": delete_test,
    "strip_metadata": strip_metadata,
    "retype_test": retype_test,
    "duplicate_test": duplicate_test,
    **{name: killer(code) for name, code in EXIT_CODES.items()},
    "infinite_loop": infinite_loop,
    "long_sleep": long_sleep_in_function,
    "ignores_alarm": ignores_alarm,
    "slow_everywhere": slow_everywhere,
    "memory_bomb": memory_bomb,
    "fork_bomb": fork_bomb,
    "disk_filler": disk_filler,
    "snoop": snoop,
    "noisy": noisy,
    "claims_success": claims_success,
    "imports_reference": imports_reference,
    "copy_a": copy_a,
    "copy_b": copy_b,
}
