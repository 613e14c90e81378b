"""Knowledge gaps grouped by similarity: "how much is the fee", "what's the fee?" and "cotisation montant ?"
are one missing entry asked three times, and the facilitator should see it once, with its count.

Greedy grouping over character n-gram cosine (robust to typos and word order), oldest question first so a
group keeps the same number while it grows: that number is how the facilitator picks it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.faq.index import CosineIndex
from bot.faq.text import Analyzer, fold

SAME_GAP = 0.45  # cosine above which two questions are taken as the same missing entry


@dataclass(frozen=True, slots=True)
class GapGroup:
    number: int  # the id of the group's first gap: stable while the group grows
    ids: tuple[int, ...]
    questions: tuple[str, ...]  # first one first

    @property
    def count(self) -> int:
        return len(self.ids)


def group_gaps(gaps: Sequence[tuple[int, str]], analyzer: Analyzer, similarity: float = SAME_GAP) -> list[GapGroup]:
    """Groups of (gap id, question), largest first (ties: most recent first)."""
    ordered = sorted(gaps, key=lambda g: g[0])
    if not ordered:
        return []
    grams = [analyzer.ngrams(fold(q)) for _, q in ordered]
    index = CosineIndex(grams)
    assigned = np.zeros(len(ordered), dtype=bool)
    groups: list[GapGroup] = []
    for i, (gap_id, _question) in enumerate(ordered):
        if assigned[i]:
            continue
        scores = index.score(grams[i]) if grams[i] else np.zeros(len(ordered))
        members = [j for j in np.flatnonzero((scores >= similarity) & ~assigned).tolist() if j != i]
        assigned[i] = True
        assigned[members] = True
        chosen = [i, *members]
        groups.append(GapGroup(number=gap_id, ids=tuple(ordered[j][0] for j in chosen),
                               questions=tuple(ordered[j][1] for j in chosen)))
    groups.sort(key=lambda g: (-g.count, -max(g.ids)))
    return groups
