//! What a trainer asks to export: the dataset shape, the file format, the filters over final
//! verdicts, the train/validation split and, for judge training data, the rebalancing of RecGPT
//! (minority-class augmentation, recency-prioritised downsampling). The spec is stored with
//! every export, so re-running it against the same database state gives the same bytes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The layout of the rows, named after what trains on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ExportShape {
    /// One row per item with its final verdict and provenance.
    Verdicts,
    /// Qualified items only, as chat examples (generator input → output).
    Sft,
    /// (qualified, not qualified) output pairs for one context.
    Preference,
    /// The outputs for one context ranked S ≻ A ≻ B.
    Listwise,
    /// The judge's prompt → the human verdict as the judge's JSON answer.
    JudgeSft,
}

impl ExportShape {
    pub const ALL: [ExportShape; 5] = [
        ExportShape::Verdicts,
        ExportShape::Sft,
        ExportShape::Preference,
        ExportShape::Listwise,
        ExportShape::JudgeSft,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExportShape::Verdicts => "verdicts",
            ExportShape::Sft => "sft",
            ExportShape::Preference => "preference",
            ExportShape::Listwise => "listwise",
            ExportShape::JudgeSft => "judge-sft",
        }
    }

    /// One line for forms and help texts.
    pub fn describe(self) -> &'static str {
        match self {
            ExportShape::Verdicts => {
                "one row per item: context, output, final labels, grade, provenance"
            }
            ExportShape::Sft => "qualified items only, as chat messages (generator input → output)",
            ExportShape::Preference => {
                "chosen (qualified) and rejected (not qualified) outputs for one context"
            }
            ExportShape::Listwise => "the outputs for one context, ranked S ≻ A ≻ B",
            ExportShape::JudgeSft => "the judge's prompt → the human verdict as the judge's answer",
        }
    }

    /// Whether rows are made per context (several items each) rather than per item.
    pub fn groups_by_context(self) -> bool {
        matches!(self, ExportShape::Preference | ExportShape::Listwise)
    }
}

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Jsonl,
    Csv,
    Parquet,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 3] = [
        ExportFormat::Jsonl,
        ExportFormat::Csv,
        ExportFormat::Parquet,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Csv => "csv",
            ExportFormat::Parquet => "parquet",
        }
    }

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        self.as_str()
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "application/x-ndjson",
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Parquet => "application/vnd.apache.parquet",
        }
    }
}

/// Whose verdicts to include.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProvenanceFilter {
    /// Every final verdict.
    #[default]
    All,
    /// Decided by people: annotators or an adjudicator.
    Human,
    /// Auto-accepted judge verdicts only.
    Judge,
}

impl ProvenanceFilter {
    pub fn as_str(self) -> &'static str {
        match self {
            ProvenanceFilter::All => "all",
            ProvenanceFilter::Human => "human",
            ProvenanceFilter::Judge => "judge",
        }
    }
}

macro_rules! parse_by_name {
    ($type:ty, $all:expr, $what:literal) => {
        impl FromStr for $type {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                $all.into_iter()
                    .find(|value| value.as_str() == text)
                    .ok_or_else(|| {
                        let names: Vec<&str> = $all.iter().map(|v| v.as_str()).collect();
                        format!(
                            "unknown {} `{text}`: expected one of {}",
                            $what,
                            names.join(", ")
                        )
                    })
            }
        }
        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

parse_by_name!(ExportShape, ExportShape::ALL, "shape");
parse_by_name!(ExportFormat, ExportFormat::ALL, "format");
parse_by_name!(
    ProvenanceFilter,
    [
        ProvenanceFilter::All,
        ProvenanceFilter::Human,
        ProvenanceFilter::Judge
    ],
    "provenance"
);

/// Which final verdicts to export. Every filter is optional; times are the verdict's time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExportFilters {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub provenance: ProvenanceFilter,
    /// Items whose judge confidence is at least this (items never judged are left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(minimum = 0.0, maximum = 1.0))]
    pub min_judge_confidence: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(pattern = r"^[^\x00]*$"))]
    pub generator_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(pattern = r"^[^\x00]*$"))]
    pub batch: Option<String>,
    /// The rubric version the verdict was given under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(minimum = 1))]
    pub rubric_version: Option<i32>,
}

/// RecGPT's rebalancing of judge training data; the class is the overall verdict (qualified or
/// not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Rebalance {
    /// The share of the rarer class to reach, in (0, 0.5].
    #[cfg_attr(feature = "ssr", schema(exclusive_minimum = 0.0, maximum = 0.5))]
    pub target_minority_share: f64,
    /// Add human labels of the rare class from before `since`, newest first.
    #[serde(default)]
    pub augment_minority: bool,
    /// Keep a weighted sample of the majority class, the weight halving every
    /// `half_life_days` of age.
    #[serde(default)]
    pub downsample_majority: bool,
    #[serde(default = "Rebalance::default_half_life_days")]
    #[cfg_attr(feature = "ssr", schema(exclusive_minimum = 0.0))]
    pub half_life_days: f64,
    /// Seeds the downsampling draw: the same seed keeps the same items.
    #[serde(default)]
    pub seed: u64,
}

impl Rebalance {
    pub fn default_half_life_days() -> f64 {
        30.0
    }
}

/// Everything that decides an export's bytes, apart from the database state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExportSpec {
    /// The task's name.
    #[cfg_attr(feature = "ssr", schema(pattern = r"^[a-z][a-z0-9_-]{0,62}$"))]
    pub task: String,
    pub shape: ExportShape,
    pub format: ExportFormat,
    #[serde(default)]
    pub filters: ExportFilters,
    /// The share of items (or contexts, for grouped shapes) put in a validation file, chosen by
    /// a hash of the item's external id (or the context), so an item keeps its side across
    /// exports. 0 writes one file.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 0.0, maximum = 0.5))]
    pub validation_fraction: f64,
    /// Preference shape: at most this many pairs per context (all by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(minimum = 1))]
    pub max_pairs_per_context: Option<u32>,
    /// Judge-sft shape only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebalance: Option<Rebalance>,
}

/// One problem with a spec, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SpecError {
    pub field: &'static str,
    pub message: String,
}

impl ExportSpec {
    /// Every problem with the spec; empty when it can run.
    pub fn validate(&self) -> Result<(), Vec<SpecError>> {
        let mut errors = Vec::new();
        let mut push =
            |field: &'static str, message: String| errors.push(SpecError { field, message });
        if !(0.0..=0.5).contains(&self.validation_fraction) {
            push(
                "validation_fraction",
                format!(
                    "must be between 0 and 0.5, not {}",
                    self.validation_fraction
                ),
            );
        }
        if let (Some(since), Some(until)) = (self.filters.since, self.filters.until) {
            if since >= until {
                push("filters.until", "must be after `since`".into());
            }
        }
        if let Some(confidence) = self.filters.min_judge_confidence {
            if !(0.0..=1.0).contains(&confidence) {
                push(
                    "filters.min_judge_confidence",
                    format!("must be between 0 and 1, not {confidence}"),
                );
            }
        }
        if matches!(self.filters.rubric_version, Some(version) if version < 1) {
            push("filters.rubric_version", "must be 1 or more".into());
        }
        if self.max_pairs_per_context == Some(0) {
            push("max_pairs_per_context", "must be 1 or more".into());
        }
        if self.max_pairs_per_context.is_some() && self.shape != ExportShape::Preference {
            push(
                "max_pairs_per_context",
                "applies to the preference shape only".into(),
            );
        }
        if self.shape == ExportShape::JudgeSft && self.filters.provenance == ProvenanceFilter::Judge
        {
            push(
                "filters.provenance",
                "judge-sft learns from human verdicts; `judge` leaves nothing to learn from".into(),
            );
        }
        if let Some(rebalance) = &self.rebalance {
            if self.shape != ExportShape::JudgeSft {
                push("rebalance", "applies to the judge-sft shape only".into());
            }
            let share = rebalance.target_minority_share;
            if !(share > 0.0 && share <= 0.5) {
                push(
                    "rebalance.target_minority_share",
                    format!("must be above 0 and at most 0.5, not {share}"),
                );
            }
            if !(rebalance.half_life_days > 0.0 && rebalance.half_life_days.is_finite()) {
                push(
                    "rebalance.half_life_days",
                    format!("must be above 0, not {}", rebalance.half_life_days),
                );
            }
            if !rebalance.augment_minority && !rebalance.downsample_majority {
                push(
                    "rebalance",
                    "choose minority augmentation, majority downsampling or both".into(),
                );
            }
            if rebalance.augment_minority && self.filters.since.is_none() {
                push(
                    "rebalance.augment_minority",
                    "adds labels from before `since`: set filters.since".into(),
                );
            }
        }
        // Names are stored as text in PostgreSQL, which cannot hold U+0000: no task, generator
        // version or batch is called that, and the database would refuse to look it up.
        for (field, name) in [
            ("task", Some(self.task.as_str())),
            (
                "filters.generator_version",
                self.filters.generator_version.as_deref(),
            ),
            ("filters.batch", self.filters.batch.as_deref()),
        ] {
            if name.is_some_and(|name| name.contains('\0')) {
                push(field, "contains a NUL character (U+0000)".into());
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The base name of the data files, e.g. `interest-sft`.
    pub fn file_stem(&self) -> String {
        format!("{}-{}", self.task, self.shape)
    }
}

/// The version of the files' layout, in every manifest. Bump it when a column changes.
pub const EXPORT_SCHEMA_VERSION: u32 = 1;

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(shape: ExportShape) -> ExportSpec {
        ExportSpec {
            task: "interest".into(),
            shape,
            format: ExportFormat::Jsonl,
            filters: ExportFilters::default(),
            validation_fraction: 0.0,
            max_pairs_per_context: None,
            rebalance: None,
        }
    }

    #[test]
    fn names_parse_back() {
        for shape in ExportShape::ALL {
            assert_eq!(shape.as_str().parse::<ExportShape>(), Ok(shape));
            let json = serde_json::to_string(&shape).unwrap();
            assert_eq!(json, format!("\"{shape}\""));
        }
        for format in ExportFormat::ALL {
            assert_eq!(format.as_str().parse::<ExportFormat>(), Ok(format));
        }
        assert!("judge_sft"
            .parse::<ExportShape>()
            .unwrap_err()
            .contains("expected one of verdicts, sft, preference, listwise, judge-sft"));
    }

    #[test]
    fn a_plain_spec_is_valid() {
        assert_eq!(spec(ExportShape::Verdicts).validate(), Ok(()));
    }

    #[test]
    fn problems_name_their_field() {
        let mut bad = spec(ExportShape::Sft);
        bad.validation_fraction = 0.9;
        bad.max_pairs_per_context = Some(3);
        bad.filters.min_judge_confidence = Some(1.5);
        bad.rebalance = Some(Rebalance {
            target_minority_share: 0.7,
            augment_minority: true,
            downsample_majority: false,
            half_life_days: 30.0,
            seed: 1,
        });
        let fields: Vec<&str> = bad
            .validate()
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "validation_fraction",
                "filters.min_judge_confidence",
                "max_pairs_per_context",
                "rebalance",
                "rebalance.target_minority_share",
                "rebalance.augment_minority",
            ]
        );
    }

    #[test]
    fn names_with_a_nul_character_are_refused() {
        let mut bad = spec(ExportShape::Verdicts);
        bad.task = "inter\0est".into();
        bad.filters.generator_version = Some("v1\0".into());
        bad.filters.batch = Some("\0".into());
        let fields: Vec<&str> = bad
            .validate()
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["task", "filters.generator_version", "filters.batch"]
        );
    }

    #[test]
    fn judge_training_needs_human_verdicts() {
        let mut judge_only = spec(ExportShape::JudgeSft);
        judge_only.filters.provenance = ProvenanceFilter::Judge;
        assert_eq!(
            judge_only.validate().unwrap_err()[0].field,
            "filters.provenance"
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let error = serde_json::from_str::<ExportSpec>(
            r#"{"task":"tag","shape":"sft","format":"csv","filtres":{}}"#,
        )
        .unwrap_err();
        assert!(error.to_string().contains("filtres"), "{error}");
    }
}
