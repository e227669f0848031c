"""How much a weak link is worth: two cases that share a name or an agency are scored, not just listed.

Fellegi and Sunter's record-linkage model, over what the blind indexes can tell without plaintext: for
each weak scheme that both cases have keys in (``name:han``, ``name:pinyin``, ``name:sound``,
``organisation`` …), whether they share a key of it. Agreement on a scheme adds ``log2(m / u)``,
disagreement adds ``log2((1 - m) / (1 - u))``, where

- ``m`` is the chance that the same person or agency agrees on the scheme (fixed per scheme below: a
  sound key is agreed on by nearly every spelling of a name, the characters less often, since a
  reporter often has only a romanised name). Schemes are not independent (the model's assumption),
  so ``m`` is set low for the exact-spelling schemes that a cross-script match is expected to miss;
- ``u`` is the chance that two unrelated cases agree. For a shared key it is the key's own frequency:
  the number of cases holding that blind index over the number of cases with keys. The frequency of a
  blind index is visible without knowing its value, so "Zhang Wei", held by hundreds of cases, scores
  far below a rare name. For a scheme the two cases disagree on, a small fixed ``u``.

What a reader learns stays coarse (threat model §5.3): the frequencies enter the score only as buckets
(1, 2-3, 4-10, 11-30, 31-100, more), and the page shows the score and whether the shared key is common,
never a count, so that adding a name to one's own case does not tell how many other cases hold it.

Strong identifiers are never scored here: a shared phone number or WeChat ID joins cases whatever its
frequency (a number many reports share is a signal, not noise).
"""

import math
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from longarm.cases.models import Case
from longarm.linking.models import IdentifierKey, Strength

# P(agree on the scheme | same person or agency). A person is often named in one script in one report
# and another in the next, so the exact-spelling schemes miss often; the sound key rarely does.
M_PROBABILITY: dict[str, float] = {
    "name:han": 0.5,
    "name:pinyin": 0.6,
    "name:uly": 0.5,
    "name:sound": 0.95,
    "organisation": 0.9,
    "organisation:text": 0.7,
}
DEFAULT_M = 0.8
# P(two unrelated cases agree on a scheme) where no key frequency says otherwise.
DISAGREEMENT_U = 0.01


@dataclass(frozen=True)
class WeakScore:
    """The weight of evidence that two cases concern the same person or agency, in bits (Fellegi-Sunter
    match weight), with what it rests on."""

    score: float
    agreeing: tuple[str, ...]
    # Cases holding the rarest key the two share, as the upper bound of its bucket (see BUCKETS).
    rarest_shared_by: int

    @property
    def common(self) -> bool:
        """Whether even the rarest shared key is held by many cases (a common name)."""
        return self.rarest_shared_by > COMMON


# Upper bounds of the frequency buckets; a key held by more cases than the last is in the last bucket.
BUCKETS = (1, 3, 10, 30, 100)
COMMON = 10


def bucket(count: int) -> int:
    """The upper bound of the bucket ``count`` falls in (101 for anything above the last)."""
    for bound in BUCKETS:
        if count <= bound:
            return bound
    return BUCKETS[-1] + 1


def _agreement_weight(m: float, u: float) -> float:
    return math.log2(m / u)


def _disagreement_weight(m: float, u: float) -> float:
    return math.log2((1 - m) / (1 - u))


def _pair_weight(
    mine: dict[str, set[bytes]],
    theirs: dict[str, set[bytes]],
    frequency: dict[bytes, int],
    population: int,
) -> tuple[float, list[str], int]:
    """The match weight of two identifiers over the schemes both have keys in."""
    total = 0.0
    agreeing: list[str] = []
    rarest = BUCKETS[-1] + 1
    for scheme in sorted(set(mine) & set(theirs)):
        m = M_PROBABILITY.get(scheme, DEFAULT_M)
        common = mine[scheme] & theirs[scheme]
        if common:
            count = bucket(min(frequency.get(index, 2) for index in common))
            rarest = min(rarest, count)
            # The chance that another, unrelated case holds this key.
            u = min(max(count - 1, 1) / population, 0.5)
            total += _agreement_weight(m, u)
            agreeing.append(scheme)
        else:
            total += _disagreement_weight(m, DISAGREEMENT_U)
    return total, agreeing, rarest


def weak_scores(*, case: Case, others: set[int], version: int) -> dict[int, WeakScore]:
    """The score of each case of ``others`` against ``case`` over their weak keys of linking-key
    ``version``; cases sharing no weak key with ``case`` are left out.

    Identifiers are compared pairwise (a case may name several people): for each kind (names,
    organisations) the best-scoring pair of identifiers counts, and the kinds add up."""
    mine: dict[int, dict[str, set[bytes]]] = defaultdict(lambda: defaultdict(set))
    for identifier_id, scheme, index in IdentifierKey.objects.filter(
        case=case, key_version=version, strength=Strength.WEAK
    ).values_list("identifier_id", "scheme", "blind_index"):
        mine[identifier_id][scheme].add(bytes(index))
    if not mine or not others:
        return {}
    indexes = list({index for schemes in mine.values() for values in schemes.values() for index in values})
    linked = set(
        IdentifierKey.objects.filter(
            case_id__in=others, key_version=version, blind_index__in=indexes
        ).values_list("case_id", flat=True)
    )
    if not linked:
        return {}
    theirs: dict[int, dict[int, dict[str, set[bytes]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(set))
    )
    for other_id, identifier_id, scheme, index in IdentifierKey.objects.filter(
        case_id__in=linked, key_version=version, strength=Strength.WEAK
    ).values_list("case_id", "identifier_id", "scheme", "blind_index"):
        theirs[other_id][identifier_id][scheme].add(bytes(index))
    frequency = {
        bytes(row["blind_index"]): row["cases"]
        for row in IdentifierKey.objects.filter(key_version=version, blind_index__in=indexes)
        .values("blind_index")
        .annotate(cases=Count("case", distinct=True))
    }
    population = max(Case.objects.count(), 2)
    scores: dict[int, WeakScore] = {}
    for other_id, identifiers in theirs.items():
        best: dict[str, tuple[float, list[str], int]] = {}
        for my_schemes in mine.values():
            for their_schemes in identifiers.values():
                weight, agreeing, rarest = _pair_weight(my_schemes, their_schemes, frequency, population)
                if not agreeing:
                    continue
                kind = agreeing[0].partition(":")[0]
                if kind not in best or weight > best[kind][0]:
                    best[kind] = (weight, agreeing, rarest)
        if best:
            scores[other_id] = WeakScore(
                score=round(sum(weight for weight, _, _ in best.values()), 1),
                agreeing=tuple(sorted({scheme for _, agreeing, _ in best.values() for scheme in agreeing})),
                rarest_shared_by=min(rarest for _, _, rarest in best.values()),
            )
    return scores
