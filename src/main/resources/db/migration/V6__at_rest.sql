-- Encryption at rest (protect capability): the storage keys that seal inbound_message.payload and
-- canonical_bundle.bundle (AES-256-GCM). Each key is kept only wrapped under the module's
-- key-encryption key (KEK); kek_version names the KEK version that wrapped it, so a KEK rotation
-- re-wraps these few rows and never touches the sealed values. The newest id seals new values.
-- See docs/DESIGN-NOTES.md, "Encryption at rest".
CREATE TABLE protect_storage_key (
    id           integer     PRIMARY KEY,
    wrapped      bytea       NOT NULL,
    kek_version  integer     NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
