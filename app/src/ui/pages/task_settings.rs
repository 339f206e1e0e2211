//! The admin's task settings page (`/admin/tasks/:task`): guidelines, routing and judge
//! settings in one form (saving makes a new rubric version), then the task's versions, its audit
//! log and the items annotators flagged.

use crate::api::task_settings::{task_settings, SaveTaskSettings};
use crate::domain::{ConfidenceMethod, JudgeMode};
use crate::ui::fetch::{fetch_in_browser, render_fetched};
use crate::views::task_settings::{EditableSettings, TaskSettingsView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn TaskSettingsPage() -> impl IntoView {
    let params = use_params_map();
    let save = ServerAction::<SaveTaskSettings>::new();
    let view_data = fetch_in_browser(
        move || {
            (
                params.read().get("task").unwrap_or_default(),
                save.version().get(),
            )
        },
        |(task, _)| task_settings(task),
    );
    render_fetched(view_data, "Loading…", move |data| {
        view! { <SettingsForm data save/> }.into_any()
    })
}

#[component]
fn SettingsForm(data: TaskSettingsView, save: ServerAction<SaveTaskSettings>) -> impl IntoView {
    let settings = RwSignal::new(data.settings.clone());
    let note = RwSignal::new(String::new());
    let task = data.name.clone();
    let based_on = data.rubric_version;
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        save.dispatch(SaveTaskSettings {
            task: task.clone(),
            based_on,
            settings: settings.get_untracked(),
            note: note.get_untracked(),
        });
    };
    let result = move || {
        save.value().get().map(|result| match result {
            Ok(version) => view! { <p class="notice info" role="status" data-testid="settings-saved">{format!("Saved as rubric version {version}.")}</p> }.into_any(),
            Err(error) => view! { <p class="form-error" role="alert" data-testid="settings-error">{error.to_string()}</p> }.into_any(),
        })
    };
    let heading = format!("Settings: {}", data.settings.title);
    view! {
        <Title text=heading.clone()/>
        <h1>{heading}</h1>
        <p class="muted">{format!("Task {} · rubric version {} · saving creates version {}", data.name, data.rubric_version, data.rubric_version + 1)}</p>
        {result}
        <form class="settings" on:submit=submit data-testid="settings-form">
            <section class="card settings-section">
                <h2>"Routing"</h2>
                <div class="settings-grid">
                    <NumberField id="threshold" label="Confidence threshold (0-1): below it, items go to humans" step="0.01"
                        value=Signal::derive(move || settings.with(|s| s.routing.confidence_threshold))
                        set=move |v| settings.update(|s| s.routing.confidence_threshold = v)/>
                    <NumberField id="audit-rate" label="Audit rate (0-1): share of confident items humans also check" step="0.01"
                        value=Signal::derive(move || settings.with(|s| s.routing.audit_rate))
                        set=move |v| settings.update(|s| s.routing.audit_rate = v)/>
                    <NumberField id="k" label="Annotators per item (K)" step="1"
                        value=Signal::derive(move || settings.with(|s| s.routing.annotations_per_item as f64))
                        set=move |v| settings.update(|s| s.routing.annotations_per_item = v.max(0.0) as u32)/>
                    <NumberField id="k-audit" label="Annotators per audit item" step="1"
                        value=Signal::derive(move || settings.with(|s| s.routing.annotations_per_audit_item as f64))
                        set=move |v| settings.update(|s| s.routing.annotations_per_audit_item = v.max(0.0) as u32)/>
                </div>
                <label class="check">
                    <input type="checkbox" id="show-suggestion"
                        prop:checked=move || settings.with(|s| s.routing.show_judge_suggestion)
                        on:change=move |e| { let on = event_target_checked(&e); settings.update(|s| s.routing.show_judge_suggestion = on) }/>
                    " Show the judge's suggestion to annotators (never on audit and golden items); off is blind mode"
                </label>
            </section>
            <section class="card settings-section">
                <h2>"Judge"</h2>
                <div class="settings-grid">
                    <div>
                        <label for="judge-mode">"Mode"</label>
                        <select id="judge-mode" on:change=move |e| {
                            let mode = if event_target_value(&e) == "per_criterion" { JudgeMode::PerCriterion } else { JudgeMode::Single };
                            settings.update(|s| s.judge.mode = mode);
                        }>
                            <option value="single" selected=data.settings.judge.mode == JudgeMode::Single>"One call for all criteria"</option>
                            <option value="per_criterion" selected=data.settings.judge.mode == JudgeMode::PerCriterion>"One call per criterion"</option>
                        </select>
                    </div>
                    <div>
                        <label for="judge-confidence">"Confidence"</label>
                        <select id="judge-confidence" on:change=move |e| {
                            let method = if event_target_value(&e) == "self_consistency" { ConfidenceMethod::SelfConsistency } else { ConfidenceMethod::Logprobs };
                            settings.update(|s| s.judge.confidence = method);
                        }>
                            <option value="logprobs" selected=data.settings.judge.confidence == ConfidenceMethod::Logprobs>"Token log-probabilities"</option>
                            <option value="self_consistency" selected=data.settings.judge.confidence == ConfidenceMethod::SelfConsistency>"Self-consistency (k samples)"</option>
                        </select>
                    </div>
                    <NumberField id="samples" label="Samples for self-consistency" step="1"
                        value=Signal::derive(move || settings.with(|s| s.judge.samples as f64))
                        set=move |v| settings.update(|s| s.judge.samples = v.max(0.0) as u32)/>
                    <div>
                        <label for="judge-model">"Model (blank: the deployment's)"</label>
                        <input type="text" id="judge-model"
                            prop:value=move || settings.with(|s| s.judge.model.clone().unwrap_or_default())
                            on:input=move |e| { let v = event_target_value(&e); settings.update(|s| s.judge.model = Some(v)) }/>
                    </div>
                </div>
            </section>
            <section class="card settings-section">
                <h2>"Guidelines"</h2>
                <label for="task-title">"Title"</label>
                <input type="text" id="task-title" prop:value=move || settings.with(|s| s.title.clone())
                    on:input=move |e| { let v = event_target_value(&e); settings.update(|s| s.title = v) }/>
                <label for="task-description">"Description"</label>
                <textarea id="task-description" rows="5" prop:value=move || settings.with(|s| s.description.clone())
                    on:input=move |e| { let v = event_target_value(&e); settings.update(|s| s.description = v) }></textarea>
                {(0..data.settings.criteria.len()).map(|i| view! { <CriterionFields settings index=i/> }).collect_view()}
                <p class="muted small">"To add, remove or rename criteria, edit the task file and import it (" <code>"cojudge task export / import"</code> "): stored labels refer to criteria by name."</p>
            </section>
            <label for="note">"Why (stored with the version)"</label>
            <input type="text" id="note" placeholder="e.g. threshold from the calibration of 2026-11-20"
                prop:value=move || note.get() on:input=move |e| note.set(event_target_value(&e))/>
            <div class="actions">
                <button type="submit" class="button primary" data-testid="save-settings" disabled=move || save.pending().get()>"Save as a new version"</button>
            </div>
        </form>
        {view! { <History data/> }.into_any()}
    }
    .into_any()
}

#[component]
fn NumberField(
    id: &'static str,
    label: &'static str,
    step: &'static str,
    value: Signal<f64>,
    set: impl Fn(f64) + 'static,
) -> impl IntoView {
    view! {
        <div>
            <label for=id>{label}</label>
            <input type="number" id=id step=step min="0" prop:value=move || value.get().to_string()
                on:change=move |e| { if let Ok(v) = event_target_value(&e).trim().parse::<f64>() { set(v) } }/>
        </div>
    }
}

#[component]
fn CriterionFields(settings: RwSignal<EditableSettings>, index: usize) -> impl IntoView {
    let get =
        move |f: fn(&crate::domain::Criterion) -> String| settings.with(|s| f(&s.criteria[index]));
    let name = get(|c| c.name.clone());
    let lines = |text: String| {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    view! {
        <fieldset class="criterion-settings" data-criterion=name.clone()>
            <legend><code>{name.clone()}</code></legend>
            <label for=format!("c{index}-title")>"Title"</label>
            <input type="text" id=format!("c{index}-title") prop:value=move || get(|c| c.title.clone())
                on:input=move |e| { let v = event_target_value(&e); settings.update(|s| s.criteria[index].title = v) }/>
            <label for=format!("c{index}-definition")>"Definition"</label>
            <textarea id=format!("c{index}-definition") rows="4" prop:value=move || get(|c| c.definition.clone())
                on:input=move |e| { let v = event_target_value(&e); settings.update(|s| s.criteria[index].definition = v) }></textarea>
            <label for=format!("c{index}-pass")>"Passing examples (one per line)"</label>
            <textarea id=format!("c{index}-pass") rows="3" prop:value=move || get(|c| c.passing_examples.join("\n"))
                on:change=move |e| { let v = lines(event_target_value(&e)); settings.update(|s| s.criteria[index].passing_examples = v) }></textarea>
            <label for=format!("c{index}-fail")>"Failing examples (one per line)"</label>
            <textarea id=format!("c{index}-fail") rows="3" prop:value=move || get(|c| c.failing_examples.join("\n"))
                on:change=move |e| { let v = lines(event_target_value(&e)); settings.update(|s| s.criteria[index].failing_examples = v) }></textarea>
        </fieldset>
    }
}

#[component]
fn History(data: TaskSettingsView) -> impl IntoView {
    let when = |at: chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%d %H:%M UTC").to_string();
    view! {
        <h2 class="section-title">"Versions"</h2>
        <table class="table" data-testid="versions">
            <thead><tr><th>"Version"</th><th>"When"</th><th>"By"</th><th>"Note"</th></tr></thead>
            <tbody>
                {data.versions.into_iter().map(|v| view! {
                    <tr><td>{v.version}</td><td>{when(v.created_at)}</td><td>{v.created_by.unwrap_or_else(|| "cli".into())}</td><td>{v.note}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
        <h2 class="section-title">"Audit log"</h2>
        <table class="table" data-testid="audit-log">
            <thead><tr><th>"When"</th><th>"Who"</th><th>"Action"</th><th>"Details"</th></tr></thead>
            <tbody>
                {data.audit.into_iter().map(|a| view! {
                    <tr><td>{when(a.at)}</td><td>{a.actor}</td><td>{a.action}</td><td><code class="small">{a.details}</code></td></tr>
                }).collect_view()}
            </tbody>
        </table>
        <h2 class="section-title">"Flagged by annotators"</h2>
        {if data.flagged.is_empty() {
            view! { <p class="muted">"Nothing flagged."</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="flagged">
                    <thead><tr><th>"Item"</th><th>"By"</th><th>"When"</th><th>"Note"</th></tr></thead>
                    <tbody>
                        {data.flagged.into_iter().map(|f| view! {
                            <tr><td><code>{f.external_id}</code></td><td>{f.annotator}</td><td>{when(f.at)}</td><td>{f.note.unwrap_or_default()}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}
