"""Linking: how well the normalisers link the spellings of one identifier and keep near-misses apart,
and (unless ``--quality-only``) how linking scales.

Run from the repository root::

    .venv/bin/python benchmarks/linking.py --quality-only [--seed 1] [--entities 300]
    .venv/bin/python benchmarks/linking.py            # quality, then the scale section

**Quality.** :func:`longarm.linking.synthetic.generate` makes ``--entities`` distinct entities per
identifier type, each written in every variant its normaliser claims to cover, plus near-misses (one digit
off, another surname, another plate province …), each a different entity. Two samples are *linked* when
:func:`longarm.linking.keys.match_keys` gives them a common key (the same test the blind indexes make).
Over all pairs of samples of a type (for the strong types only a key that is strong on both sides links;
``weak_links`` counts the pairs that share only a weak key, such as the second reading of a phone number
valid in two numbering plans):

- ``recall`` = linked pairs of the same entity / pairs of the same entity;
- ``precision`` = linked pairs of the same entity / linked pairs;
- ``near_miss_links``: linked pairs of an entity and one of its near-misses (each one is a false link),
  and ``near_miss_links_by_variant`` by kind of near-miss. The same digits under another country code
  (``near-miss:country``) can be exactly the second reading of a number typed without country code
  (``150 1234 5678`` typed in the US is also +1 501 234 5678): that reading is a weak key, so it shows in
  ``weak_links``, not here;
- ``variant_recall``: per variant, the share of an entity's other spellings it links with (1.0 when the
  variant is fully covered), to find which spelling fails when recall drops.

**Evaluation set.** ``tests/linking/data/variants/*.toml`` holds labelled pairs written by hand from how
reporters, police notices and diaspora media really write identifiers, names and agencies (each with its
cited source), by people who did not write the normaliser of that family — the synthetic variants above
are the normalisers' own idea of what exists, this set is not. :func:`evaluation_quality` scores it the
way issue 20 defines: a ``match = true`` pair is *found* when ``a`` and ``b`` share a key of the expected
strength (strong pairs: a key that is strong on both sides; weak pairs: any key); a ``match = false`` pair
is a false positive when they share a strong key (strong kinds) or any key (weak kinds). ``context_country``
is the region both values are read in. Reported per family (file), per kind and per strength, beside the
synthetic figures; targets: strong precision >= 0.995 and recall >= 0.95, weak precision >= 0.95 and
recall >= 0.85.

Targets: precision >= 0.99 for the strong types (phone, wechat, qq, email, badge, plate) and recall >= 0.95
for every type; ``meets_target`` says whether a type reached them. Names and organisations are weak keys
(suggestions): their precision is reported but not a target. Nothing here depends on the machine's speed.

**Scale.** Without ``--quality-only`` the script calls ``run_scale(args)`` of ``benchmarks/_linking_scale.py``
(written separately: storage, lookups and clustering on SQLite and PostgreSQL) and puts its result under
``"scale"``. That module may also define ``add_arguments(parser)`` for its own options. While it does not
exist the section says so instead of failing.

Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import sys
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from longarm.linking.keys import STRONG_KINDS, match_keys
from longarm.linking.synthetic import FAMILIES, Sample, generate

TARGET_PRECISION = 0.99
TARGET_RECALL = 0.95
# Issue 20's targets on the hand-written evaluation set.
EVALUATION_TARGETS: dict[str, tuple[float, float]] = {"strong": (0.995, 0.95), "weak": (0.95, 0.85)}
EVALUATION_DIR = Path(__file__).resolve().parent.parent / "tests" / "linking" / "data" / "variants"
EVALUATION_FAMILIES = ("phones", "accounts", "email", "badges", "plates", "names", "agencies")
# Kinds of the evaluation set that are not IdentifierKind values.
_EVALUATION_KIND = {"agency": "organisation"}
_SCALE_MODULE = Path(__file__).with_name("_linking_scale.py")


def _keys(sample: Sample, *, strong_only: bool = False) -> set[tuple[str, str]]:
    return {
        (key.scheme, key.value)
        for key in match_keys(sample.kind, sample.value, region=sample.region)
        if key.strength == "strong" or not strong_only
    }


def _base_entity(entity: str) -> str:
    return entity.partition("~")[0]


def _linked_pairs(samples: list[Sample], *, strong_only: bool) -> set[tuple[int, int]]:
    buckets: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, sample in enumerate(samples):
        for key in _keys(sample, strong_only=strong_only):
            buckets[key].append(index)
    linked: set[tuple[int, int]] = set()
    for members in buckets.values():
        linked.update(itertools.combinations(sorted(set(members)), 2))
    return linked


def family_quality(samples: list[Sample]) -> dict[str, Any]:
    """Precision, recall and diagnostics for the samples of one family."""
    family = samples[0].family
    strong = family in STRONG_KINDS
    # A strong identifier is linked by a key strong on both sides; a shared weak key (the second reading
    # of a phone number valid in two plans) is only a suggestion, counted apart as weak_links.
    linked = _linked_pairs(samples, strong_only=strong)
    weak_links = len(_linked_pairs(samples, strong_only=False) - linked) if strong else 0
    by_entity: dict[str, list[int]] = defaultdict(list)
    for index, sample in enumerate(samples):
        by_entity[sample.entity].append(index)
    positives = sum(len(members) * (len(members) - 1) // 2 for members in by_entity.values())
    true_links = sum(1 for a, b in linked if samples[a].entity == samples[b].entity)
    near_miss_links_by_variant: Counter[str] = Counter()
    for a, b in linked:
        if samples[a].entity != samples[b].entity and _base_entity(samples[a].entity) == _base_entity(
            samples[b].entity
        ):
            near_miss = samples[a] if "~" in samples[a].entity else samples[b]
            near_miss_links_by_variant[near_miss.variant] += 1
    variant_pairs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for members in by_entity.values():
        for a, b in itertools.combinations(members, 2):
            hit = (a, b) in linked
            for index in (a, b):
                variant_pairs[samples[index].variant][0] += hit
                variant_pairs[samples[index].variant][1] += 1
    precision = true_links / len(linked) if linked else 1.0
    recall = true_links / positives if positives else 1.0
    return {
        "strength": "strong" if strong else "weak",
        "samples": len(samples),
        "entities": len({_base_entity(sample.entity) for sample in samples}),
        "near_misses": sum(1 for sample in samples if "~" in sample.entity),
        "positive_pairs": positives,
        "linked_pairs": len(linked),
        "true_links": true_links,
        "false_links": len(linked) - true_links,
        "weak_links": weak_links,
        "near_miss_links": sum(near_miss_links_by_variant.values()),
        "near_miss_links_by_variant": dict(sorted(near_miss_links_by_variant.items())),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "target_precision": TARGET_PRECISION if strong else None,
        "target_recall": TARGET_RECALL,
        "meets_target": recall >= TARGET_RECALL and (precision >= TARGET_PRECISION or not strong),
        "variant_recall": {
            variant: round(hits / total, 4)
            for variant, (hits, total) in sorted(variant_pairs.items())
            if total
        },
    }


def quality(*, seed: int, entities: int, families: tuple[str, ...] = FAMILIES) -> dict[str, Any]:
    """The quality section: one entry per family, and whether all met their targets."""
    samples = generate(seed, entities=entities, families=families)
    by_family: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_family[sample.family].append(sample)
    per_family = {family: family_quality(by_family[family]) for family in families if by_family[family]}
    return {
        "seed": seed,
        "entities_per_type": entities,
        "types": per_family,
        "all_meet_targets": all(result["meets_target"] for result in per_family.values()),
    }


@dataclass(frozen=True)
class EvaluationPair:
    family: str
    kind: str
    a: str
    b: str
    match: bool
    strength: str
    region: str | None
    note: str


def load_evaluation_set(directory: Path = EVALUATION_DIR) -> list[EvaluationPair]:
    """Every pair of the evaluation files that exist (a family not yet written is simply absent)."""
    pairs: list[EvaluationPair] = []
    for family in EVALUATION_FAMILIES:
        path = directory / f"{family}.toml"
        if not path.exists():
            continue
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        for item in data.get("pair", []):
            pairs.append(
                EvaluationPair(
                    family=family,
                    kind=str(item["kind"]),
                    a=str(item["a"]),
                    b=str(item["b"]),
                    match=bool(item["match"]),
                    strength=str(item.get("strength", "strong")),
                    region=item.get("context_country") or None,
                    note=str(item.get("note", "")),
                )
            )
    return pairs


def _pair_keys(kind: str, value: str, region: str | None) -> dict[tuple[str, str], str]:
    """(scheme, value) -> strength; a key present as strong and weak counts as strong."""
    keys: dict[tuple[str, str], str] = {}
    for key in match_keys(_EVALUATION_KIND.get(kind, kind), value, region=region):
        if keys.get((key.scheme, key.value)) != "strong":
            keys[(key.scheme, key.value)] = key.strength
    return keys


def judge_pair(pair: EvaluationPair) -> tuple[bool, bool]:
    """(shares a strong key, shares any key) for one pair; strong means strong on both sides."""
    keys_a = _pair_keys(pair.kind, pair.a, pair.region)
    keys_b = _pair_keys(pair.kind, pair.b, pair.region)
    shared = keys_a.keys() & keys_b.keys()
    strong = any(keys_a[key] == "strong" and keys_b[key] == "strong" for key in shared)
    return strong, bool(shared)


def _score(pairs: list[tuple[EvaluationPair, bool, bool]]) -> dict[str, Any]:
    positives = [item for item in pairs if item[0].match]
    negatives = [item for item in pairs if not item[0].match]
    found = sum(1 for pair, strong, shared in positives if (strong if pair.strength == "strong" else shared))
    false = sum(1 for pair, strong, shared in negatives if (strong if pair.strength == "strong" else shared))
    precision = found / (found + false) if found + false else 1.0
    recall = found / len(positives) if positives else 1.0
    return {
        "pairs": len(pairs),
        "positive_pairs": len(positives),
        "negative_pairs": len(negatives),
        "found": found,
        "false_positives": false,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
    }


def evaluation_quality(pairs: list[EvaluationPair] | None = None) -> dict[str, Any]:
    """Precision and recall on the evaluation set per strength, per family and per kind, with the pairs
    that failed (missed links and false links) so that a regression names its cause."""
    pairs = load_evaluation_set() if pairs is None else pairs
    judged = [(pair, *judge_pair(pair)) for pair in pairs]
    by_strength: dict[str, list[tuple[EvaluationPair, bool, bool]]] = defaultdict(list)
    by_family: dict[str, list[tuple[EvaluationPair, bool, bool]]] = defaultdict(list)
    by_kind: dict[str, list[tuple[EvaluationPair, bool, bool]]] = defaultdict(list)
    failures: list[dict[str, Any]] = []
    for item in judged:
        pair, strong, shared = item
        by_strength[pair.strength].append(item)
        by_family[pair.family].append(item)
        by_kind[pair.kind].append(item)
        hit = strong if pair.strength == "strong" else shared
        if hit != pair.match:
            failures.append(
                {
                    "family": pair.family,
                    "kind": pair.kind,
                    "a": pair.a,
                    "b": pair.b,
                    "match": pair.match,
                    "region": pair.region,
                    "note": pair.note,
                }
            )
    strengths: dict[str, Any] = {}
    for strength, items in sorted(by_strength.items()):
        score = _score(items)
        target_precision, target_recall = EVALUATION_TARGETS[strength]
        score["target_precision"] = target_precision
        score["target_recall"] = target_recall
        score["meets_target"] = score["precision"] >= target_precision and score["recall"] >= target_recall
        strengths[strength] = score
    return {
        "by_strength": strengths,
        "by_family": {family: _score(items) for family, items in sorted(by_family.items())},
        "by_kind": {kind: _score(items) for kind, items in sorted(by_kind.items())},
        "failures": failures,
    }


def _scale_module() -> ModuleType | None:
    """``benchmarks/_linking_scale.py`` if it exists (loaded by path: this script is run as a file)."""
    if not _SCALE_MODULE.exists():
        return None
    spec = importlib.util.spec_from_file_location("_linking_scale", _SCALE_MODULE)
    if spec is None or spec.loader is None:  # pragma: no cover - an existing .py file always has one
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quality-only", action="store_true", help="skip the scale section")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic identifiers (default 1)")
    parser.add_argument(
        "--entities", type=int, default=300, help="entities per identifier type (default 300)"
    )
    parser.add_argument("--types", default=",".join(FAMILIES), help="comma-separated identifier types")
    scale = _scale_module()
    if scale is not None and hasattr(scale, "add_arguments"):
        scale.add_arguments(parser)
    args = parser.parse_args(argv)
    families = tuple(family for family in args.types.split(",") if family)
    unknown = set(families) - set(FAMILIES)
    if unknown:
        parser.error(f"unknown types: {', '.join(sorted(unknown))}")
    result: dict[str, Any] = {
        "quality": quality(seed=args.seed, entities=args.entities, families=families),
        "evaluation_set": evaluation_quality(),
    }
    if not args.quality_only:
        # The scale section (storage, lookup latency, clustering, memory) lives in _linking_scale.py.
        if scale is None:
            result["scale"] = {"skipped": "benchmarks/_linking_scale.py does not exist yet"}
        else:
            result["scale"] = scale.run_scale(args)
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
