//! The recent exports: what was asked, how far it is, and the files to download.

use crate::views::exports::{ExportFile, ExportRecord};
use leptos::prelude::*;

#[component]
pub fn ExportList(list: Vec<ExportRecord>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="muted">"No exports yet."</p> }.into_any();
    }
    view! {
        <table class="table exports-table" data-testid="exports-table">
            <thead>
                <tr>
                    <th>"#"</th><th>"Task"</th><th>"Dataset"</th><th>"State"</th>
                    <th>"Requested"</th><th>"Files"</th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|record| view! { <ExportRow record/> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn ExportRow(record: ExportRecord) -> impl IntoView {
    let state = record.state.clone();
    let id = record.id;
    let requested = format!(
        "{} · {}",
        record.created_at.format("%Y-%m-%d %H:%M"),
        record
            .requested_by
            .clone()
            .unwrap_or_else(|| record.origin.clone())
    );
    view! {
        <tr data-testid="export-row" data-id=id data-state=state>
            <td>{id}</td>
            <td>{record.task.clone()}</td>
            <td>
                <span class="badge">{record.spec.shape.as_str()}</span>
                " " {record.spec.format.as_str()}
                {(record.spec.validation_fraction > 0.0).then(|| format!(" · {:.0}% validation", record.spec.validation_fraction * 100.0))}
            </td>
            <td><StateCell record=record.clone()/></td>
            <td class="small">{requested}</td>
            <td><Files record/></td>
        </tr>
    }
}

#[component]
fn StateCell(record: ExportRecord) -> impl IntoView {
    let state = record.state.clone();
    let detail = match state.as_str() {
        "running" => {
            let expected = record.rows_expected.unwrap_or(0).max(0);
            Some(view! {
                <progress max=expected.max(1) value=record.rows_written.min(expected)></progress>
                <span class="small muted">{format!(" {} / {} verdicts", record.rows_written, expected)}</span>
            }.into_any())
        }
        "done" => Some(
            view! { <span class="small muted">{format!(" {} rows", record.rows_written)}</span> }
                .into_any(),
        ),
        "failed" => record
            .error
            .map(|error| view! { <p class="form-error small" role="alert">{error}</p> }.into_any()),
        _ => None,
    };
    view! {
        <span class=format!("export-state {state}")>{state.clone()}</span>
        {detail}
    }
}

#[component]
fn Files(record: ExportRecord) -> impl IntoView {
    if record.origin == "cli" {
        return view! { <span class="small muted">"written by the command line where it ran"</span> }.into_any();
    }
    if let Some(deleted_at) = record.files_deleted_at {
        return view! {
            <span class="small muted" data-testid="export-files-deleted">
                {format!("files deleted on {} (kept for a limited time); export again", deleted_at.format("%Y-%m-%d"))}
            </span>
        }
        .into_any();
    }
    let id = record.id;
    view! {
        <ul class="export-files">
            {record.files.into_iter().map(|file| view! { <FileLink id file/> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn FileLink(id: i64, file: ExportFile) -> impl IntoView {
    let href = format!("/exports/{id}/files/{}", file.name);
    let sha = format!("sha256 {}", file.sha256);
    view! {
        <li>
            <a href=href download=file.name.clone() data-testid="export-file" title=sha>{file.name.clone()}</a>
            <span class="small muted">{format!(" {} · {}", rows(file.rows), size(file.bytes))}</span>
        </li>
    }
}

fn rows(count: u64) -> String {
    if count == 1 {
        "1 row".into()
    } else {
        format!("{count} rows")
    }
}

/// A byte count for people.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} kB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}
