//! A checked item encoded as one row of `COPY import_staging FROM STDIN` (text format).

use super::content::CanonicalItem;
use super::rules::CheckedItem;
use app::domain::Route;
use serde_json::{json, Map, Value};
use std::io::Write;

/// The item state a new item starts in.
pub fn initial_state(item: &CheckedItem) -> &'static str {
    match item.judgment.as_ref().map(|j| j.routing.route) {
        None => "queued",
        Some(Route::Human) => "human_review",
        Some(Route::Auto) => "done",
    }
}

/// Encodes checked items as COPY text rows, reusing its buffers line after line.
#[derive(Default)]
pub struct RowEncoder {
    canonical: CanonicalItem,
    /// The current row's escaped columns from `external_id` to `state`, tab-separated.
    item_fields: Vec<u8>,
}

impl RowEncoder {
    /// Appends `item` as one row of the staging columns to `staging` and as one row of the
    /// `items` columns for `task_id` to `direct` (each ending in a newline), in the order
    /// `app::db::import_writer::{STAGING_COLUMNS, ITEM_COLUMNS}` name them; returns the content
    /// hash.
    pub fn encode(
        &mut self,
        item: &CheckedItem,
        seq: u64,
        task_id: i64,
        staging: &mut Vec<u8>,
        direct: &mut Vec<u8>,
    ) -> [u8; 32] {
        self.canonical.encode(item);
        let hash = self.canonical.hash();
        let canonical = &self.canonical;
        let generator = item.generator.as_ref();
        let fields = &mut self.item_fields;
        fields.clear();
        escape_into(fields, item.external_id.as_bytes());
        push_json_field(fields, Some(canonical.context()));
        push_json_field(fields, Some(canonical.output()));
        push_field(fields, text(generator.and_then(|g| g.model.as_deref())));
        push_field(fields, text(generator.and_then(|g| g.version.as_deref())));
        push_field(fields, text(item.batch.as_deref()));
        push_json_field(fields, canonical.golden());
        push_json_field(fields, canonical.meta());
        let mut hash_hex = [0; 64];
        hex::encode_to_slice(hash, &mut hash_hex).expect("64 hex digits");
        fields.extend_from_slice(b"\t\\\\x");
        fields.extend_from_slice(&hash_hex);
        push_field(fields, Some(initial_state(item).as_bytes()));

        write!(direct, "{task_id}\t").expect("writing to memory");
        direct.extend_from_slice(fields);
        direct.push(b'\n');
        write!(staging, "{seq}\t").expect("writing to memory");
        staging.extend_from_slice(fields);
        for value in judgment_fields(item) {
            push_field(staging, value.as_deref().map(str::as_bytes));
        }
        staging.push(b'\n');
        hash
    }
}

fn text(value: Option<&str>) -> Option<&[u8]> {
    value.map(str::as_bytes)
}

/// The staging columns from `judge_model` on: all NULL for an item without a judgment.
fn judgment_fields(item: &CheckedItem) -> [Option<String>; 12] {
    let Some(judgment) = item.judgment.as_ref() else {
        return Default::default();
    };
    [
        Some(judgment.judgment.model.clone()),
        Some(judgment.judgment.prompt_version.clone()),
        Some(judgment_criteria(&judgment.judgment).to_string()),
        Some(judgment.verdict.qualified.to_string()),
        Some(judgment.verdict.grade.as_str().to_string()),
        judgment.overall_confidence.map(|c| c.to_string()),
        Some(
            match judgment.routing.route {
                Route::Auto => "auto",
                Route::Human => "human",
            }
            .to_string(),
        ),
        Some(judgment.routing.reason.as_str().to_string()),
        Some(judgment.routing.threshold.to_string()),
        Some(judgment.routing.audit_draw.to_string()),
        Some(judgment.routing.annotations_required.to_string()),
        judgment
            .routing
            .inclusion_probability
            .map(|p| p.to_string()),
    ]
}

/// Appends a tab and one COPY text field (`\N` for NULL).
fn push_field(out: &mut Vec<u8>, value: Option<&[u8]>) {
    out.push(b'\t');
    match value {
        None => out.extend_from_slice(b"\\N"),
        Some(bytes) => escape_into(out, bytes),
    }
}

/// Appends a tab and one COPY text field holding JSON text as serde_json writes it: control
/// characters are escaped in it already, so only backslashes need doubling.
fn push_json_field(out: &mut Vec<u8>, json: Option<&[u8]>) {
    let Some(mut rest) = json else {
        out.extend_from_slice(b"\t\\N");
        return;
    };
    out.push(b'\t');
    while let Some(backslash) = memchr::memchr(b'\\', rest) {
        out.extend_from_slice(&rest[..=backslash]);
        out.push(b'\\');
        rest = &rest[backslash + 1..];
    }
    out.extend_from_slice(rest);
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

/// COPY text escaping: backslash, tab, newline and carriage return; runs without them are
/// copied whole.
fn escape_into(out: &mut Vec<u8>, text: &[u8]) {
    let mut copied = 0;
    for (i, byte) in text.iter().enumerate() {
        let escaped: &[u8] = match byte {
            b'\\' => b"\\\\",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            _ => continue,
        };
        out.extend_from_slice(&text[copied..i]);
        out.extend_from_slice(escaped);
        copied = i + 1;
    }
    out.extend_from_slice(&text[copied..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::db::import_writer::{ITEM_COLUMNS, STAGING_COLUMNS};

    #[test]
    fn backslashes_tabs_and_newlines_are_escaped() {
        let mut out = Vec::new();
        escape_into(&mut out, b"a\\b\tc\nd\re");
        assert_eq!(out, b"a\\\\b\\tc\\nd\\re");
    }

    #[test]
    fn json_text_has_its_backslashes_doubled() {
        let mut out = Vec::new();
        push_json_field(&mut out, Some(br#"{"a":"\"\n"}"#));
        push_json_field(&mut out, None);
        let expected = [&b"\t"[..], br#"{"a":"\\"\\n"}"#, b"\t\\N"].concat();
        assert_eq!(out, expected);
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
        RowEncoder::default().encode(&item, 7, 3, &mut out, &mut direct);
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
