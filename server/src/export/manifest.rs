//! The manifest written beside every export's files and stored with the export: what was asked
//! (task, shape, format, filters), from which database state (`as_of`), what came out (files
//! with row counts and sha256, the label distribution, rubric versions) and with what (schema
//! version, cojudge version). Re-running a snapshot compares its files with these hashes.

use super::columns::{Kind, Schema};
use super::files::FileEntry;
use super::rebalance::RebalanceReport;
use super::source::VerdictRow;
use app::domain::ExportSpec;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u32,
    pub cojudge_version: String,
    /// The export's id: `cojudge export --snapshot ID` reproduces these files.
    pub snapshot: i64,
    pub task: String,
    pub current_rubric_version: i32,
    /// Verdicts up to this time were read.
    pub as_of: DateTime<Utc>,
    pub spec: ExportSpec,
    pub rows: u64,
    pub files: Vec<FileEntry>,
    pub columns: Vec<ColumnEntry>,
    pub label_distribution: LabelDistribution,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebalance: Option<RebalanceReport>,
}

/// A column's name and type, as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnEntry {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub nullable: bool,
}

/// The columns of a schema for the manifest.
pub fn column_entries(schema: &Schema) -> Vec<ColumnEntry> {
    schema
        .columns
        .iter()
        .map(|column| ColumnEntry {
            name: column.name.into(),
            kind: match column.kind {
                Kind::Int => "integer".into(),
                Kind::Float => "float".into(),
                Kind::Bool => "boolean".into(),
                Kind::Text => "string".into(),
                Kind::Json => "json".into(),
                Kind::Time => "timestamp".into(),
                Kind::Labels => format!("labels({})", schema.criteria.join(", ")),
                Kind::Messages => "messages".into(),
                Kind::Ranked => "ranked_outputs".into(),
            },
            nullable: column.nullable,
        })
        .collect()
}

/// Counts over the items whose verdicts made it into the files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LabelDistribution {
    pub items: u64,
    pub qualified: u64,
    pub not_qualified: u64,
    pub grades: BTreeMap<String, u64>,
    pub provenance: BTreeMap<String, u64>,
    /// criterion → label → items.
    pub criteria: BTreeMap<String, BTreeMap<String, u64>>,
    pub rubric_versions: BTreeSet<i32>,
}

impl LabelDistribution {
    pub fn add(&mut self, row: &VerdictRow) -> anyhow::Result<()> {
        self.items += 1;
        if row.qualified {
            self.qualified += 1;
        } else {
            self.not_qualified += 1;
        }
        *self.grades.entry(row.grade.clone()).or_default() += 1;
        *self.provenance.entry(row.provenance.clone()).or_default() += 1;
        let labels: BTreeMap<String, String> = serde_json::from_str(&row.labels)?;
        for (criterion, label) in labels {
            *self
                .criteria
                .entry(criterion)
                .or_default()
                .entry(label)
                .or_default() += 1;
        }
        self.rubric_versions.insert(row.rubric_version);
        Ok(())
    }
}
