//! The form that starts an export. Fields are plain text signals read when the form is sent;
//! the spec is checked with the domain's own rules first, so mistakes are named at once.

use crate::api::exports::StartExport;
use crate::api::tasks::task_summaries;
use crate::domain::{
    ExportFilters, ExportFormat, ExportShape, ExportSpec, ProvenanceFilter, Rebalance,
};
use crate::ui::fetch::fetch_in_browser;
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;

/// The form's fields as typed.
#[derive(Clone, Copy)]
struct Fields {
    task: RwSignal<String>,
    shape: RwSignal<String>,
    format: RwSignal<String>,
    since: RwSignal<String>,
    until: RwSignal<String>,
    provenance: RwSignal<String>,
    min_confidence: RwSignal<String>,
    generator_version: RwSignal<String>,
    batch: RwSignal<String>,
    rubric_version: RwSignal<String>,
    validation_percent: RwSignal<String>,
    max_pairs: RwSignal<String>,
    rebalance_target: RwSignal<String>,
    augment: RwSignal<bool>,
    downsample: RwSignal<bool>,
    half_life_days: RwSignal<String>,
    seed: RwSignal<String>,
}

impl Fields {
    fn new() -> Fields {
        let text = |value: &str| RwSignal::new(value.to_string());
        Fields {
            task: text(""),
            shape: text("verdicts"),
            format: text("jsonl"),
            since: text(""),
            until: text(""),
            provenance: text("all"),
            min_confidence: text(""),
            generator_version: text(""),
            batch: text(""),
            rubric_version: text(""),
            validation_percent: text("0"),
            max_pairs: text(""),
            rebalance_target: text(""),
            augment: RwSignal::new(false),
            downsample: RwSignal::new(true),
            half_life_days: text("30"),
            seed: text("0"),
        }
    }

    /// The spec the fields describe, or what is wrong with them.
    fn spec(&self) -> Result<ExportSpec, Vec<String>> {
        let mut problems = Vec::new();
        let mut number = |label: &str, text: String| -> Option<f64> {
            let text = text.trim().to_string();
            if text.is_empty() {
                return None;
            }
            text.parse::<f64>()
                .map_err(|_| problems.push(format!("{label}: `{text}` is not a number")))
                .ok()
        };
        let min_confidence = number("Minimum judge confidence", self.min_confidence.get());
        let rubric_version = number("Rubric version", self.rubric_version.get());
        let validation = number("Validation share", self.validation_percent.get()).unwrap_or(0.0);
        let max_pairs = number("Pairs per context", self.max_pairs.get());
        let target = number("Minority share", self.rebalance_target.get());
        let half_life = number("Half-life", self.half_life_days.get()).unwrap_or(30.0);
        let seed = number("Seed", self.seed.get()).unwrap_or(0.0);
        let since = date("From", &self.since.get(), &mut problems);
        let until = date("Until", &self.until.get(), &mut problems);
        let shape = self.shape.get().parse::<ExportShape>();
        let format = self.format.get().parse::<ExportFormat>();
        let provenance = self.provenance.get().parse::<ProvenanceFilter>();
        let task = self.task.get();
        if task.is_empty() {
            problems.push("Task: choose one".into());
        }
        let (Ok(shape), Ok(format), Ok(provenance)) = (shape, format, provenance) else {
            problems.push("Shape, format or provenance is not one of the choices".into());
            return Err(problems);
        };
        let text = |signal: RwSignal<String>| {
            Some(signal.get().trim().to_string()).filter(|t| !t.is_empty())
        };
        let spec = ExportSpec {
            task,
            shape,
            format,
            filters: ExportFilters {
                since,
                until,
                provenance,
                min_judge_confidence: min_confidence,
                generator_version: text(self.generator_version),
                batch: text(self.batch),
                rubric_version: rubric_version.map(|v| v as i32),
            },
            validation_fraction: validation / 100.0,
            max_pairs_per_context: max_pairs
                .filter(|_| shape == ExportShape::Preference)
                .map(|v| v as u32),
            rebalance: target
                .filter(|_| shape == ExportShape::JudgeSft)
                .map(|target| Rebalance {
                    target_minority_share: target,
                    augment_minority: self.augment.get(),
                    downsample_majority: self.downsample.get(),
                    half_life_days: half_life,
                    seed: seed as u64,
                }),
        };
        if let Err(errors) = spec.validate() {
            problems.extend(errors.iter().map(ToString::to_string));
        }
        if problems.is_empty() {
            Ok(spec)
        } else {
            Err(problems)
        }
    }
}

fn date(label: &str, text: &str, problems: &mut Vec<String>) -> Option<DateTime<Utc>> {
    if text.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(day) => day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()),
        Err(_) => {
            problems.push(format!("{label}: `{text}` is not a date"));
            None
        }
    }
}

/// The same export from the command line.
fn command_line(spec: &ExportSpec) -> String {
    let mut parts = vec![format!(
        "cojudge export --task {} --shape {} --format {}",
        shell_word(&spec.task),
        spec.shape,
        spec.format
    )];
    let filters = &spec.filters;
    if let Some(since) = filters.since {
        parts.push(format!("--since {}", since.format("%Y-%m-%d")));
    }
    if let Some(until) = filters.until {
        parts.push(format!("--until {}", until.format("%Y-%m-%d")));
    }
    if filters.provenance != ProvenanceFilter::All {
        parts.push(format!("--provenance {}", filters.provenance));
    }
    if let Some(value) = filters.min_judge_confidence {
        parts.push(format!("--min-judge-confidence {value}"));
    }
    if let Some(value) = &filters.generator_version {
        parts.push(format!("--generator-version {}", shell_word(value)));
    }
    if let Some(value) = &filters.batch {
        parts.push(format!("--batch {}", shell_word(value)));
    }
    if let Some(value) = filters.rubric_version {
        parts.push(format!("--rubric-version {value}"));
    }
    if spec.validation_fraction > 0.0 {
        parts.push(format!(
            "--validation-fraction {}",
            spec.validation_fraction
        ));
    }
    if let Some(value) = spec.max_pairs_per_context {
        parts.push(format!("--max-pairs-per-context {value}"));
    }
    if let Some(rebalance) = &spec.rebalance {
        parts.push(format!(
            "--rebalance-target {}",
            rebalance.target_minority_share
        ));
        if rebalance.augment_minority {
            parts.push("--augment-minority".into());
        }
        if rebalance.downsample_majority {
            parts.push(format!(
                "--downsample-majority --half-life-days {} --seed {}",
                rebalance.half_life_days, rebalance.seed
            ));
        }
    }
    parts.push("--out DIR".into());
    parts.join(" ")
}

/// `text` as one word for a POSIX shell: as it is when it holds nothing the shell treats
/// specially, otherwise in single quotes (a `'` inside written as `'\''`).
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:@+=,%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn shell_words_quote_only_what_the_shell_would_read_otherwise() {
        assert_eq!(shell_word("tag"), "tag");
        assert_eq!(shell_word("gen-2026.11"), "gen-2026.11");
        assert_eq!(shell_word("batch 7"), "'batch 7'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("$(rm -rf ~)"), "'$(rm -rf ~)'");
        assert_eq!(shell_word(""), "''");
    }
}

#[component]
pub fn ExportForm(start: ServerAction<StartExport>) -> impl IntoView {
    let fields = Fields::new();
    let problems = RwSignal::new(Vec::<String>::new());
    let tasks = fetch_in_browser(|| (), |_| task_summaries());
    // Pick the first task once the list arrives.
    Effect::new(move |_| {
        if let Some(Ok(list)) = tasks.get() {
            if fields.task.get_untracked().is_empty() {
                if let Some(first) = list.first() {
                    fields.task.set(first.name.clone());
                }
            }
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        match fields.spec() {
            Ok(spec) => {
                problems.set(Vec::new());
                start.dispatch(StartExport { spec });
            }
            Err(found) => problems.set(found),
        }
    };
    let shape = move || fields.shape.get();
    let preview = move || fields.spec().ok().map(|spec| command_line(&spec));
    view! {
        <section class="card settings-section export-form">
            <h2>"New export"</h2>
            <form class="settings" on:submit=submit novalidate data-testid="export-form">
                <div class="settings-grid">
                    <label>"Task"
                        <select name="task" data-testid="export-task" prop:value=move || fields.task.get()
                            on:change=move |e| fields.task.set(event_target_value(&e))>
                            {move || tasks.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|task| {
                                let name = task.name.clone();
                                view! { <option value=name.clone() selected=move || fields.task.get() == name>{format!("{} ({})", task.title, task.name)}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <label>"Shape"
                        <select name="shape" data-testid="export-shape" on:change=move |e| fields.shape.set(event_target_value(&e))>
                            {ExportShape::ALL.into_iter().map(|s| view! {
                                <option value=s.as_str() selected=move || fields.shape.get() == s.as_str()>{s.as_str()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>"Format"
                        <select name="format" data-testid="export-format" on:change=move |e| fields.format.set(event_target_value(&e))>
                            <option value="jsonl" selected>"JSON Lines"</option>
                            <option value="parquet">"Parquet (zstd)"</option>
                            <option value="csv">"CSV"</option>
                        </select>
                    </label>
                    <label>"Validation share (%)"
                        <input type="number" min="0" max="50" step="1" name="validation" data-testid="export-validation"
                            prop:value=move || fields.validation_percent.get()
                            on:input=move |e| fields.validation_percent.set(event_target_value(&e))/>
                    </label>
                </div>
                <p class="muted small" data-testid="shape-description">
                    {move || shape().parse::<ExportShape>().map(|s| s.describe()).unwrap_or_default()}
                </p>
                <FilterFields fields/>
                <ShapeOptions fields/>
                {move || {
                    let found = problems.get();
                    (!found.is_empty()).then(|| view! {
                        <ul class="form-error" role="alert" data-testid="export-problems">
                            {found.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                        </ul>
                    })
                }}
                {move || start.value().get().and_then(Result::err).map(|error| view! {
                    <p class="form-error" role="alert" data-testid="export-error">{error.to_string()}</p>
                })}
                <div class="actions">
                    <button type="submit" class="button primary" data-testid="export-start" disabled=move || start.pending().get()>
                        "Start export"
                    </button>
                </div>
                {move || preview().map(|line| view! {
                    <p class="muted small">"From the command line: " <code data-testid="export-command">{line}</code></p>
                })}
            </form>
        </section>
    }
    .into_any()
}

/// Which verdicts to export.
#[component]
fn FilterFields(fields: Fields) -> impl IntoView {
    view! {
        <fieldset class="criterion-settings">
            <legend>"Which verdicts"</legend>
            <div class="settings-grid">
                <label>"From (verdict date)"
                    <input type="date" name="since" on:input=move |e| fields.since.set(event_target_value(&e))/>
                </label>
                <label>"Until (exclusive)"
                    <input type="date" name="until" on:input=move |e| fields.until.set(event_target_value(&e))/>
                </label>
                <label>"Decided by"
                    <select name="provenance" data-testid="export-provenance" on:change=move |e| fields.provenance.set(event_target_value(&e))>
                        <option value="all" selected>"anyone"</option>
                        <option value="human">"people (annotators, adjudicators)"</option>
                        <option value="judge">"the judge (auto-accepted)"</option>
                    </select>
                </label>
                <label>"Minimum judge confidence"
                    <input type="number" min="0" max="1" step="0.01" name="min_confidence" placeholder="any"
                        on:input=move |e| fields.min_confidence.set(event_target_value(&e))/>
                </label>
                <label>"Generator version"
                    <input type="text" name="generator_version" placeholder="any"
                        on:input=move |e| fields.generator_version.set(event_target_value(&e))/>
                </label>
                <label>"Batch"
                    <input type="text" name="batch" placeholder="any" on:input=move |e| fields.batch.set(event_target_value(&e))/>
                </label>
                <label>"Rubric version"
                    <input type="number" min="1" step="1" name="rubric_version" placeholder="any"
                        on:input=move |e| fields.rubric_version.set(event_target_value(&e))/>
                </label>
            </div>
        </fieldset>
    }
}

/// The options of the preference and judge-sft shapes, shown for those shapes only.
#[component]
fn ShapeOptions(fields: Fields) -> impl IntoView {
    let shape = move || fields.shape.get();
    view! {
        <Show when=move || shape() == "preference">
            <fieldset class="criterion-settings">
                <legend>"Preference pairs"</legend>
                <label>"At most this many pairs per context"
                    <input type="number" min="1" step="1" name="max_pairs" placeholder="all"
                        on:input=move |e| fields.max_pairs.set(event_target_value(&e))/>
                </label>
            </fieldset>
        </Show>
        <Show when=move || shape() == "judge-sft">
            <fieldset class="criterion-settings">
                <legend>"Rebalancing (RecGPT)"</legend>
                <div class="settings-grid">
                    <label>"Minority share to reach (e.g. 0.3; empty: none)"
                        <input type="number" min="0" max="0.5" step="0.05" name="rebalance_target" data-testid="export-rebalance"
                            on:input=move |e| fields.rebalance_target.set(event_target_value(&e))/>
                    </label>
                    <label class="check">
                        <input type="checkbox" name="augment" prop:checked=move || fields.augment.get()
                            on:change=move |e| fields.augment.set(event_target_checked(&e))/>
                        "Add older labels of the rare class (needs From)"
                    </label>
                    <label class="check">
                        <input type="checkbox" name="downsample" prop:checked=move || fields.downsample.get()
                            on:change=move |e| fields.downsample.set(event_target_checked(&e))/>
                        "Downsample the majority class, recent labels first"
                    </label>
                    <label>"Half-life (days)"
                        <input type="number" min="1" step="1" name="half_life" prop:value=move || fields.half_life_days.get()
                            on:input=move |e| fields.half_life_days.set(event_target_value(&e))/>
                    </label>
                    <label>"Seed"
                        <input type="number" min="0" step="1" name="seed" prop:value=move || fields.seed.get()
                            on:input=move |e| fields.seed.set(event_target_value(&e))/>
                    </label>
                </div>
            </fieldset>
        </Show>
    }
}
