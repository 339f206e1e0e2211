//! The manifest written beside every export's files and stored with the export: what was asked
//! (task, shape, format, filters), from which database state (`as_of`), what came out (files
//! with row counts and sha256, the label distribution, rubric versions) and with what (schema
//! version, cojudge version). Re-running a snapshot compares its files with these hashes.

use super::columns::{Kind, Schema};
use super::files::FileEntry;
use super::rebalance::RebalanceReport;
use app::db::export_source::Verdict;
use app::domain::ExportSpec;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// Counts items as they are written. Verdicts repeat a handful of label combinations, so each
/// distinct combination is counted as text and parsed once, at the end.
#[derive(Debug, Default)]
pub struct DistributionCounter {
    /// (qualified, grade, provenance, rubric version) → items; a few dozen at most.
    outcomes: Vec<((bool, String, String, i32), u64)>,
    labels: HashMap<String, u64>,
}

impl DistributionCounter {
    pub fn add(&mut self, row: &Verdict<'_>) {
        let same = |(qualified, grade, provenance, version): &(bool, String, String, i32)| {
            *qualified == row.qualified
                && grade == row.grade
                && provenance == row.provenance
                && *version == row.rubric_version
        };
        match self.outcomes.iter_mut().find(|(outcome, _)| same(outcome)) {
            Some((_, count)) => *count += 1,
            None => self.outcomes.push((
                (
                    row.qualified,
                    row.grade.to_string(),
                    row.provenance.to_string(),
                    row.rubric_version,
                ),
                1,
            )),
        }
        match self.labels.get_mut(row.labels) {
            Some(count) => *count += 1,
            None => {
                self.labels.insert(row.labels.to_string(), 1);
            }
        }
    }

    pub fn finish(self) -> anyhow::Result<LabelDistribution> {
        let mut distribution = LabelDistribution::default();
        for ((qualified, grade, provenance, rubric_version), count) in self.outcomes {
            distribution.items += count;
            if qualified {
                distribution.qualified += count;
            } else {
                distribution.not_qualified += count;
            }
            *distribution.grades.entry(grade).or_default() += count;
            *distribution.provenance.entry(provenance).or_default() += count;
            distribution.rubric_versions.insert(rubric_version);
        }
        for (text, count) in self.labels {
            let labels: BTreeMap<String, String> = serde_json::from_str(&text)?;
            for (criterion, label) in labels {
                *distribution
                    .criteria
                    .entry(criterion)
                    .or_default()
                    .entry(label)
                    .or_default() += count;
            }
        }
        Ok(distribution)
    }
}
