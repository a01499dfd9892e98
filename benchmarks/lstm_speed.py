"""Time one LSTM forward + backward pass: coursekit (numpy) against PyTorch on the CPU.

Both sides run the same layer with the same weights (copied with
``coursekit.interop.from_torch``) on the same float32 input, batch-first, and
backpropagate the same upstream gradient dL/dh (B, T, H) to the weights, the input and
the initial state. The two are timed in alternation, one repetition each in turn, so
that load from other processes hits both alike; the script prints the median of the
repetitions after a warm-up, the ratio, and the threads each side used.

    python benchmarks/lstm_speed.py                 # the machine's default threads
    python benchmarks/lstm_speed.py --threads 1     # one thread for numpy and torch

The thread count has to be fixed before numpy and torch load their thread pools, so
this script parses its arguments first and imports them afterwards.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch", type=int, default=32, help="B (default 32)")
    p.add_argument("--time", type=int, default=100, help="T (default 100)")
    p.add_argument("--inputs", type=int, default=32, help="D (default 32)")
    p.add_argument("--hidden", type=int, default=128, help="H (default 128)")
    p.add_argument("--repeats", type=int, default=20, help="timed repetitions (default 20)")
    p.add_argument("--warmup", type=int, default=3, help="untimed repetitions first (default 3)")
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for numpy's BLAS and torch (default: each library's own default)",
    )
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.threads is not None:
        for name in THREAD_VARIABLES:
            os.environ[name] = str(args.threads)

    # Imported only now: the thread variables must be set before the libraries load.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import numpy as np
    import torch

    from coursekit import lstm
    from coursekit.interop import from_torch

    if args.threads is not None:
        torch.set_num_threads(args.threads)

    B, T, D, H = args.batch, args.time, args.inputs, args.hidden
    torch.manual_seed(0)
    module = torch.nn.LSTM(D, H, batch_first=True)
    params = from_torch(module, dtype=np.float32)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, D)).astype(np.float32)
    dh = rng.standard_normal((B, T, H)).astype(np.float32)
    h0 = np.zeros((B, H), dtype=np.float32)
    c0 = np.zeros((B, H), dtype=np.float32)

    def coursekit_step():
        h, cache = lstm.forward(x, (h0, c0), params)
        dx, (dh0, dc0), grads = lstm.backward(dh, cache)
        return h, dx, grads

    x_t = torch.from_numpy(x).requires_grad_()
    h0_t = torch.from_numpy(h0).unsqueeze(0).requires_grad_()
    c0_t = torch.from_numpy(c0).unsqueeze(0).requires_grad_()
    dh_t = torch.from_numpy(dh)

    def torch_step():
        for tensor in (x_t, h0_t, c0_t, *module.parameters()):
            tensor.grad = None
        out, _ = module(x_t, (h0_t, c0_t))
        out.backward(dh_t)
        return out

    # Same maths: check before timing, so a fast wrong answer cannot win.
    h, dx, grads = coursekit_step()
    out = torch_step()
    err_h = np.abs(h - out.detach().numpy()).max()
    err_dx = np.abs(dx - x_t.grad.numpy()).max()
    err_w = np.abs(grads["W_ix"] - module.weight_ih_l0.grad.numpy()[:H].T).max()

    times = {"coursekit": [], "torch": []}
    steps = {"coursekit": coursekit_step, "torch": torch_step}
    for rep in range(args.warmup + args.repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            elapsed = time.perf_counter() - start
            if rep >= args.warmup:
                times[name].append(elapsed * 1e3)

    ms = {name: statistics.median(t) for name, t in times.items()}
    blas = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    print(f"LSTM forward + backward, B={B} T={T} D={D} H={H}, float32, batch_first")
    print(f"numpy {np.__version__}, torch {torch.__version__}, os.cpu_count() = {os.cpu_count()}")
    print(f"threads: torch.get_num_threads() = {torch.get_num_threads()}, numpy BLAS = ", end="")
    print(blas if blas else f"library default (OPENBLAS_NUM_THREADS unset, {os.cpu_count()} CPUs)")
    print(f"max |difference|: h {err_h:.1e}, dx {err_dx:.1e}, dW_ix {err_w:.1e}")
    print(f"median of {args.repeats} after {args.warmup} warm-up repetitions:")
    for name in steps:
        spread = f"(min {min(times[name]):.1f}, max {max(times[name]):.1f})"
        print(f"  {name:<10} {ms[name]:8.1f} ms  {spread}")
    print(f"  ratio coursekit / torch = {ms['coursekit'] / ms['torch']:.2f}")


if __name__ == "__main__":
    main()
