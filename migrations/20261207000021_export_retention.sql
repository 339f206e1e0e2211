-- Export files are kept for a while (COJUDGE_EXPORT_RETENTION_DAYS), then deleted; the record
-- and its manifest stay, marked with when the files went. A download in progress holds a
-- lease in `export_downloads`, renewed while it streams, and the cleanup passes over an export
-- with a live lease, so it never deletes a file being downloaded, whichever web process serves
-- it. A download registers under a share lock of its export's row and the cleanup takes the
-- row for update, so the two cannot cross.
ALTER TABLE exports ADD COLUMN files_deleted_at TIMESTAMPTZ;

CREATE TABLE export_downloads (
    id               BIGSERIAL PRIMARY KEY,
    export_id        BIGINT NOT NULL REFERENCES exports (id) ON DELETE CASCADE,
    lease_expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX export_downloads_export_idx ON export_downloads (export_id, lease_expires_at);
