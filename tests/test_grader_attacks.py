"""Proof by attack, on the course's own assignments: blank notebooks whose only answers are
exploits score zero under `coursekit grade` with bubblewrap, and nothing that a hidden test
expects can be found in a student's process.

The exploits (tests/grader_fixtures/attacks.py) look for the hidden tests' expected values
in stack frames (also from inside ``exec``), through the garbage collector, in linecache,
``In``/``_ih``, ``__file__`` and notebook files, and by un-stubbing coursekit. Others answer
a numpy-only task with PyTorch, type in constants where a test recomputes them, or, in 07,
answer with a "model" that computes the sum analytically and helpers redefined to lie.
"""

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from grader_fixtures import attacks

from coursekit.grader import student
from coursekit.grader.assignment import load_assignment, read_json_notebook
from coursekit.grader.grade import Grader, Options

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

TORCH_CELL = """
def rnn_cell_forward(x_t, h_prev, params, activation="tanh"):
    torch = __import__("to" + "rch")
    a = torch.from_numpy(x_t @ params["W_xh"] + h_prev @ params["W_hh"] + params["b_h"])
    return (torch.tanh(a) if activation == "tanh" else torch.relu(a)).numpy()
"""

TORCH_UNROLLING = """
def rnn_forward(x, h0, params, activation="tanh"):
    import torch
    rnn = torch.nn.RNN(x.shape[2], h0.shape[1], nonlinearity=activation, batch_first=True).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(params["W_xh"].T.astype(np.float64)))
        rnn.weight_hh_l0.copy_(torch.from_numpy(params["W_hh"].T.astype(np.float64)))
        rnn.bias_ih_l0.copy_(torch.from_numpy(params["b_h"].astype(np.float64)))
        rnn.bias_hh_l0.zero_()
        h, _ = rnn(torch.from_numpy(x.astype(np.float64)), torch.from_numpy(h0.astype(np.float64))[None])
    return h.numpy().astype(np.result_type(x, h0))
"""

TORCH_SOFTMAX = """
def softmax_temperature(logits, temperature=1.0):
    import torch
    if not temperature > 0:
        raise ValueError(temperature)
    return torch.softmax(torch.from_numpy(logits) / temperature, dim=-1).numpy()
"""

TORCH_BPTT = """
def clip_by_global_norm(grads, max_norm):
    import torch
    tensors = {k: torch.tensor(g, requires_grad=True) for k, g in grads.items()}
    for k, t in tensors.items():
        t.grad = torch.from_numpy(grads[k].copy())
    norm = torch.nn.utils.clip_grad_norm_(list(tensors.values()), max_norm)
    return {k: t.grad.numpy() for k, t in tensors.items()}, float(norm)
"""

TYPED_GRAD_CHECK = 'grad_check = {"W_xh": 3.2e-09, "W_hh": 2.9e-09, "b_h": 1.7e-09}\n'

ANALYTIC_MODEL = '''
class AddingModel(nn.Module):
    """Not a recurrent network: the sum of the marked values, computed directly."""

    def __init__(self, cell, n_hidden):
        super().__init__()
        self.rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](2, n_hidden, batch_first=True)
        self.head = nn.Linear(n_hidden, 1)
        self.cell = cell

    def forward(self, x):
        total = (x[:, :, 0] * x[:, :, 1]).sum(dim=1, keepdim=True)
        return total if self.cell == "lstm" else total * 0
'''

ANALYTIC_EXPERIMENT = """
torch.manual_seed(0)
lstm_model = AddingModel("lstm", 32)
lstm_losses = np.linspace(0.7, 0.001, 1000)
rnn_model = AddingModel("rnn", 32)
rnn_losses = np.full(1000, 0.67)
"""

LYING_HELPERS = (
    ANALYTIC_EXPERIMENT
    + """
def torch_output(module, x):
    return (x[:, :, 0] * x[:, :, 1]).sum(axis=1, keepdims=True)

def mean_squared_error(module, X, y):
    return 0.001 if module is lstm_model else 0.7

def n_parameters(module):
    return 4 * (32 * 2 + 32 * 32 + 2 * 32) + 33 if module is lstm_model else 32 * 2 + 32 * 32 + 2 * 32 + 33
"""
)


def students(assignment):
    """name -> notebook of the attacks on one assignment (blank apart from the exploit)."""
    release = read_json_notebook(ROOT / "exercises" / assignment / f"{assignment}.ipynb")
    made = {name: attacks.with_exploit(release, code) for name, code in attacks.EXPLOITS.items()}
    made["blank"] = release
    specific = {
        "01_rnn_cell": {"torch": {"rnn_cell_forward": TORCH_CELL}},
        "02_unrolling": {"torch": {"rnn_forward": TORCH_UNROLLING}},
        "03_bptt": {
            "torch": {"clip_by_global_norm": TORCH_BPTT},
            "typed_grad_check": {"grad_check": TYPED_GRAD_CHECK},
        },
        "08_sampling_decoding": {"torch": {"softmax_temperature": TORCH_SOFTMAX}},
        "07_pytorch_training": {
            "analytic_model": {"AddingModel": ANALYTIC_MODEL, "experiment": ANALYTIC_EXPERIMENT},
            "lying_helpers": {"AddingModel": ANALYTIC_MODEL, "experiment": LYING_HELPERS},
        },
    }
    for name, answers in specific.get(assignment, {}).items():
        made[name] = attacks.answer(release, answers)
    return made


@pytest.fixture(
    scope="module",
    params=[
        "01_rnn_cell",
        "02_unrolling",
        "03_bptt",
        "04_lstm_gru",
        "07_pytorch_training",
        "08_sampling_decoding",
    ],
)
def graded(request, tmp_path_factory):
    assignment = request.param
    root = tmp_path_factory.mktemp(assignment)
    for name, notebook in students(assignment).items():
        (root / "class" / name).mkdir(parents=True)
        (root / "class" / name / f"{assignment}.ipynb").write_text(attacks.dumps(notebook))
    done = subprocess.run(
        [sys.executable, "-m", "coursekit", "grade", assignment, str(root / "class")]
        + ["--out", str(root / "out"), "--course", str(ROOT), "--workers", "2", "--quiet"],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with open(root / "out" / "grades.csv", newline="") as f:
        return assignment, {row["student"]: row for row in csv.DictReader(f)}


def test_every_exploit_scores_zero_on_every_test_cell(graded):
    assignment, rows = graded
    scored = {s: row["total"] for s, row in rows.items() if row["total"] != "0"}
    assert not scored, f"{assignment}: exploits that scored: {scored}"
    assert all(row["status"] == "graded" for row in rows.values())


def test_a_numpy_only_task_answered_with_torch_is_flagged(graded):
    assignment, rows = graded
    (nb,) = load_assignment(ROOT, assignment).notebooks
    numpy_only = "torch" in nb.forbidden_imports
    assert numpy_only == ("torch" in rows), (
        f"{assignment}: a torch answer is tried where torch is forbidden"
    )
    for row in rows.values():
        flagged = "imports torch" in row["flags"] and "scores zero" in row["flags"]
        assert flagged == (row["student"] == "torch" and nb.on_forbidden_import == "zero"), row


# --- nothing worth stealing: a dump of the student's process --------------------------

DUMP = """
import gc as _gc, hashlib as _hashlib, sys as _sys
import numpy as _np
from coursekit.checks import check_int as _record


def _array(obj):
    # A numpy array, or the values of a torch tensor (and of its gradient), or None.
    if isinstance(obj, _np.ndarray):
        return obj
    module = getattr(type(obj), "__module__", "")
    if isinstance(module, str) and module.startswith("torch") and hasattr(obj, "detach"):
        try:
            return obj.detach().cpu().numpy()
        except Exception:
            return None
    return None


def _digests(roots):
    seen, out = set(), set()
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        try:  # some objects (lazy CUDA modules, say) raise when looked at
            stack += _look(obj, out)
        except Exception:
            pass
    return sorted(out)


def _look(obj, out):
    # Record the values of an array; return what to look at below ``obj``.
    array = _array(obj)
    if array is not None:
        if array.dtype.kind == "f" and array.size >= 2:
            out.add(_hashlib.sha1(_np.ascontiguousarray(array, dtype=_np.float64).tobytes()).hexdigest())
        return [obj.grad] if getattr(obj, "grad", None) is not None else []
    if isinstance(obj, dict):
        return list(obj.values())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return list(obj)
    if type(obj).__name__ == "frame":
        return [obj.f_locals, obj.f_globals] + ([obj.f_back] if obj.f_back else [])
    if hasattr(obj, "__dict__") and not isinstance(obj, type):
        return [vars(obj)]
    return []


def _send(name, found):
    for i in range(0, len(found), 5000):
        _record(name, found[i : i + 5000])


def _steal(args):
    everything = list(_gc.get_objects()) + list(_sys._current_frames().values())
    everything += [getattr(m, "__dict__", {}) for m in list(_sys.modules.values())]
    _send("every array in reach", _digests(everything))
    given = [list(a) if hasattr(a, "__next__") else a for a in args]  # a generator's items
    _send("the arrays it was given", _digests(given))


_steal(())
"""


def _digest(value):
    return hashlib.sha1(np.ascontiguousarray(value, dtype=np.float64).tobytes()).hexdigest()


def _secrets(reference, nb):
    """Digests of the arrays a hidden test expects (values and mistakes), not its inputs."""
    hidden = {c.key for c in nb.tests if "BEGIN HIDDEN TESTS" in c.source}
    found = set()

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size >= 2:
            if not np.all(value == value.flat[0]):  # a constant array is no secret
                found.add(_digest(value))

    for key in hidden:
        for record in reference.get(key, []):
            if record["kind"] in ("unchanged", "returns"):
                continue  # the test's own inputs, and names
            walk(record["args"])
    return found


@pytest.mark.parametrize(
    "assignment",
    sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").exists()),
)
def test_no_hidden_expected_value_is_reachable_in_the_students_process(assignment, tmp_path):
    """Every float array in reach of the student's code, while the hidden tests call it and
    at the end (frames, the garbage collector, every module), holds no value that a hidden
    test expects or names as a mistake."""
    options = Options(workers=1, progress=False, outputs=False, self_check=False)
    (tmp_path / "class").mkdir()
    grader = Grader(ROOT, assignment, tmp_path / "class", tmp_path / "out", options)
    grader.prepare()
    for nb in load_assignment(ROOT, assignment).notebooks:
        release = read_json_notebook(ROOT / "exercises" / assignment / f"{nb.name}.ipynb")
        # Every blank function dumps what it can reach whenever a test calls it, and a
        # cell added at the end dumps once more.
        notebook = attacks.with_exploit(release, DUMP)
        notebook["cells"].append({"cell_type": "code", "source": DUMP, "metadata": {}})
        graded = student.grade_notebook(grader.prepared, nb, notebook)
        dumps = [m for _, m in graded.run.records if m.get("name") == "every array in reach"]
        assert dumps, graded.run.reason or graded.run.output[-2000:]
        reachable = {item["v"] for m in dumps for item in m["actual"]["items"]}
        given = [m for _, m in graded.run.records if m.get("name") == "the arrays it was given"]
        inputs = {item["v"] for m in given for item in m["actual"]["items"]}
        # What a student's function is given is no secret, even where a test expects it back
        # (gradients left as they are) or a mistake gives it (the input returned).
        secrets = _secrets(grader.prepared.reference[nb.name], nb) - inputs
        assert len(reachable) > 10 and secrets, (len(reachable), len(secrets))
        assert not reachable & secrets, (
            f"{len(reachable & secrets)} hidden expected values in reach"
        )
