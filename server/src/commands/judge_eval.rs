//! `cojudge judge eval`: runs a candidate judge on the items the task's judge is measured on and
//! prints both judges' agreement with humans on exactly the same items, in RecGPT's Table 9
//! format, with the paired difference on the overall verdict and the exact McNemar test.

use crate::database::Database;
use crate::judge::assess::Assessor;
use crate::judge::evaluate::{evaluate, Candidate, EvalReport, EvalSample};
use crate::judge::JudgeArgs;
use anyhow::Context;
use app::domain::{ConfidenceMethod, JudgeMode, PromptOverrides};
use app::views::metrics::{
    CriterionAgreement, Estimate, MetricsQuery, PairedEvaluation, TaskMetrics,
};
use std::path::Path;

/// What `cojudge judge eval` was asked.
pub struct EvalArgs {
    pub task: String,
    pub model: Option<String>,
    pub mode: Option<String>,
    pub confidence: Option<String>,
    pub samples: Option<u32>,
    pub prompt: Option<std::path::PathBuf>,
    pub sample: EvalSample,
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
        args.sample,
        settings.concurrency,
    )
    .await?;
    let pool = &db.pool;
    let (task_id, _, definition) = app::db::tasks::current_definition(pool, &args.task)
        .await?
        .with_context(|| format!("there is no task called `{}`", args.task))?;
    let paired = match report.baseline_config {
        Some(current) => app::services::metrics::paired_evaluation(
            pool,
            task_id,
            &definition,
            current,
            report.candidate_config,
        )
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?,
        None => None,
    };
    match paired {
        Some(paired) => print!("{}", paired_table(&report, &paired)),
        None => {
            let query = MetricsQuery {
                judge_config: Some(report.candidate_config),
                ..MetricsQuery::default()
            };
            let candidate = app::services::metrics::task_metrics(pool, &args.task, &query)
                .await
                .map_err(|error| anyhow::anyhow!("{error}"))?;
            print!("{}", alone_table(&report, &candidate));
        }
    }
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
/// Both judges on the same items, criterion by criterion, then the paired difference.
fn paired_table(report: &EvalReport, paired: &PairedEvaluation) -> String {
    let comparison = &paired.comparison;
    let mut out = header(report);
    out += &format!(
        "Both judges on the same {} reviewed items (census and audit); agreement with the final \
         human verdicts; pass is the positive class.\n\n",
        comparison.items
    );
    out += &columns();
    for (current, candidate) in paired.current.iter().zip(&paired.candidate) {
        let criterion = current
            .criterion
            .clone()
            .unwrap_or_else(|| "overall".into());
        out += &line(
            &criterion,
            &format!("current {}", report.baseline_label),
            current,
        );
        out += &line(
            &criterion,
            &format!("candidate {}", report.candidate_label),
            candidate,
        );
    }
    let interval = comparison.difference_interval;
    out += &format!(
        "\nOverall verdict, candidate − current: {:+.4} (95% interval {:+.4} to {:+.4}); \
         the judges disagree on {} items ({} for the current judge, {} for the candidate); \
         exact McNemar p = {:.4}: {}.\n",
        comparison.difference,
        interval.lower,
        interval.upper,
        comparison.outcomes.only_current + comparison.outcomes.only_candidate,
        comparison.outcomes.only_current,
        comparison.outcomes.only_candidate,
        comparison.p_value,
        if comparison.significant() {
            "the difference is real at the 5% level"
        } else {
            "not significant at the 5% level: the two may be equally good"
        }
    );
    out
}

/// The candidate alone, when the task has no judge to compare with.
fn alone_table(report: &EvalReport, candidate: &TaskMetrics) -> String {
    let mut out = header(report);
    out += "The task's current judge has no judgments on these items to compare with; the \
            candidate's agreement with the final human verdicts over the stream:\n\n";
    out += &columns();
    for row in std::iter::once(&candidate.overall).chain(&candidate.criteria) {
        let criterion = row.criterion.clone().unwrap_or_else(|| "overall".into());
        out += &line(
            &criterion,
            &format!("candidate {}", report.candidate_label),
            row,
        );
    }
    out
}

fn header(report: &EvalReport) -> String {
    format!(
        "Evaluation {}: {} items judged by the candidate in this run ({} unreadable or failed).\n",
        report.evaluation_id, report.judged, report.errors
    )
}

fn columns() -> String {
    format!(
        "{:<16} {:<46} {:>6} {:>9} {:>9} {:>9} {:>9}\n",
        "criterion", "judge", "items", "accuracy", "precision", "recall", "F1"
    )
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
