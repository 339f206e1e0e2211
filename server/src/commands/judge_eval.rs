//! `cojudge judge eval`: runs a candidate judge on the reviewed audit and golden items and prints
//! its agreement with humans beside the current judge's, in RecGPT's Table 9 format.

use crate::database::Database;
use crate::judge::assess::Assessor;
use crate::judge::evaluate::{evaluate, Candidate, EvalReport};
use crate::judge::JudgeArgs;
use anyhow::Context;
use app::domain::{ConfidenceMethod, JudgeMode, PromptOverrides};
use app::views::metrics::{CriterionAgreement, Estimate, MetricsQuery, Sample, TaskMetrics};
use std::path::Path;

/// What `cojudge judge eval` was asked.
pub struct EvalArgs {
    pub task: String,
    pub model: Option<String>,
    pub mode: Option<String>,
    pub confidence: Option<String>,
    pub samples: Option<u32>,
    pub prompt: Option<std::path::PathBuf>,
    pub limit: i64,
}

pub async fn run(db: &Database, judge: &JudgeArgs, args: EvalArgs) -> anyhow::Result<()> {
    let settings = judge.settings()?;
    let assessor = Assessor::connect(&settings)?
        .context("no judge endpoint is configured: set OPENAI_BASE_URL (and OPENAI_API_KEY)")?;
    let candidate = Candidate {
        model: args.model,
        mode: args
            .mode
            .as_deref()
            .map(parse_setting::<JudgeMode>)
            .transpose()?,
        confidence: args
            .confidence
            .as_deref()
            .map(parse_setting::<ConfidenceMethod>)
            .transpose()?,
        samples: args.samples,
        prompts: args.prompt.as_deref().map(read_prompts).transpose()?,
    };
    let report = evaluate(
        &db.pool,
        &assessor,
        settings.prices,
        &args.task,
        &candidate,
        args.limit,
        settings.concurrency,
    )
    .await?;
    let figures = |config: i64| {
        let query = MetricsQuery {
            sample: Sample::Unbiased,
            judge_config: Some(config),
            ..MetricsQuery::default()
        };
        let (pool, task) = (db.pool.clone(), args.task.clone());
        async move { app::services::metrics::task_metrics(&pool, &task, &query).await }
    };
    let candidate_figures = figures(report.candidate_config)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let baseline_figures = match report.baseline_config {
        Some(config) => figures(config).await.ok(),
        None => None,
    };
    print!(
        "{}",
        table(&report, baseline_figures.as_ref(), &candidate_figures)
    );
    Ok(())
}

/// `single` → `JudgeMode::Single`, naming the accepted values when it is none of them.
fn parse_setting<T: serde::de::DeserializeOwned>(text: &str) -> anyhow::Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|error| anyhow::anyhow!("`{text}`: {error}"))
}

/// A prompt file: `system` and/or `user` templates, checked for unknown placeholders.
fn read_prompts(path: &Path) -> anyhow::Result<PromptOverrides> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the prompt file {}", path.display()))?;
    let prompts: PromptOverrides =
        toml::from_str(&text).with_context(|| format!("{}: not a prompt file", path.display()))?;
    let problems = super::task::parse::prompt_problems(&prompts);
    anyhow::ensure!(
        problems.is_empty(),
        "{}: {}",
        path.display(),
        problems.join("; ")
    );
    Ok(prompts)
}

/// Table 9: accuracy, precision, recall and F1 per criterion, the current judge above the
/// candidate.
fn table(report: &EvalReport, baseline: Option<&TaskMetrics>, candidate: &TaskMetrics) -> String {
    let mut out = format!(
        "Evaluation {} on `{}`: {} items judged by the candidate in this run ({} unreadable or failed).\n\
         Agreement with the final human verdicts on audit and golden items; pass is the positive class.\n\n",
        report.evaluation_id, candidate.task, report.judged, report.errors
    );
    out += &format!(
        "{:<16} {:<46} {:>6} {:>9} {:>9} {:>9} {:>9}\n",
        "criterion", "judge", "items", "accuracy", "precision", "recall", "F1"
    );
    let rows = |metrics: &TaskMetrics| -> Vec<CriterionAgreement> {
        std::iter::once(metrics.overall.clone())
            .chain(metrics.criteria.iter().cloned())
            .collect()
    };
    let name = |metrics: &TaskMetrics, role: &str| {
        metrics.judge_config.as_ref().map_or_else(
            || format!("{role} (none)"),
            |c| format!("{role} {} {}", c.model, c.mode),
        )
    };
    let candidate_rows = rows(candidate);
    let baseline_rows = baseline.map(rows);
    for (index, row) in candidate_rows.iter().enumerate() {
        let criterion = row.criterion.clone().unwrap_or_else(|| "overall".into());
        if let (Some(baseline), Some(baseline_rows)) = (baseline, &baseline_rows) {
            out += &line(
                &criterion,
                &name(baseline, "current"),
                &baseline_rows[index],
            );
        }
        out += &line(&criterion, &name(candidate, "candidate"), row);
    }
    if baseline.is_none() {
        out += "\nThe task's current judge has no judgments on these items to compare with.\n";
    }
    out
}

fn line(criterion: &str, judge: &str, row: &CriterionAgreement) -> String {
    let value = |estimate: &Option<Estimate>| {
        estimate
            .as_ref()
            .map_or_else(|| "-".to_string(), |e| format!("{:.4}", e.value))
    };
    format!(
        "{:<16} {:<46} {:>6} {:>9} {:>9} {:>9} {:>9}\n",
        criterion,
        judge.chars().take(46).collect::<String>(),
        row.pairs,
        value(&row.accuracy),
        value(&row.precision),
        value(&row.recall),
        value(&row.f1)
    )
}
