"""The stats chart: each count figure of the period beside the period before, as a PNG.

matplotlib is imported here only, when a chart is drawn (Agg backend, no display): the hot path, the console
and the other commands never pay for its import (about 0.3 s and 30 MiB).
"""

from __future__ import annotations

import io
from collections.abc import Sequence


def bar_chart(title: str, labels: Sequence[str], current: Sequence[float], previous: Sequence[float],
              legend: tuple[str, str]) -> bytes:
    """Horizontal bars, one pair per label; returns PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    height = max(2.5, 0.45 * len(labels) + 1.2)
    fig, ax = plt.subplots(figsize=(8, height), dpi=100)
    try:
        positions = range(len(labels))
        ax.barh([p + 0.2 for p in positions], list(previous), height=0.4, color="#b0b7c3", label=legend[1])
        ax.barh([p - 0.2 for p in positions], list(current), height=0.4, color="#2f6fde", label=legend[0])
        ax.set_yticks(list(positions))
        ax.set_yticklabels(list(labels))
        ax.invert_yaxis()
        ax.set_title(title)
        ax.legend(loc="lower right")
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(fig)
