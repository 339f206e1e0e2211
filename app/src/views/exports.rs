//! Dataset exports for trainers: the records the Export page and `GET /api/v1/exports/{id}`
//! show, and the check of a spec before it is queued. The export itself runs in a background
//! runner (server crate), never in the request.

use super::Invalid;
use crate::domain::ExportSpec;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One file of a finished export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ExportFile {
    pub name: String,
    /// `all`, `train` or `validation`.
    pub split: String,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

/// An export and how far it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ExportRecord {
    pub id: i64,
    pub task: String,
    pub spec: ExportSpec,
    /// `cli`, `api` or `web`.
    pub origin: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub requested_by: Option<String>,
    /// Verdicts given up to this time are exported.
    pub as_of: DateTime<Utc>,
    pub rows_expected: Option<i64>,
    pub rows_written: i64,
    /// The files, once done.
    pub files: Vec<ExportFile>,
    /// The whole manifest, once done.
    pub manifest: Option<serde_json::Value>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// When the files were deleted (`COJUDGE_EXPORT_RETENTION_DAYS` after the export finished);
    /// the record and its manifest stay.
    pub files_deleted_at: Option<DateTime<Utc>>,
}

/// The spec's problems as one message naming each field.
pub fn spec_problems(spec: &ExportSpec) -> Result<(), Invalid> {
    spec.validate().map_err(|errors| {
        Invalid(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}
