"""Linking: how well the normalisers link the spellings of one identifier and keep near-misses apart,
and (unless ``--quality-only``) how linking scales.

Run from the repository root::

    .venv/bin/python benchmarks/linking.py --quality-only [--seed 1] [--entities 300]
    .venv/bin/python benchmarks/linking.py            # quality, then the scale section

**Quality.** :func:`longarm.linking.synthetic.generate` makes ``--entities`` distinct entities per
identifier type, each written in every variant its normaliser claims to cover, plus near-misses (one digit
off, another surname, another plate province …), each a different entity. Two samples are *linked* when
:func:`longarm.linking.keys.match_keys` gives them a common key (the same test the blind indexes make).
Over all pairs of samples of a type:

- ``recall`` = linked pairs of the same entity / pairs of the same entity;
- ``precision`` = linked pairs of the same entity / linked pairs;
- ``near_miss_links``: linked pairs of an entity and one of its near-misses (each one is a false link),
  and ``near_miss_links_by_variant`` by kind of near-miss. Phone numbers show some on purpose: the same
  digits under another country code (``near-miss:country``) can be exactly the second reading of a number
  typed without country code (``150 1234 5678`` typed in the US is also +1 501 234 5678), which
  :mod:`longarm.linking.normalisers.phone` keeps as a key by design;
- ``variant_recall``: per variant, the share of an entity's other spellings it links with (1.0 when the
  variant is fully covered), to find which spelling fails when recall drops.

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
from collections import Counter, defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

from longarm.linking.keys import STRONG_KINDS, match_keys
from longarm.linking.synthetic import FAMILIES, Sample, generate

TARGET_PRECISION = 0.99
TARGET_RECALL = 0.95
_SCALE_MODULE = Path(__file__).with_name("_linking_scale.py")


def _keys(sample: Sample) -> set[tuple[str, str]]:
    return {(key.scheme, key.value) for key in match_keys(sample.kind, sample.value, region=sample.region)}


def _base_entity(entity: str) -> str:
    return entity.partition("~")[0]


def family_quality(samples: list[Sample]) -> dict[str, Any]:
    """Precision, recall and diagnostics for the samples of one family."""
    family = samples[0].family
    buckets: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, sample in enumerate(samples):
        for key in _keys(sample):
            buckets[key].append(index)
    linked: set[tuple[int, int]] = set()
    for members in buckets.values():
        linked.update(itertools.combinations(sorted(set(members)), 2))
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
    strong = family in STRONG_KINDS
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
    result: dict[str, Any] = {"quality": quality(seed=args.seed, entities=args.entities, families=families)}
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
