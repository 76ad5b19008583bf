"""Figures of the user guide: who is trained on and what is scored, per protocol."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from sklearn_recae.datasets import make_interactions
from sklearn_recae.model_selection import holdout_split

# 0: no interaction, 1: training, 2: fold-in (input only), 3: fold-out (scored)
COLORS = ["#f4f4f4", "#4c72b0", "#8fbc8f", "#dd8452"]
LABELS = ["no interaction", "training", "fold-in (input)", "fold-out (scored)"]
CMAP = ListedColormap(COLORS)


def _grid(ax, codes, title):
    ax.imshow(codes, cmap=CMAP, vmin=0, vmax=3, aspect="auto", interpolation="none")
    ax.set(title=title, xlabel="items", ylabel="users", xticks=[], yticks=[])


def _codes(X, heldout_users, strategy):
    codes = np.where(X.toarray() > 0, 1, 0)
    rows = np.arange(X.shape[0]) if heldout_users is None else heldout_users
    fold_in, fold_out = holdout_split(X[rows], 0.2, strategy=strategy, random_state=0)
    codes[rows] = np.where(
        fold_out.toarray() > 0, 3, np.where(fold_in.toarray() > 0, 2, 0)
    )
    if heldout_users is None:  # weak generalization: fold-in is also training
        codes[codes == 2] = 1
    return codes


def protocols():
    X = make_interactions(n_users=40, n_items=60, density=0.25, random_state=0)
    fig, (weak, strong) = plt.subplots(1, 2, figsize=(9, 3.6))
    _grid(weak, _codes(X, None, "random"), "Weak generalization (T1, R1, R2)")
    _grid(
        strong, _codes(X, np.arange(30, 40), "random"), "Strong generalization (S1, Q1)"
    )
    fig.legend(
        handles=[
            Patch(color=c, label=lab) for c, lab in zip(COLORS, LABELS, strict=True)
        ],
        loc="lower center",
        ncol=4,
        frameon=False,
    )
    fig.tight_layout(rect=(0, 0.08, 1, 1))


def fold_out_strategies():
    times = np.arange(1, 21, dtype=float)
    row = np.zeros((1, 20))
    row[0] = times
    fig, axes = plt.subplots(3, 1, figsize=(9, 2.6), sharex=True)
    for ax, strategy in zip(axes, ("random", "temporal", "leave_one_out"), strict=True):
        fold_in, fold_out = holdout_split(row, 0.2, strategy=strategy, random_state=1)
        codes = np.where(
            fold_out.toarray() > 0, 3, np.where(fold_in.toarray() > 0, 2, 0)
        )
        ax.imshow(codes, cmap=CMAP, vmin=0, vmax=3, aspect="auto")
        ax.set(yticks=[], xticks=[])
        ax.set_ylabel(strategy, rotation=0, ha="right", va="center")
    axes[-1].set_xlabel("one user's events, ordered by value (time) →")
    fig.tight_layout()
