"""Cryptography for Longarm: libsodium through PyNaCl, nothing else.

This package is the only place that imports ``nacl`` or touches key material, and it knows
nothing of Django. Import from the submodules:

- ``envelopes``: per-record AEAD encryption, X25519 key pairs, sealing keys to recipients.
- ``streams``: chunked encryption of files in constant memory.
- ``kdf``: Argon2id cost presets and key derivation.
- ``receipts``: the reporter's 20-digit receipt, its lookup hash and key pair.
- ``staff_keys``: staff private keys locked under their password.
- ``blind_index``: keyed hashes for matching identifiers without decrypting them.
- ``api_tokens``: API tokens, their lookup hash and the private key they unlock.
- ``signing``: Ed25519 signatures for manifests, attestations and audit checkpoints.
- ``keyring``: the on-disk keyring directory and the offline recovery key.
- ``recovery_shares``: the recovery key split into SLIP-39 shares, each under its holder's passphrase.
- ``signing_transitions``: signing-key rotations, each signed by the retiring and the new key.
- ``errors``: the exceptions all of the above raise.
"""
