"""Token records and where they live: OS keyring, encrypted file, auto selection.

Import submodules directly: ``mcpdeck.credentials.record`` (types, no I/O),
``mcpdeck.credentials.keyring_store``, ``mcpdeck.credentials.file_store``,
``mcpdeck.credentials.select``.
"""
