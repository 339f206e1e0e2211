//! Turns the agreement counters of a task into [`TaskMetrics`]: confusion matrices and their
//! statistics per criterion, per configuration, generator version and week, and calibration
//! with a threshold recommendation. The statistics are `domain::agreement`'s.

use super::ServiceError;
use crate::db::{self, agreement::CellRow};
use crate::domain::agreement::{
    self, BootstrapConfig, CoincidenceMatrix, ConfidenceBucket, ConfusionMatrix, KappaWeighting,
    MeasurementLevel, UnitKind,
};
use crate::domain::{ScaleKind, TaskDefinition};
use crate::views::metrics::{
    AnnotatorAgreement, AnnotatorFigures, AnnotatorPair, AnnotatorQuality, Calibration,
    CriterionAgreement, Estimate, JudgeConfigSummary, MetricsQuery, Sample, SliceAgreement,
    TaskMetrics,
};
use sqlx::PgPool;
use std::collections::BTreeMap;

/// Resamples for the bootstrap intervals of κ and F1; seeded, so a page shows the same interval
/// for the same counts.
const BOOTSTRAP: BootstrapConfig = BootstrapConfig {
    resamples: 1000,
    seed: 20_251_126,
};

/// Equal-width bins of the reliability diagram.
const RELIABILITY_BINS: usize = 10;

/// The labels of the overall verdict.
const OVERALL_LABELS: [&str; 2] = ["pass", "fail"];

/// Everything measured about `task`'s judge, from the counters.
pub async fn task_metrics(
    pool: &PgPool,
    task: &str,
    query: &MetricsQuery,
) -> Result<TaskMetrics, ServiceError> {
    if !(0.0..=1.0).contains(&query.target_agreement) {
        return Err(ServiceError::Invalid(
            "target_agreement must be between 0 and 1".into(),
        ));
    }
    let (task_id, rubric_version, definition) = db::tasks::current_definition(pool, task)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("Task `{task}`")))?;
    let unbiased_only = query.sample == Sample::Unbiased;
    let configs = db::agreement::configs(pool, task_id, unbiased_only).await?;
    let totals = db::agreement::config_totals(pool, task_id, unbiased_only).await?;
    let judge_configs: Vec<JudgeConfigSummary> = configs
        .iter()
        .map(|config| {
            let (pairs, agreed) = totals
                .iter()
                .find(|(id, _, _)| *id == config.id)
                .map_or((0, 0), |(_, pairs, agreed)| (*pairs, *agreed));
            JudgeConfigSummary {
                id: config.id,
                model: config.model.clone(),
                prompt_version: config.prompt_version.clone(),
                mode: config.mode.clone(),
                confidence_method: config.confidence_method.clone(),
                pairs: pairs.max(0) as u64,
                accuracy: proportion(agreed.max(0) as u64, pairs.max(0) as u64),
            }
        })
        .collect();
    let chosen = match query.judge_config {
        Some(id) => Some(
            judge_configs
                .iter()
                .find(|config| config.id == id)
                .cloned()
                .ok_or_else(|| {
                    ServiceError::NotFound(format!("Judge configuration {id} with reviewed items"))
                })?,
        ),
        None => judge_configs.first().cloned(),
    };
    let (cells, buckets) = match &chosen {
        Some(config) => (
            db::agreement::cells(pool, task_id, config.id, unbiased_only).await?,
            db::agreement::calibration(pool, task_id, config.id, unbiased_only).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let buckets: Vec<ConfidenceBucket> = buckets
        .iter()
        .filter(|row| row.bucket >= 0)
        .map(|row| {
            ConfidenceBucket::new(
                f64::from(row.bucket) / 100.0,
                row.pairs.max(0) as u64,
                row.agreed.max(0) as u64,
            )
        })
        .collect();
    Ok(TaskMetrics {
        task: task.to_string(),
        rubric_version,
        sample: query.sample,
        judge_config: chosen,
        judge_configs,
        overall: overall_agreement(&cells),
        criteria: definition
            .criteria
            .iter()
            .map(|criterion| criterion_agreement(&cells, &definition, &criterion.name))
            .collect(),
        by_generator_version: slices(&cells, |cell| {
            if cell.generator_version.is_empty() {
                "(none)".to_string()
            } else {
                cell.generator_version.clone()
            }
        }),
        by_week: slices(&cells, |cell| cell.week.to_string()),
        calibration: Calibration {
            reliability: agreement::reliability_diagram(&buckets, RELIABILITY_BINS),
            risk_coverage: agreement::risk_coverage_curve(&buckets),
            target_agreement: query.target_agreement,
            recommendation: agreement::recommend_threshold(&buckets, query.target_agreement),
            current_threshold: definition.routing.confidence_threshold,
        },
        annotators: annotator_agreement(pool, task_id, &definition).await?,
        evaluations: db::agreement::evaluations(pool, task_id).await?,
    })
}

/// Krippendorff's α per criterion from the annotator pair counters, with a bootstrap interval
/// over items.
async fn annotator_agreement(
    pool: &PgPool,
    task_id: i64,
    definition: &TaskDefinition,
) -> Result<Vec<AnnotatorAgreement>, sqlx::Error> {
    let pairs = db::agreement::annotator_pairs(pool, task_id).await?;
    let unit_kinds = db::agreement::annotator_unit_kinds(pool, task_id).await?;
    let labels: Vec<&str> = definition
        .scale
        .labels
        .iter()
        .map(|l| l.value.as_str())
        .collect();
    let index = |label: &str| labels.iter().position(|l| *l == label);
    let level = match definition.scale.kind {
        ScaleKind::Binary => MeasurementLevel::Nominal,
        ScaleKind::Graded => MeasurementLevel::Ordinal,
    };
    Ok(definition
        .criteria
        .iter()
        .map(|criterion| {
            let cells = pairs
                .iter()
                .filter(|p| p.0 == criterion.name)
                .filter_map(|p| {
                    Some((
                        p.1.max(0) as u64,
                        index(&p.2)?,
                        index(&p.3)?,
                        p.4.max(0) as u64,
                    ))
                });
            let alpha = CoincidenceMatrix::from_pair_counts(labels.len(), cells)
                .ok()
                .and_then(|matrix| matrix.alpha(level));
            let kinds: Vec<UnitKind> = unit_kinds
                .iter()
                .filter(|(name, _, _)| *name == criterion.name)
                .map(|(_, counts, units)| UnitKind {
                    counts: labels
                        .iter()
                        .map(|label| counts.get(*label).copied().unwrap_or(0))
                        .collect(),
                    units: u64::try_from(*units).unwrap_or(0),
                })
                .collect();
            let alpha_interval = alpha.and_then(|_| {
                agreement::bootstrap_krippendorff_alpha(labels.len(), &kinds, level, BOOTSTRAP)
                    .map(|b| b.interval)
            });
            AnnotatorAgreement {
                criterion: criterion.name.clone(),
                items: kinds.iter().map(|kind| kind.units).sum(),
                alpha,
                alpha_interval,
                level,
            }
        })
        .collect())
}

/// Agreement on the overall verdict (qualified or not).
fn overall_agreement(cells: &[CellRow]) -> CriterionAgreement {
    let labels: Vec<String> = OVERALL_LABELS.iter().map(|l| l.to_string()).collect();
    compare(
        None,
        &labels,
        &[true, false],
        cells.iter().filter(|c| c.criterion.is_empty()),
    )
}

/// Agreement on one criterion, on the task's scale.
fn criterion_agreement(
    cells: &[CellRow],
    definition: &TaskDefinition,
    criterion: &str,
) -> CriterionAgreement {
    let labels: Vec<String> = definition
        .scale
        .labels
        .iter()
        .map(|l| l.value.clone())
        .collect();
    let passes: Vec<bool> = definition.scale.labels.iter().map(|l| l.passes).collect();
    compare(
        Some(criterion.to_string()),
        &labels,
        &passes,
        cells.iter().filter(|c| c.criterion == criterion),
    )
}

/// The confusion matrix of `cells` over `labels` and its statistics. Precision, recall and F1
/// take the passing labels together as the positive class; accuracy and κ use every label.
/// Labels outside the scale (from an older rubric) are left out.
fn compare<'a>(
    criterion: Option<String>,
    labels: &[String],
    passes: &[bool],
    cells: impl Iterator<Item = &'a CellRow>,
) -> CriterionAgreement {
    let index = |label: &str| labels.iter().position(|l| l == label);
    let mut matrix = ConfusionMatrix::new(labels.len());
    let mut binary = ConfusionMatrix::new(2);
    for cell in cells {
        let (Some(human), Some(judge)) = (index(&cell.human_label), index(&cell.judge_label))
        else {
            continue;
        };
        let count = cell.pairs.max(0) as u64;
        let side = |label: usize| if passes[label] { 0 } else { 1 };
        matrix
            .add(human, judge, count)
            .expect("indexes come from labels");
        binary.add(side(human), side(judge), count).expect("0 or 1");
    }
    let (tp, fp, fn_) = (binary.count(0, 0), binary.count(1, 0), binary.count(0, 1));
    let confusion = (0..labels.len())
        .map(|human| {
            (0..labels.len())
                .map(|judge| matrix.count(human, judge))
                .collect()
        })
        .collect();
    CriterionAgreement {
        criterion,
        pairs: matrix.total(),
        labels: labels.to_vec(),
        confusion,
        accuracy: proportion(matrix.agreements(), matrix.total()),
        precision: proportion(tp, tp + fp),
        recall: proportion(tp, tp + fn_),
        f1: agreement::bootstrap_f1(&binary, 0, BOOTSTRAP)
            .map(|b| Estimate {
                value: b.estimate,
                interval: Some(b.interval),
            })
            .or_else(|| point(agreement::f1_score(&binary, 0))),
        kappa: agreement::bootstrap_cohen_kappa(&matrix, KappaWeighting::Unweighted, BOOTSTRAP)
            .map(|b| Estimate {
                value: b.estimate,
                interval: Some(b.interval),
            })
            .or_else(|| point(agreement::cohen_kappa(&matrix, KappaWeighting::Unweighted))),
    }
}

/// Overall-verdict agreement per slice, in slice order.
fn slices(cells: &[CellRow], slice_of: impl Fn(&CellRow) -> String) -> Vec<SliceAgreement> {
    let mut by_slice: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for cell in cells.iter().filter(|c| c.criterion.is_empty()) {
        let entry = by_slice.entry(slice_of(cell)).or_default();
        let count = cell.pairs.max(0) as u64;
        entry.0 += count;
        if cell.human_label == cell.judge_label {
            entry.1 += count;
        }
    }
    by_slice
        .into_iter()
        .map(|(slice, (pairs, agreed))| SliceAgreement {
            slice,
            pairs,
            accuracy: proportion(agreed, pairs),
        })
        .collect()
}

/// A proportion with its Wilson interval; `None` when nothing was counted.
pub fn proportion(successes: u64, n: u64) -> Option<Estimate> {
    (n > 0).then(|| Estimate {
        value: successes as f64 / n as f64,
        interval: agreement::wilson_interval(successes, n),
    })
}

fn point(value: Option<f64>) -> Option<Estimate> {
    value.map(|value| Estimate {
        value,
        interval: None,
    })
}

/// Per-annotator quality and pairwise κ on `task` (see [`AnnotatorFigures`]).
pub async fn annotator_figures(
    pool: &PgPool,
    task: &str,
) -> Result<AnnotatorFigures, ServiceError> {
    let (task_id, _, _) = db::tasks::current_definition(pool, task)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("Task `{task}`")))?;
    let counts = db::annotators::counts(pool, task_id).await?;
    let name_of: std::collections::HashMap<i64, String> =
        counts.iter().map(|c| (c.user_id, c.name.clone())).collect();
    let annotators = counts
        .iter()
        .map(|c| AnnotatorQuality {
            name: c.name.clone(),
            answers: c.answers as u64,
            golden_labels: c.golden_labels as u64,
            golden_accuracy: proportion(c.golden_matched as u64, c.golden_labels as u64),
            verdicts_compared: c.verdicts_compared as u64,
            verdict_agreement: proportion(c.verdicts_matched as u64, c.verdicts_compared as u64),
        })
        .collect();
    let labels: Vec<agreement::AnnotatorLabel> = db::annotators::shared_answers(pool, task_id)
        .await?
        .into_iter()
        .map(|(user, item, qualified)| agreement::AnnotatorLabel {
            item_id: item as u64,
            annotator: user as u32,
            label: usize::from(!qualified),
        })
        .collect();
    let pairs = agreement::pairwise_cohen_kappa(&labels, 2, KappaWeighting::Unweighted, 1)
        .map_err(|error| ServiceError::Internal(format!("pairwise kappa: {error}")))?
        .into_iter()
        .map(|pair| AnnotatorPair {
            first: name_of
                .get(&i64::from(pair.annotator_a))
                .cloned()
                .unwrap_or_default(),
            second: name_of
                .get(&i64::from(pair.annotator_b))
                .cloned()
                .unwrap_or_default(),
            shared_items: pair.shared_items,
            kappa: pair.kappa,
        })
        .collect();
    Ok(AnnotatorFigures { annotators, pairs })
}
