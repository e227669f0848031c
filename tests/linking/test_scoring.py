"""Weak links are scored (Fellegi-Sunter over shared weak keys, weighted by each key's frequency) and
listed rare names first; strong links are neither scored nor down-weighted."""

import re

from django.urls import reverse

from longarm.linking.index import current_linking_key
from longarm.linking.scoring import weak_scores
from longarm.linking.selectors import identifier_links
from tests.cases.helpers import console
from tests.conftest import Cast
from tests.linking.match_helpers import add, case_held_by


def test_a_rare_shared_name_scores_above_a_common_one(cast: Cast) -> None:
    mine = case_held_by(cast)
    add(mine, cast.caseworker, "name", "张伟")
    add(mine, cast.caseworker, "name", "Nurmemet Abdurehim")
    common = case_held_by(cast)
    add(common, cast.caseworker, "name", "Zhang Wei")
    for _ in range(4):
        add(case_held_by(cast), cast.caseworker, "name", "张伟")
    rare = case_held_by(cast)
    add(rare, cast.caseworker, "name", "努尔买买提·阿不都热依木")
    scores = weak_scores(case=mine, others={common.pk, rare.pk}, version=current_linking_key().version)
    assert scores[rare.pk].score > scores[common.pk].score
    # Six cases hold 张伟; the score sees only its bucket.
    assert scores[common.pk].rarest_shared_by == 10
    assert "name:sound" in scores[rare.pk].agreeing


def test_agreeing_on_more_schemes_scores_higher(cast: Cast) -> None:
    mine = case_held_by(cast)
    add(mine, cast.caseworker, "name", "伊力哈木·土赫提")
    in_characters = case_held_by(cast)
    add(in_characters, cast.caseworker, "name", "伊力哈木·土赫提")
    by_ear = case_held_by(cast)
    add(by_ear, cast.caseworker, "name", "Ilham Tohti")
    scores = weak_scores(
        case=mine, others={in_characters.pk, by_ear.pk}, version=current_linking_key().version
    )
    assert scores[in_characters.pk].score > scores[by_ear.pk].score
    assert scores[by_ear.pk].agreeing == ("name:sound",)


def test_weak_suggestions_are_listed_by_score_and_strong_links_first(cast: Cast) -> None:
    mine = case_held_by(cast)
    name = add(mine, cast.caseworker, "name", "Wang Wei")
    common = case_held_by(cast)
    add(common, cast.caseworker, "name", "王伟")
    for _ in range(3):
        add(case_held_by(cast), cast.caseworker, "name", "Wang Wei")
    exact = case_held_by(cast)
    add(exact, cast.caseworker, "name", "Wang Wei")
    add(exact, cast.caseworker, "organisation", "疏附县公安局")
    add(mine, cast.caseworker, "organisation", "Shufu County PSB")
    held = identifier_links(case=mine, user=cast.caseworker)[name.pk].held
    assert all(linked.score is not None for linked in held)
    scores = [linked.score.score for linked in held if linked.score]
    assert scores == sorted(scores, reverse=True)
    assert held[0].case == exact
    page = console(cast.caseworker).get(reverse("cases:case", args=[mine.public_id])).content.decode()
    assert "score " in page


def test_a_strong_identifier_shared_by_many_cases_is_not_scored(cast: Cast) -> None:
    mine = case_held_by(cast)
    phone = add(mine, cast.caseworker, "phone", "+86 139 9101 2345")
    for _ in range(5):
        add(case_held_by(cast), cast.caseworker, "phone", "13991012345")
    links = identifier_links(case=mine, user=cast.caseworker)[phone.pk]
    assert links.strength == "strong"
    assert len(links.held) == 5
    assert all(linked.score is None for linked in links.held if linked.strength == "strong")


def test_a_name_many_cases_share_is_labelled_common_and_no_count_is_shown(cast: Cast) -> None:
    mine = case_held_by(cast)
    add(mine, cast.caseworker, "name", "李明")
    other = case_held_by(cast)
    add(other, cast.caseworker, "name", "Li Ming")
    for _ in range(10):
        add(case_held_by(cast, cast.other_caseworker), cast.other_caseworker, "name", "李明")
    page = console(cast.caseworker).get(reverse("cases:case", args=[mine.public_id])).content.decode()
    # Ten cases the reader does not hold share the name: the label says common, no number says how many.
    scores = re.findall(r'<span class="link-score">([^<]*)</span>', page)
    assert len(scores) == 1
    assert re.fullmatch(r"score -?\d+(\.\d)?, a common name", scores[0])
    assert "of them is not yours" not in page
