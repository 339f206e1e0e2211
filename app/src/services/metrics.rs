//! Turns the agreement counters of a task into [`TaskMetrics`]: confusion matrices and their
//! statistics per criterion, per configuration, generator version and week, and calibration
//! with a threshold recommendation. The statistics are `domain::agreement`'s.
//!
//! Every figure is computed from strata of reviewed items with a design weight each: on the
//! stream (the default), the counters' weights (1/π); on the unweighted samples, one stratum of
//! weight 1, which gives the plain counts, Wilson intervals and bootstrap.

use super::ServiceError;
use crate::db::{
    self,
    agreement::{CellRow, GoldenJudgment, PairedLabels},
};
use crate::domain::agreement::{
    self, BootstrapConfig, Cells, CoincidenceMatrix, ConfidenceBucket, ConfusionMatrix,
    KappaWeighting, MeasurementLevel, PairedOutcomes, Stratum, UnitKind, WeightedConfusion,
};
use crate::domain::{ScaleKind, TaskDefinition, Verdict};
use crate::views::metrics::{
    AnnotatorAgreement, AnnotatorFigures, AnnotatorPair, AnnotatorQuality, Calibration,
    CriterionAgreement, Estimate, EvaluationSummary, GoldenAgreement, JudgeConfigSummary,
    MetricsQuery, PairedEvaluation, Sample, SliceAgreement, TaskMetrics,
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
    let sample = query.sample;
    let configs = db::agreement::configs(pool, task_id, sample).await?;
    let totals = db::agreement::config_totals(pool, task_id, sample).await?;
    let judge_configs: Vec<JudgeConfigSummary> = configs
        .iter()
        .map(|config| {
            let rows: Vec<_> = totals
                .iter()
                .filter(|row| row.judge_config_id == config.id)
                .collect();
            JudgeConfigSummary {
                id: config.id,
                model: config.model.clone(),
                prompt_version: config.prompt_version.clone(),
                mode: config.mode.clone(),
                confidence_method: config.confidence_method.clone(),
                pairs: rows.iter().map(|row| row.pairs.max(0) as u64).sum(),
                accuracy: share(rows.iter().map(|row| {
                    (
                        weight(sample, row.stream_weight),
                        row.pairs.max(0) as u64,
                        row.agreed.max(0) as u64,
                    )
                })),
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
    let (cells, buckets, golden) = match &chosen {
        Some(config) => (
            db::agreement::cells(pool, task_id, config.id, sample).await?,
            db::agreement::calibration(pool, task_id, config.id, sample).await?,
            db::agreement::golden_judgments(pool, task_id, config.id).await?,
        ),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let buckets: Vec<ConfidenceBucket> = buckets
        .iter()
        .filter(|row| row.bucket >= 0)
        .map(|row| {
            ConfidenceBucket::weighted(
                f64::from(row.bucket) / 100.0,
                row.pairs.max(0) as u64,
                row.agreed.max(0) as u64,
                weight(sample, row.stream_weight),
            )
        })
        .collect();
    Ok(TaskMetrics {
        task: task.to_string(),
        rubric_version,
        sample: query.sample,
        judge_config: chosen,
        judge_configs,
        overall: overall_agreement(sample, counted(&cells, sample, "")),
        criteria: definition
            .criteria
            .iter()
            .map(|criterion| {
                let name = criterion.name.as_str();
                criterion_agreement(&definition, name, sample, counted(&cells, sample, name))
            })
            .collect(),
        golden: golden_agreement(&golden, &definition),
        by_generator_version: slices(&cells, sample, |cell| {
            if cell.generator_version.is_empty() {
                "(none)".to_string()
            } else {
                cell.generator_version.clone()
            }
        }),
        by_week: slices(&cells, sample, |cell| cell.week.to_string()),
        calibration: Calibration {
            sample,
            reliability: agreement::reliability_diagram(&buckets, RELIABILITY_BINS),
            risk_coverage: agreement::risk_coverage_curve(&buckets),
            target_agreement: query.target_agreement,
            recommendation: agreement::recommend_threshold(&buckets, query.target_agreement),
            current_threshold: definition.routing.confidence_threshold,
        },
        annotators: annotator_agreement(pool, task_id, &definition).await?,
        evaluations: evaluations_with_comparisons(pool, task_id, &definition).await?,
    })
}

/// Evaluations compared with their task's judge on exactly the same items, the most recent ones.
const PAIRED_EVALUATIONS: usize = 5;

/// The task's candidate judges, the most recent compared with the judge they were tried against.
async fn evaluations_with_comparisons(
    pool: &PgPool,
    task_id: i64,
    definition: &TaskDefinition,
) -> Result<Vec<EvaluationSummary>, ServiceError> {
    let mut evaluations = db::agreement::evaluations(pool, task_id).await?;
    for evaluation in evaluations.iter_mut().take(PAIRED_EVALUATIONS) {
        if let Some(current) = evaluation.baseline_config {
            evaluation.paired =
                paired_evaluation(pool, task_id, definition, current, evaluation.judge_config)
                    .await?;
        }
    }
    Ok(evaluations)
}

/// `candidate` and `current` on the reviewed items of the stream both judged: each one's
/// Table 9 on that set (unweighted: the same items for both), and the paired difference on the
/// overall verdict with the exact McNemar test; `None` when they share no item.
pub async fn paired_evaluation(
    pool: &PgPool,
    task_id: i64,
    definition: &TaskDefinition,
    current: i64,
    candidate: i64,
) -> Result<Option<PairedEvaluation>, ServiceError> {
    let rows = db::agreement::paired_labels(pool, task_id, current, candidate).await?;
    let mut outcomes = PairedOutcomes::default();
    for row in rows.iter().filter(|row| row.criterion.is_empty()) {
        outcomes.add(
            row.human == row.current,
            row.human == row.candidate,
            row.items.max(0) as u64,
        );
    }
    let Some(comparison) = agreement::compare_paired(outcomes) else {
        return Ok(None);
    };
    let judge_rows = |judge: fn(&PairedLabels) -> &str| {
        std::iter::once(overall_agreement(
            Sample::Unbiased,
            paired_counts(&rows, "", judge),
        ))
        .chain(definition.criteria.iter().map(|criterion| {
            let name = criterion.name.as_str();
            criterion_agreement(
                definition,
                name,
                Sample::Unbiased,
                paired_counts(&rows, name, judge),
            )
        }))
        .collect()
    };
    Ok(Some(PairedEvaluation {
        current: judge_rows(|row| &row.current),
        candidate: judge_rows(|row| &row.candidate),
        comparison,
    }))
}

/// One judge's side of `rows` on `criterion`, as label counts.
fn paired_counts<'a>(
    rows: &'a [PairedLabels],
    criterion: &'a str,
    judge: fn(&PairedLabels) -> &str,
) -> impl Iterator<Item = LabelCount<'a>> {
    rows.iter()
        .filter(move |row| row.criterion == criterion)
        .map(move |row| LabelCount {
            human: &row.human,
            judge: judge(row),
            weight: 1.0,
            count: row.items.max(0) as u64,
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

/// A counter's design weight in `sample`: its own on the stream, 1 in the unweighted samples.
fn weight(sample: Sample, stream_weight: f64) -> f64 {
    match sample {
        Sample::Stream => stream_weight,
        Sample::Unbiased | Sample::AllReviewed => 1.0,
    }
}

/// How often the reference (people, or a golden item's known label) said `human` and the judge
/// `judge`, among items of one design weight.
struct LabelCount<'a> {
    human: &'a str,
    judge: &'a str,
    weight: f64,
    count: u64,
}

impl<'a> LabelCount<'a> {
    /// One item, unweighted.
    fn one(human: &'a str, judge: &'a str) -> Self {
        LabelCount {
            human,
            judge,
            weight: 1.0,
            count: 1,
        }
    }
}

/// The counters of `criterion` (`""` for the overall verdict) as label counts in `sample`.
fn counted<'a>(
    cells: &'a [CellRow],
    sample: Sample,
    criterion: &'a str,
) -> impl Iterator<Item = LabelCount<'a>> {
    cells
        .iter()
        .filter(move |cell| cell.criterion == criterion)
        .map(move |cell| LabelCount {
            human: &cell.human_label,
            judge: &cell.judge_label,
            weight: weight(sample, cell.stream_weight),
            count: cell.pairs.max(0) as u64,
        })
}

/// Agreement on the overall verdict (qualified or not).
fn overall_agreement<'a>(
    sample: Sample,
    counts: impl Iterator<Item = LabelCount<'a>>,
) -> CriterionAgreement {
    let labels: Vec<String> = OVERALL_LABELS.iter().map(|l| l.to_string()).collect();
    compare(None, &labels, &[true, false], sample, counts)
}

/// Agreement on one criterion, on the task's scale.
fn criterion_agreement<'a>(
    definition: &TaskDefinition,
    criterion: &str,
    sample: Sample,
    counts: impl Iterator<Item = LabelCount<'a>>,
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
        sample,
        counts,
    )
}

/// The judge against the known labels of the golden items it judged, per criterion and on the
/// overall verdict (qualified iff every known label passes); `None` without golden items.
fn golden_agreement(
    judged: &[GoldenJudgment],
    definition: &TaskDefinition,
) -> Option<GoldenAgreement> {
    if judged.is_empty() {
        return None;
    }
    let label = |value: &serde_json::Value| value.as_str().map(str::to_string);
    let truth: Vec<BTreeMap<String, String>> = judged
        .iter()
        .map(|item| {
            item.golden
                .as_object()
                .map(|labels| {
                    labels
                        .iter()
                        .filter_map(|(criterion, value)| Some((criterion.clone(), label(value)?)))
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let pass_fail = |qualified: bool| OVERALL_LABELS[usize::from(!qualified)];
    let overall: Vec<(&str, &str)> = judged
        .iter()
        .zip(&truth)
        .filter_map(|(item, truth)| {
            let verdict = Verdict::from_labels(definition, truth).ok()?;
            Some((
                pass_fail(verdict.qualified),
                pass_fail(item.judge_qualified),
            ))
        })
        .collect();
    Some(GoldenAgreement {
        overall: overall_agreement(
            Sample::Unbiased,
            overall.iter().map(|&(h, j)| LabelCount::one(h, j)),
        ),
        criteria: definition
            .criteria
            .iter()
            .map(|criterion| {
                let name = criterion.name.as_str();
                let pairs: Vec<(String, String)> = judged
                    .iter()
                    .zip(&truth)
                    .filter_map(|(item, truth)| {
                        let judge = item.judge.get(name)?.get("label").and_then(label)?;
                        Some((truth.get(name)?.clone(), judge))
                    })
                    .collect();
                criterion_agreement(
                    definition,
                    name,
                    Sample::Unbiased,
                    pairs.iter().map(|(h, j)| LabelCount::one(h, j)),
                )
            })
            .collect(),
    })
}

/// Strata of `counts` by design weight, over `labels` and, in the binary view, pass (0) or not
/// (1). Labels outside the scale (from an older rubric) are left out.
fn strata<'a>(
    labels: &[String],
    passes: &[bool],
    counts: impl Iterator<Item = LabelCount<'a>>,
) -> (Vec<Stratum>, Vec<Stratum>) {
    let index = |label: &str| labels.iter().position(|l| l == label);
    let side = |label: usize| if passes[label] { 0 } else { 1 };
    let (mut full, mut binary): (Vec<Stratum>, Vec<Stratum>) = (Vec::new(), Vec::new());
    for LabelCount {
        human,
        judge,
        weight,
        count,
    } in counts
    {
        let (Some(human), Some(judge)) = (index(human), index(judge)) else {
            continue;
        };
        let position = match full.iter().position(|s| s.weight == weight) {
            Some(position) => position,
            None => {
                full.push(Stratum {
                    weight,
                    matrix: ConfusionMatrix::new(labels.len()),
                });
                binary.push(Stratum {
                    weight,
                    matrix: ConfusionMatrix::new(2),
                });
                full.len() - 1
            }
        };
        full[position]
            .matrix
            .add(human, judge, count)
            .expect("indexes come from labels");
        binary[position]
            .matrix
            .add(side(human), side(judge), count)
            .expect("0 or 1");
    }
    (full, binary)
}

/// The confusion table of `counts` over `labels` and its statistics. Precision, recall and F1
/// take the passing labels together as the positive class; accuracy and κ use every label.
fn compare<'a>(
    criterion: Option<String>,
    labels: &[String],
    passes: &[bool],
    sample: Sample,
    counts: impl Iterator<Item = LabelCount<'a>>,
) -> CriterionAgreement {
    let (full, binary) = strata(labels, passes, counts);
    let table = WeightedConfusion::of(labels.len(), &full);
    let pairs: u64 = full.iter().map(|s| s.matrix.total()).sum();
    let confusion = (0..labels.len())
        .map(|human| {
            (0..labels.len())
                .map(|judge| table.cell(human, judge))
                .collect()
        })
        .collect();
    let stream = sample == Sample::Stream && pairs > 0;
    let weighted = |among: fn(usize, usize) -> bool, success: fn(usize, usize) -> bool, of| {
        agreement::weighted_proportion(of, among, success).map(|p| Estimate {
            value: p.value,
            interval: p.interval,
        })
    };
    let bootstrap = |strata: &[Stratum], statistic: &dyn Fn(&WeightedConfusion) -> Option<f64>| {
        agreement::stratified_bootstrap(strata, BOOTSTRAP, statistic)
            .map(|b| Estimate {
                value: b.estimate,
                interval: Some(b.interval),
            })
            .or_else(|| {
                let classes = strata.first()?.matrix.classes();
                point(statistic(&WeightedConfusion::of(classes, strata)))
            })
    };
    CriterionAgreement {
        criterion,
        pairs,
        labels: labels.to_vec(),
        confusion,
        stream_items: stream.then(|| table.cells_total()),
        effective_sample_size: stream.then(|| agreement::effective_sample_size(&full, |_, _| true)),
        accuracy: weighted(|_, _| true, |h, j| h == j, &full),
        precision: weighted(|_, j| j == 0, |h, _| h == 0, &binary),
        recall: weighted(|h, _| h == 0, |_, j| j == 0, &binary),
        f1: bootstrap(&binary, &|t| agreement::f1_score(t, 0)),
        kappa: bootstrap(&full, &|t| {
            agreement::cohen_kappa(t, KappaWeighting::Unweighted)
        }),
    }
}

/// Overall-verdict agreement per slice, in slice order.
fn slices(
    cells: &[CellRow],
    sample: Sample,
    slice_of: impl Fn(&CellRow) -> String,
) -> Vec<SliceAgreement> {
    // slice → (weight, pairs, agreed) per design weight
    let mut by_slice: BTreeMap<String, Vec<(f64, u64, u64)>> = BTreeMap::new();
    for cell in cells.iter().filter(|c| c.criterion.is_empty()) {
        let groups = by_slice.entry(slice_of(cell)).or_default();
        let weight = weight(sample, cell.stream_weight);
        let position = match groups.iter().position(|g| g.0 == weight) {
            Some(position) => position,
            None => {
                groups.push((weight, 0, 0));
                groups.len() - 1
            }
        };
        let count = cell.pairs.max(0) as u64;
        groups[position].1 += count;
        if cell.human_label == cell.judge_label {
            groups[position].2 += count;
        }
    }
    by_slice
        .into_iter()
        .map(|(slice, groups)| SliceAgreement {
            slice,
            pairs: groups.iter().map(|g| g.1).sum(),
            accuracy: share(groups),
        })
        .collect()
}

/// A weighted share of `(weight, items, successes)` groups with its Wilson interval at the
/// effective sample size; `None` when nothing was counted.
fn share(groups: impl IntoIterator<Item = (f64, u64, u64)>) -> Option<Estimate> {
    agreement::weighted_share(groups).map(|p| Estimate {
        value: p.value,
        interval: p.interval,
    })
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
