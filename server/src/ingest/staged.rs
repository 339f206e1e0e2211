//! A checked item encoded as one row of `COPY import_staging FROM STDIN` (text format).

use super::content::content_hash;
use super::rules::CheckedItem;
use app::domain::Route;
use serde_json::{json, Map, Value};

/// The staging table's columns, in COPY order. `writer.rs` creates the table with these.
pub const STAGING_COLUMNS: &str = "seq, external_id, context, output, generator_model, generator_version, batch, golden, meta, \
     content_hash, state, judge_model, prompt_version, judgment_criteria, qualified, grade, confidence, \
     route, reason, threshold, audit_draw, annotations_required";

/// The item state a new item starts in.
pub fn initial_state(item: &CheckedItem) -> &'static str {
    match item.judgment.as_ref().map(|j| j.routing.route) {
        None => "queued",
        Some(Route::Human) => "human_review",
        Some(Route::Auto) => "done",
    }
}

/// The `items` columns a row can be copied into directly, in COPY order: the staging columns
/// from `external_id` to `state`, after the task id.
pub const ITEM_COLUMNS: &str =
    "task_id, external_id, context, output, generator_model, generator_version, batch, golden, meta, content_hash, state";

/// Appends `item` as one COPY text row (ending in a newline) to `out`, and, when `direct` is
/// given, as a row of [`ITEM_COLUMNS`] for that task id to its buffer; returns the content hash.
pub fn encode_row(
    out: &mut Vec<u8>,
    direct: Option<(&mut Vec<u8>, i64)>,
    seq: u64,
    item: &CheckedItem,
) -> [u8; 32] {
    let hash = content_hash(item);
    let generator = item.generator.as_ref();
    let json = |value: &Value| Some(value.to_string());
    let judgment = item.judgment.as_ref();
    let fields: [Option<String>; 22] = [
        Some(seq.to_string()),
        Some(item.external_id.clone()),
        json(&item.context),
        json(&item.output),
        generator.and_then(|g| g.model.clone()),
        generator.and_then(|g| g.version.clone()),
        item.batch.clone(),
        item.golden
            .as_ref()
            .map(|g| serde_json::to_string(g).expect("labels serialise")),
        item.meta.as_ref().and_then(json),
        Some(format!("\\x{}", hex::encode(hash))),
        Some(initial_state(item).to_string()),
        judgment.map(|j| j.judgment.model.clone()),
        judgment.map(|j| j.judgment.prompt_version.clone()),
        judgment.map(|j| judgment_criteria(&j.judgment).to_string()),
        judgment.map(|j| j.verdict.qualified.to_string()),
        judgment.map(|j| j.verdict.grade.as_str().to_string()),
        judgment
            .and_then(|j| j.overall_confidence)
            .map(|c| c.to_string()),
        judgment.map(|j| match j.routing.route {
            Route::Auto => "auto".to_string(),
            Route::Human => "human".to_string(),
        }),
        judgment.map(|j| j.routing.reason.as_str().to_string()),
        judgment.map(|j| j.routing.threshold.to_string()),
        judgment.map(|j| j.routing.audit_draw.to_string()),
        judgment.map(|j| j.routing.annotations_required.to_string()),
    ];
    write_fields(out, &fields);
    if let Some((direct, task_id)) = direct {
        direct.extend_from_slice(task_id.to_string().as_bytes());
        direct.push(b'\t');
        write_fields(direct, &fields[1..=10]);
    }
    hash
}

/// Writes tab-separated COPY text fields and a newline.
fn write_fields(out: &mut Vec<u8>, fields: &[Option<String>]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        match field {
            None => out.extend_from_slice(b"\\N"),
            Some(text) => escape_into(out, text),
        }
    }
    out.push(b'\n');
}

/// criterion → {label, confidence, rationale}, as stored in `judgments.criteria`.
fn judgment_criteria(judgment: &crate::ingest::record::ImportedJudgment) -> Value {
    let mut criteria = Map::new();
    for (criterion, label) in &judgment.labels {
        criteria.insert(
            criterion.clone(),
            json!({
                "label": label,
                "confidence": judgment.confidence.get(criterion),
                "rationale": judgment.rationale.get(criterion),
            }),
        );
    }
    Value::Object(criteria)
}

/// COPY text escaping: backslash, tab, newline and carriage return.
fn escape_into(out: &mut Vec<u8>, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(byte),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backslashes_tabs_and_newlines_are_escaped() {
        let mut out = Vec::new();
        escape_into(&mut out, "a\\b\tc\nd\re");
        assert_eq!(out, b"a\\\\b\\tc\\nd\\re");
    }

    #[test]
    fn a_row_has_one_field_per_staging_column_and_nulls_for_absent_values() {
        let item = CheckedItem {
            external_id: "x-1".into(),
            context: json!({"q": "say \"hi\"\\"}),
            output: json!("ok"),
            generator: None,
            batch: None,
            golden: None,
            meta: None,
            judgment: None,
        };
        let mut out = Vec::new();
        let mut direct = Vec::new();
        encode_row(&mut out, Some((&mut direct, 3)), 7, &item);
        let row = String::from_utf8(out).unwrap();
        let direct = String::from_utf8(direct).unwrap();
        assert_eq!(
            direct.trim_end().split('\t').count(),
            ITEM_COLUMNS.split(',').count()
        );
        assert!(direct.starts_with("3\tx-1\t"), "{direct}");
        assert!(direct.trim_end().ends_with("\tqueued"), "{direct}");
        assert_eq!(
            row.trim_end().split('\t').count(),
            STAGING_COLUMNS.split(',').count()
        );
        assert!(
            row.starts_with("7\tx-1\t{\"q\":\"say \\\\\"hi\\\\\"\\\\\\\\\"}\t\"ok\"\t\\N"),
            "{row}"
        );
        assert!(row.contains("\tqueued\t"));
    }
}
