"""An in-memory credential store with the facade's shape (mcpdeck.credentials.select)."""

from __future__ import annotations

import copy

from mcpdeck.credentials.record import ClientRegistration, CredentialKey, CredentialRecord


class MemoryStore:
    name = "memory"

    def __init__(self) -> None:
        self.records: dict[CredentialKey, CredentialRecord] = {}
        self.registrations: dict[str, ClientRegistration] = {}
        self.saves = 0

    def load(self, key: CredentialKey) -> CredentialRecord | None:
        record = self.records.get(key)
        return copy.deepcopy(record) if record else None

    def locate(self, key: CredentialKey) -> tuple[CredentialRecord, str] | None:
        record = self.load(key)
        return (record, self.name) if record else None

    def save(self, key: CredentialKey, record: CredentialRecord) -> str:
        self.saves += 1
        self.records[key] = copy.deepcopy(record)
        return self.name

    def delete_everywhere(self, key: CredentialKey) -> list[str]:
        return [self.name] if self.records.pop(key, None) else []

    def load_registration(self, issuer: str) -> ClientRegistration | None:
        return self.registrations.get(issuer)

    def save_registration(self, registration: ClientRegistration) -> None:
        self.registrations[registration.issuer] = registration
