import stat
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from longarm.api.scopes import read_only_scopes
from longarm.api.services import api_token_authenticate, api_token_create
from longarm.audit.models import AuditEvent
from longarm.cases.attestations.services import attestation_issue, attestation_verify
from longarm.cases.models import Case, Identifier
from longarm.crypto.envelopes import new_keypair
from longarm.crypto.errors import KeyringError
from longarm.crypto.keyring import load_recovery_private_key
from longarm.crypto.linking_key import (
    LINKING_KEY_FILE,
    commit_linking_key,
    ensure_linking_key,
    load_linking_key,
    stage_next_linking_key,
)
from longarm.linking.clusters import recluster_all
from longarm.linking.index import current_linking_key
from longarm.linking.models import ClusterMembership, Decision, IdentifierKey, LinkReview
from longarm.linking.reindex import linking_reindex
from longarm.linking.selectors import identifier_links
from longarm.linking.services import link_review
from tests.cases.helpers import private_key
from tests.conftest import Cast
from tests.linking.match_helpers import add, case_held_by
from tests.settings import RECOVERY_KEY_PATH


def _recovery_key() -> bytes:
    return load_recovery_private_key(RECOVERY_KEY_PATH)


def test_reindex_replaces_every_blind_index_and_matching_still_works(cast: Cast) -> None:
    first, second = case_held_by(cast), case_held_by(cast, cast.other_caseworker)
    mine = add(first, cast.caseworker, "phone", "+86 138 0013 8000")
    add(second, cast.other_caseworker, "phone", "0086 138 0013 8000")
    old_version = current_linking_key().version
    old_indexes = {bytes(index) for index in IdentifierKey.objects.values_list("blind_index", flat=True)}
    old_primary = {bytes(index) for index in Identifier.objects.values_list("blind_index", flat=True)}

    result = linking_reindex(recovery_private_key=_recovery_key())

    assert result.version == old_version + 1 == current_linking_key().version
    assert result.identifiers == 2
    new_indexes = {bytes(index) for index in IdentifierKey.objects.values_list("blind_index", flat=True)}
    assert new_indexes
    assert not new_indexes & old_indexes
    assert set(IdentifierKey.objects.values_list("key_version", flat=True)) == {result.version}
    assert (
        not {bytes(index) for index in Identifier.objects.values_list("blind_index", flat=True)} & old_primary
    )
    assert identifier_links(case=first, user=cast.caseworker)[mine.pk].hidden_count == 1
    third = case_held_by(cast)
    add(third, cast.caseworker, "phone", "+8613800138000")
    assert identifier_links(case=first, user=cast.caseworker)[mine.pk].total == 2


def test_reindex_leaves_api_tokens_and_attestations_working(cast: Cast) -> None:
    case = case_held_by(cast)
    add(case, cast.caseworker, "badge", "123456")
    key = private_key(cast.caseworker)
    token = api_token_create(user=cast.caseworker, private_key=key, label="test", scopes=read_only_scopes())
    issued = attestation_issue(
        actor=cast.caseworker, private_key=key, case=case, signatory_name="Casey", signatory_role="Caseworker"
    )

    linking_reindex(recovery_private_key=_recovery_key())

    assert api_token_authenticate(secret=token.secret).user == cast.caseworker
    checked = attestation_verify(reference=issued.attestation.reference, code=issued.code, session_key=None)
    assert checked.verdict.name == "VALID"


def test_reindex_keeps_rejections_and_clusters(cast: Cast) -> None:
    first, second, third = case_held_by(cast), case_held_by(cast), case_held_by(cast)
    rejected = add(first, cast.caseworker, "name", "Wang Wei")
    add(second, cast.caseworker, "name", "Wang Wei")
    add(first, cast.caseworker, "badge", "777")
    add(third, cast.caseworker, "badge", "777")
    link_review(actor=cast.caseworker, identifier=rejected, other=second, decision=Decision.REJECTED)

    linking_reindex(recovery_private_key=_recovery_key())

    reviews = list(LinkReview.objects.all())
    assert reviews
    second_indexes = {
        bytes(index)
        for index in IdentifierKey.objects.filter(case=second).values_list("blind_index", flat=True)
    }
    for review in reviews:
        assert review.key_version == current_linking_key().version
        assert bytes(review.blind_index) in second_indexes
    assert rejected.pk not in identifier_links(case=first, user=cast.caseworker)
    recluster_all()
    assert set(ClusterMembership.objects.values_list("case_id", flat=True)) == {first.pk, third.pk}


def test_reindex_refuses_a_key_that_is_not_the_recovery_key(cast: Cast) -> None:
    add(case_held_by(cast), cast.caseworker, "qq", "10001")
    before = current_linking_key()
    with pytest.raises(KeyringError):
        linking_reindex(recovery_private_key=new_keypair().private)
    assert current_linking_key() == before


def test_the_command_audits_the_run_with_counts_only(cast: Cast) -> None:
    add(case_held_by(cast), cast.caseworker, "wechat", "wxid_secret_value")
    out = StringIO()
    call_command("linking", "reindex", "--recovery-key", str(RECOVERY_KEY_PATH), stdout=out)
    assert "1 identifiers" in out.getvalue()
    assert "wxid" not in out.getvalue()
    event = AuditEvent.objects.filter(action__startswith="linking.reindex").get()
    assert "wxid" not in event.action


def test_the_command_refuses_a_missing_recovery_key(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("linking", "reindex", "--recovery-key", "/nonexistent/recovery.key")


def test_the_linking_key_is_created_when_missing_and_rotated_by_staging(tmp_path: Path) -> None:
    keys_dir = tmp_path / "keys"
    keys_dir.mkdir(mode=0o700)
    first = load_linking_key(keys_dir)
    assert first.version == 1
    assert stat.S_IMODE((keys_dir / LINKING_KEY_FILE).stat().st_mode) == 0o600
    assert not ensure_linking_key(keys_dir)
    staged = stage_next_linking_key(keys_dir)
    assert stage_next_linking_key(keys_dir) == staged
    assert load_linking_key(keys_dir) == first
    assert commit_linking_key(keys_dir) == staged
    assert load_linking_key(keys_dir) == staged
    assert staged.version == 2
    assert staged.key != first.key
    assert "key=" not in repr(staged)


def test_a_new_linking_key_file_starts_at_version_one(tmp_path: Path) -> None:
    keys_dir = tmp_path / "keys"
    keys_dir.mkdir(mode=0o700)
    assert ensure_linking_key(keys_dir)
    assert (keys_dir / LINKING_KEY_FILE).read_text().startswith("1:")


def test_reindex_keeps_links_the_old_normalisers_made_that_todays_no_longer_produce(cast: Cast) -> None:
    # Two identifiers that an earlier release's normaliser gave one shared key (simulated: their rows are
    # given the same old index); today's normalisers give them different keys. The link, its confirmation
    # and the cluster must survive the rebuild.
    first, second, third = case_held_by(cast), case_held_by(cast), case_held_by(cast)
    mine = add(first, cast.caseworker, "wechat", "微信号：tianchi_lake8（刘警官）")
    theirs = add(second, cast.caseworker, "wechat", "tianchi_lake8(刘)")
    add(third, cast.caseworker, "wechat", "kunlun_peak9")
    old_index = b"\x01" * 16
    for identifier in (mine, theirs):
        IdentifierKey.objects.filter(identifier=identifier).update(blind_index=old_index)
    unshared = IdentifierKey.objects.get(case=third)
    link_review(actor=cast.caseworker, identifier=mine, other=second, decision=Decision.CONFIRMED)
    recluster_all()

    linking_reindex(recovery_private_key=_recovery_key())

    def indexes(case: Case) -> set[bytes]:
        rows = IdentifierKey.objects.filter(case=case).values_list("blind_index", flat=True)
        return {bytes(index) for index in rows}

    shared = indexes(first) & indexes(second)
    # Today's normaliser reads both as tianchi_lake8, and the old shared index is carried as a legacy key.
    assert len(shared) == 2
    legacy = IdentifierKey.objects.filter(case=first, scheme="legacy:wechat").get()
    assert legacy.strength == "strong"
    assert bytes(legacy.blind_index) in shared
    review = LinkReview.objects.get()
    assert review.decision == Decision.CONFIRMED
    assert review.key_version == current_linking_key().version
    assert bytes(review.blind_index) in shared
    assert mine.pk in identifier_links(case=first, user=cast.caseworker)
    # An index no other case shared and nobody reviewed is not carried.
    assert not IdentifierKey.objects.filter(case=third, scheme__startswith="legacy:").exists()
    assert bytes(unshared.blind_index) not in indexes(third)
    recluster_all()
    assert set(ClusterMembership.objects.values_list("case_id", flat=True)) == {first.pk, second.pk}
