"""From similarity scores to a confidence: the probability that the best entry is the right answer.

A raw similarity is not a probability: 0.4 can be a sure match in a FAQ of short keyword phrasings and a
poor one among long paraphrased questions. What tells a right answer from a wrong one is how high the best
score is, how far it leads the runner-up, and how far it stands above the whole field (a softmax over every
entry's score and a "none of these" rival: one close rival or ten middling ones both mean doubt). A logistic
model of those three, fitted on pooled labelled sets and checked on each set left out, turns them into a
calibrated confidence that one threshold can cut, whatever the community's FAQ looks like.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FEATURES = (
    "best",  # score of the best entry (a weighted mean of similarities, in [0, 1])
    "lead",  # best minus the runner-up
    "field_logit",  # logit of the best entry's softmax probability over all entries' scores
)


def feature_row(scores: npt.NDArray[np.float64], best: int, runner_up: float, temperature: float,
                null: float) -> list[float]:
    """The calibration features of entry `best` among `scores` (one per entry).

    The field includes a "none of these" rival scoring `null`, so that a FAQ of three entries, where any
    question leads the other two by chance, does not look as sure as one of three hundred."""
    top = float(scores[best])
    rivals = float(np.exp((scores - top) / temperature).sum()) - 1.0  # the best contributes exp(0) = 1
    rivals += math.exp(min((null - top) / temperature, 60.0))
    # log(p / (1 - p)) with p = 1 / (1 + rivals) is -log(rivals); bounded when nothing rivals the best.
    field_logit = -math.log(max(rivals, 1e-9))
    return [top, top - runner_up, max(min(field_logit, 20.0), -20.0)]


def confidence(row: Sequence[float], intercept: float, coefficients: Sequence[float]) -> float:
    z = intercept + sum(c * x for c, x in zip(coefficients, row, strict=False))
    if z < -40:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))
