-- Canonical FHIR R4 bundles made by the normalization stage, one per accepted message. The next
-- stage (protection) reads them by message id from the hand-on queue hub.normalize.bundles.
CREATE TABLE canonical_bundle (
    message_id     uuid PRIMARY KEY REFERENCES inbound_message (id),
    bundle_id      text        NOT NULL,
    structure      text        NOT NULL,
    bundle         bytea       NOT NULL,
    normalized_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX canonical_bundle_bundle_id ON canonical_bundle (bundle_id);
