"""Function words of French and English, accent-folded as the analyser sees them.

They carry no topic: dropping them from the word index keeps "how do I pay my dues" close to "dues payment".
They also tell the two languages apart (see bot.faq.text.guess_language), which picks the stemmer. Words that
do carry meaning in a question (not, without, sans, pas) are deliberately left out of the lists.
"""

from __future__ import annotations

ENGLISH: frozenset[str] = frozenset(
    """
    a about above after again all also am an and any are as at be been before being below between both but by
    can could did do does doing done down during each either else ever every few for from further get gets
    got had has have having he her here hers herself him himself his how i if in into is it its itself just
    let like may me might more most must my myself need of off on once only or other our ours ourselves out
    over own please same shall she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up upon us very was we were what when where which while
    who whom whose why will with would you your yours yourself yourselves
    hi hello hey thanks thank anyone someone somebody tell know want wanna gonna im ive id dont cant
    """.split()
)

FRENCH: frozenset[str] = frozenset(
    """
    a ai aie aient aies ait alors as au aucun aucune aupres auquel aussi autre autres aux auxquels avais avait
    avec avez aviez avoir avons ayant bon c ca car ce ceci cela celle celles celui cependant ces cet cette ceux
    chacun chaque chez ci comme comment d dans de des desquels dont du duquel elle elles en encore es est et
    etaient etais etait etant ete etes etre eu eux fait faire fais font fut ici il ils j je la laquelle le
    lequel les lesquels leur leurs lui m ma mais me meme mes moi mon n ne ni nos notre nous on ont ou par
    parce peut peux plus pour pourquoi puis puisque qu quand que quel quelle quelles quels qui quoi s sa
    sais sait savoir se sera serai seront ses si sien soi soit sommes son sont sous suis sur t ta te tes toi
    ton tous tout toute toutes tu un une vais veux vont vos votre vous y bonjour salut merci svp stp est-ce
    esque estce voudrais voudrait aimerais dois doit faut
    """.split()
)

ALL: frozenset[str] = ENGLISH | FRENCH
