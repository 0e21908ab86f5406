"""PNG plots for the report (matplotlib, Agg backend: no display needed)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .evaluation import percentile  # noqa: E402


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def grouped_bars(values: Mapping[str, Mapping[str, float]], ylabel: str, title: str, path: Path) -> Path:
    """One group of bars per category (inner key), one bar per series (outer key)."""
    series = list(values)
    cats = list(dict.fromkeys(c for s in series for c in values[s]))
    fig, ax = plt.subplots(figsize=(9, 4.2))
    width = 0.8 / max(1, len(series))
    for i, s in enumerate(series):
        xs = [j + i * width for j in range(len(cats))]
        ax.bar(xs, [100 * values[s].get(c, float("nan")) for c in cats], width, label=s)
    ax.set_xticks([j + width * (len(series) - 1) / 2 for j in range(len(cats))])
    ax.set_xticklabels(cats, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def lines_vs_snr(panels: Mapping[str, Mapping[str, Mapping[str, float]]], conditions: Sequence[str],
                 title: str, path: Path) -> Path:
    """One panel per metric; in each, one line per series over the noise conditions (values 0..1)."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.8), squeeze=False)
    for ax, (metric, series) in zip(axes[0], panels.items(), strict=False):
        for name, by_cond in series.items():
            ys = [100 * by_cond.get(c, float("nan")) for c in conditions]
            ax.plot(range(len(conditions)), ys, marker="o", label=name,
                    linestyle="--" if "baseline" in name else "-")
        ax.set_xticks(range(len(conditions)))
        ax.set_xticklabels(conditions, fontsize=8)
        ax.set_xlabel("noise (kitchen), SNR")
        ax.set_title(metric, fontsize=10)
        ax.set_ylabel("%")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(title, fontsize=11)
    return _save(fig, path)


def distributions(samples: Mapping[str, Sequence[float]], xlabel: str, title: str, path: Path,
                  targets: Mapping[str, float] | None = None) -> Path:
    """Horizontal box plots (with every point) of several samples, in seconds shown as ms."""
    names = [n for n in samples if samples[n]]
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(names) + 2))
    data = [[1000 * v for v in samples[n]] for n in names]
    ax.boxplot(data, vert=False, whis=(5, 95), showfliers=False)
    for i, d in enumerate(data, 1):
        ax.scatter(d, [i + (k % 7 - 3) * 0.03 for k in range(len(d))], s=6, alpha=0.4)
        ax.annotate(f"p95 {percentile(d, 95):.0f}", (percentile(d, 95), i + 0.3), fontsize=7)
    for label, x in (targets or {}).items():
        ax.axvline(1000 * x, color="red", linestyle=":", linewidth=1)
        ax.annotate(label, (1000 * x, len(names) + 0.4), color="red", fontsize=7)
    ax.set_yticks(range(1, len(names) + 1))
    ax.set_yticklabels(names, fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


def xy_lines(series: Mapping[str, tuple[Sequence[float], Sequence[float]]], xlabel: str, ylabel: str, title: str,
             path: Path, logx: bool = False, right: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
             right_label: str = "") -> Path:
    """Lines of (x, y) points; optional second y axis for ``right`` series."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, (xs, ys) in series.items():
        ax.plot(xs, ys, marker="o", label=name)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if right:
        ax2 = ax.twinx()
        for name, (xs, ys) in right.items():
            ax2.plot(xs, ys, marker="s", linestyle="--", color="gray", label=name)
        ax2.set_ylabel(right_label)
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, fontsize=8)
    ax.set_title(title, fontsize=10)
    return _save(fig, path)
