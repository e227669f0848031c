"""Backups that restore (issue 16): one file holding the database and the encrypted evidence, encrypted to the
organisation's recovery public key and signed with the signing key; the keyring travels in its own file."""
