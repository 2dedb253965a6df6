-- High-water marks of upstream FHIR polls: the last _lastUpdated seen per poll channel.
CREATE TABLE fhir_poll_cursor (
    channel      text PRIMARY KEY,
    last_updated timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
