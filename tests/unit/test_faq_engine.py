"""The matching engine on a small hand-written FAQ (French and English): the right entry for the ways members
really write, and abstention for what the FAQ does not cover or cannot read."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bot.faq.calibration import feature_row
from bot.faq.engine import EntryText, FaqEngine
from bot.faq.semantic import load_embeddings
from bot.faq.text import Analyzer, fold

ENTRIES = [
    EntryText("cotisation", "Comment payer ma cotisation annuelle ?",
              ("régler l'adhésion", "paiement de la cotisation par virement"), "fr"),
    EntryText("assemblee", "Quand a lieu l'assemblée générale ?", ("date de l'AG", "prochaine assemblée"),
              "fr"),
    EntryText("veille", "Où trouver la veille juridique ?", ("newsletter juridique", "actualités du droit"),
              "fr"),
    EntryText("dues", "How do I pay my membership dues?", ("paying the yearly fee", "membership payment"),
              "en"),
    EntryText("events", "Which events are planned this month?", ("upcoming events", "event calendar"), "en"),
    EntryText("password", "How do I reset my password?", ("forgot my password", "can't log in"), "en"),
]


@pytest.fixture(scope="module")
def engine() -> FaqEngine:
    return FaqEngine.build(ENTRIES, analyzer=Analyzer(), embeddings=load_embeddings())


@pytest.fixture(scope="module")
def lexical() -> FaqEngine:
    return FaqEngine.build(ENTRIES, analyzer=Analyzer(), embeddings=None)


def test_folding_removes_accents_elisions_and_contractions() -> None:
    assert fold("L’Assemblée d'été, qu'en est-il ?") == "assemblee ete en est il"
    assert fold("I can't log in, it's broken") == "i can not log in it broken"
    assert fold("🎉🎉") == ""


@pytest.mark.parametrize("question, expected", [
    ("comment payer la cotisation", "cotisation"),  # plain
    ("cotisations", "cotisation"),  # plural
    ("c'est quand l'assemblee generale", "assemblee"),  # elisions, no accents
    ("quand a lieu l'assemblée génrale ?", "assemblee"),  # typo
    ("ou est la veille juridik", "veille"),  # informal spelling
    ("how can I pay the dues", "dues"),
    ("I forgot my pasword", "password"),  # typo
    ("what events are coming up", "events"),
    ("prochaine AG", "assemblee"),  # learnt from an alternative phrasing
])
def test_finds_the_right_entry(engine: FaqEngine, lexical: FaqEngine, question: str, expected: str) -> None:
    for built in (engine, lexical):
        match = built.match(question, None, threshold=0.0)
        assert match.best == expected, (question, match)


def test_more_phrasings_raise_confidence() -> None:
    bare = FaqEngine.build([EntryText("a", "Where is the office?"), EntryText("b", "What time is lunch?")])
    taught = FaqEngine.build([EntryText("a", "Where is the office?",
                                        ("office address", "how to get to the office")),
                              EntryText("b", "What time is lunch?")])
    question = "what is the office address"
    assert taught.match(question).confidence > bare.match(question).confidence


@pytest.mark.parametrize("question", [
    "",
    "   ",
    "🎉🙏🔥",
    "x" * 20_000,
    "Wie spät ist es in Tokio?",
    "مرحبا كيف حالك",
    "quelle est la recette de la tarte aux pommes",
])
def test_abstains_on_what_it_cannot_answer(engine: FaqEngine, question: str) -> None:
    match = engine.match(question)
    assert match.key is None
    assert 0.0 <= match.confidence < engine.settings.threshold


def test_confidence_is_a_probability_and_the_threshold_is_applied(engine: FaqEngine) -> None:
    match = engine.match("comment payer ma cotisation annuelle ?")
    assert match.key == "cotisation" and 0.5 < match.confidence <= 1.0
    assert engine.match("comment payer ma cotisation annuelle ?", threshold=1.01).key is None
    assert engine.match("comment payer ma cotisation annuelle ?", threshold=0.0).key == "cotisation"
    assert match.candidates[0].key == "cotisation"


def test_an_empty_faq_abstains() -> None:
    assert FaqEngine.build([]).match("anything?").key is None


def test_a_tiny_faq_does_not_answer_what_it_does_not_cover() -> None:
    """Two entries: any question leads one of them by chance; the "none of these" rival keeps it quiet."""
    tiny = FaqEngine.build([EntryText("dues", "How do I pay my membership dues?", answer="By card."),
                            EntryText("cotisation", "Comment payer ma cotisation ?", lang="fr",
                                      answer="Par virement.")], embeddings=load_embeddings())
    for question in ("où se garer près du siège ?", "what is the capital of australia", "recette de crêpes"):
        assert tiny.match(question).key is None, question
    assert tiny.match("how can I pay the dues").key == "dues"


def test_the_answer_text_helps_find_an_entry() -> None:
    """Members often ask with the words of the answer ("by bank transfer?"), not of the question."""
    entries = [EntryText("dues", "How do I pay my membership dues?",
                         answer="Dues are paid by bank transfer or by card in the member area before March."),
               EntryText("events", "Which events are planned this month?",
                         answer="The calendar lists the breakfast talks and the annual fair."),
               EntryText("office", "Where is the office?")]  # no answer yet: scored on its question alone
    built = FaqEngine.build(entries, embeddings=load_embeddings())
    # Answered at the default threshold: with the questions alone the engine would not be sure enough.
    assert built.match("can I pay by bank transfer").key == "dues"
    assert built.match("when is the annual fair").key == "events"
    assert built.match("where is the office").key == "office"


def test_rescoring_only_the_best_candidates_gives_the_exact_scores_of_the_best(engine: FaqEngine) -> None:
    """Per-phrasing and answer embeddings are computed for the best candidates only; those must be exact."""
    exact = FaqEngine.build(ENTRIES, analyzer=Analyzer(), embeddings=load_embeddings(),
                            settings=replace(engine.settings, rescored=len(ENTRIES)))
    partial = FaqEngine.build(ENTRIES, analyzer=Analyzer(), embeddings=load_embeddings(),
                              settings=replace(engine.settings, rescored=2, candidates=1))
    for question in ("comment payer la cotisation", "prochaine AG", "I forgot my pasword", "upcoming events"):
        full, part = exact.score(question), partial.score(question)
        assert full is not None and part is not None
        best = int(full.top[0])
        assert int(part.top[0]) == best
        assert part.scores[best] == pytest.approx(full.scores[best])


def test_confidence_features_weigh_the_whole_field() -> None:
    lone = feature_row(np.asarray([0.8]), 0, 0.0, temperature=0.02, null=0.2)
    weak = feature_row(np.asarray([0.1]), 0, 0.0, temperature=0.02, null=0.2)
    crowded = feature_row(np.asarray([0.8, 0.79, 0.79, 0.78]), 0, 0.79, temperature=0.02, null=0.2)
    assert lone[2] > crowded[2] and lone[2] > weak[2]
    assert weak[2] < 0  # below the "none of these" rival
    assert crowded[:2] == pytest.approx([0.8, 0.01])
