"""``python -m reference digits``: the video's digit network, trained by the reference alone.

The video's network is 784-16-16-10 on 28x28 MNIST digits; scikit-learn
ships a smaller cousin inside the package (1797 8x8 digits, no download),
so this is 64-16-16-10: sigmoid in every layer, the video's cost
C0 = sum_j (a(L)_j - y_j)^2 with one-hot targets y, mini-batch gradient
descent with :func:`reference.train`.  An 80/20 seeded split keeps a
held-out set; the last line printed is its accuracy.

``--verify-with=torch`` hands every step's mini-batch to
``adapters.torch_adapter.backprop`` (autograd) and reports the worst
difference from the reference's gradients.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

import reference

from . import pictures

SIZES = [64, 16, 16, 10]
ACTIVATIONS = ["sigmoid"] * 3


def load(limit=None, seed: int = 0, test_fraction: float = 0.2):
    """(x_train, y_train, x_test, y_test, labels_test): x in [0, 1] (pixels / 16), y one-hot (m, 10)."""
    digits = load_digits()
    x = digits.data / 16.0  # the 8x8 pixels are 0..16
    labels = digits.target
    order = np.random.default_rng(seed).permutation(len(x))
    if limit is not None:
        order = order[:limit]
    x, labels = x[order], labels[order]
    y = np.eye(10)[labels]  # one-hot: y_j = 1 for the right digit j, else 0
    n_test = max(1, round(test_fraction * len(x)))
    return x[n_test:], y[n_test:], x[:n_test], y[:n_test], labels[:n_test]


def accuracy(weights, biases, x, labels) -> float:
    """The fraction of rows whose brightest output neuron a(L)_j is the right digit j."""
    _, a = reference.forward(weights, biases, ACTIVATIONS, x)
    return float(np.mean(np.argmax(a[-1], axis=1) == labels))


class Progress:
    """A plain-text progress bar on stderr: redrawn in place each 1% on a terminal, else a line each 10%."""

    def __init__(self, total: int, width: int = 30, stream=None):
        self.total, self.width, self.stream = total, width, stream or sys.stderr
        self.done, self.shown, self.start = 0, -1, time.perf_counter()
        self.tty = self.stream.isatty()

    def update(self, text: str = "") -> None:
        self.done += 1
        pct = 100 * self.done // self.total
        pct = pct if self.tty else pct - pct % 10
        if pct == self.shown and self.done != self.total:
            return
        self.shown = pct
        fill = self.width * self.done // self.total
        bar = "#" * fill + "." * (self.width - fill)
        elapsed = time.perf_counter() - self.start
        start = "\r" if self.tty else ""
        self.stream.write(f"{start}[{bar}] {pct:3d}% {text} {elapsed:5.1f}s")
        if self.done == self.total or not self.tty:
            self.stream.write("\n")
        self.stream.flush()


def main(argv=None) -> int:
    """Entry point of ``python -m reference digits``; returns the exit status."""
    p = argparse.ArgumentParser(prog="python -m reference digits", description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=40, help="passes over the training set (default 40)")
    p.add_argument("--eta", type=float, default=3.0, help="learning rate eta (default 3.0)")
    p.add_argument("--batch-size", type=int, default=None,
                   help="examples per mini-batch (default 16, or every training example when --limit leaves fewer)")
    p.add_argument("--seed", type=int, default=0, help="seed of the split, the weights and the shuffling (default 0)")
    p.add_argument("--limit", type=int, default=None, help="use only this many of the 1797 digits (quick runs)")
    p.add_argument("--out", default="backprop-pictures", help="folder for the PNGs (default ./backprop-pictures)")
    p.add_argument("--verify-with", choices=["torch"], default=None,
                   help="check every step's gradients against adapters.torch_adapter.backprop")
    args = p.parse_args(argv)
    if args.limit is not None and args.limit < 10:
        p.error("--limit must be at least 10")
    if args.epochs < 0:
        p.error(f"--epochs must be 0 or more, got {args.epochs}")
    if not 0 < args.eta < float("inf"):  # also refuses nan
        p.error(f"--eta must be a finite number > 0, got {args.eta}")

    x, y, x_test, y_test, labels_test = load(args.limit, args.seed)
    if args.batch_size is None:
        args.batch_size = min(16, len(x))
    if not 1 <= args.batch_size <= len(x):
        p.error(f"--batch-size must be from 1 to the {len(x)} training examples")
    other = None
    if args.verify_with == "torch":
        try:
            other = importlib.import_module("adapters.torch_adapter").backprop
            # Matrices this small gain nothing from threads, and on a busy 2-core machine torch's
            # thread pool made each step ~30x slower (measured: 35 ms vs 0.7 ms a call).
            importlib.import_module("torch").set_num_threads(1)
        except ImportError as e:
            print(f"--verify-with=torch needs torch and adapters.torch_adapter: {e}", file=sys.stderr)
            return 1
    print(f"{len(x)} training and {len(x_test)} held-out 8x8 digits; network {'-'.join(map(str, SIZES))}, "
          f"sigmoid, eta {args.eta}, batch {args.batch_size}, {args.epochs} epochs, seed {args.seed}")

    steps_per_epoch = -(-len(x) // args.batch_size)
    bar = Progress(max(1, args.epochs * steps_per_epoch))
    norms, worst, test_costs = [], [0.0, ""], []

    def on_step(ws, bs, xb, yb, dC_dw, dC_db):
        if len(norms) % steps_per_epoch == 0:  # the first step of an epoch sees the last epoch's weights
            test_costs.append(reference.cost(reference.forward(ws, bs, ACTIVATIONS, x_test)[1][-1], y_test))
        norms.append([np.linalg.norm(g) for g in dC_dw])  # ||dC/dw(l)||, one per layer
        if other is not None:
            their_w, their_b = other(ws, bs, ACTIVATIONS, xb, yb)
            pairs = [(f"w({l})", o, t) for l, (o, t) in enumerate(zip(dC_dw, their_w), 1)] + \
                    [(f"b({l})", o, t) for l, (o, t) in enumerate(zip(dC_db, their_b), 1)]
            for name, ours, theirs in pairs:
                d = float(np.max(np.abs(ours - np.asarray(theirs))))
                if d > worst[0] or not worst[1]:
                    worst[:] = [max(d, worst[0]), f"dC/d{name} at step {len(norms)}"]
        bar.update(f"epoch {(len(norms) - 1) // steps_per_epoch + 1}/{args.epochs}")

    start = time.perf_counter()
    weights, biases = reference.init_network(SIZES, seed=args.seed)
    weights, biases, costs = reference.train(weights, biases, ACTIVATIONS, x, y, eta=args.eta, epochs=args.epochs,
                                             batch_size=args.batch_size, seed=args.seed, on_step=on_step)
    seconds = time.perf_counter() - start
    test_costs.append(reference.cost(reference.forward(weights, biases, ACTIVATIONS, x_test)[1][-1], y_test))
    out = Path(args.out)
    paths = [pictures.cost_curve(costs, out / "cost.png", test_costs),
             pictures.first_layer_weights(weights[0], out / "first_layer_weights.png"),
             pictures.gradient_norms(np.array(norms).reshape(-1, len(SIZES) - 1), out / "gradient_norms.png",
                                     steps_per_epoch)]
    for path in paths:
        print(f"wrote {path}")
    print(f"cost C on the training set: {costs[0]:.4f} before, {costs[-1]:.4f} after; held-out {test_costs[-1]:.4f}; "
          f"trained in {seconds:.1f}s")
    print(f"training accuracy: {accuracy(weights, biases, x, np.argmax(y, axis=1)):.1%}")
    if other is not None:
        print(f"--verify-with=torch: {len(norms)} steps checked, worst |reference - torch| = {worst[0]:.3e} "
              f"({worst[1]})")
    correct = accuracy(weights, biases, x_test, labels_test)
    print(f"held-out test accuracy: {correct:.1%} ({round(correct * len(x_test))} of {len(x_test)})")
    return 0
