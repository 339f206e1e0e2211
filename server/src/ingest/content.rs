//! Digests of item content: the content hash that makes re-imports idempotent. (The audit draw
//! is `domain::routing::audit_draw`.)

use super::rules::CheckedItem;
use serde::{Serialize, Serializer};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::ops::Range;

/// An item's canonical JSON: one object with the keys `batch`, `context`, `generator`, `golden`,
/// `judgment`, `meta` and `output`, every object's keys in sorted order, no whitespace. Its sha256
/// is the content hash: equal hashes mean an identical item, so a re-import is `unchanged` rather
/// than a conflict. The text of `context`, `output`, `golden` and `meta` inside it is what the
/// import stores, so each value is serialised once per line. The buffer is reused line after line.
#[derive(Default)]
pub struct CanonicalItem {
    text: Vec<u8>,
    context: Range<usize>,
    output: Range<usize>,
    golden: Option<Range<usize>>,
    meta: Option<Range<usize>>,
}

impl CanonicalItem {
    /// Replaces the text with `item`'s canonical JSON.
    pub fn encode(&mut self, item: &CheckedItem) {
        self.text.clear();
        self.text.extend_from_slice(b"{\"batch\":");
        self.write(&item.batch);
        self.text.extend_from_slice(b",\"context\":");
        self.context = self.write(&SortedKeys(&item.context));
        self.text.extend_from_slice(b",\"generator\":");
        // Serialised as a value first, so its keys are sorted whatever its field order.
        self.write_sorted(item.generator.as_ref());
        self.text.extend_from_slice(b",\"golden\":");
        self.golden = item.golden.as_ref().map(|golden| self.write(golden));
        if self.golden.is_none() {
            self.text.extend_from_slice(b"null");
        }
        self.text.extend_from_slice(b",\"judgment\":");
        self.write_sorted(item.judgment.as_ref().map(|j| &j.judgment));
        self.text.extend_from_slice(b",\"meta\":");
        self.meta = item.meta.as_ref().map(|meta| self.write(&SortedKeys(meta)));
        if self.meta.is_none() {
            self.text.extend_from_slice(b"null");
        }
        self.text.extend_from_slice(b",\"output\":");
        self.output = self.write(&SortedKeys(&item.output));
        self.text.push(b'}');
    }

    /// sha256 of the canonical JSON.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(&self.text).into()
    }

    /// The JSON text of the item's context.
    pub fn context(&self) -> &[u8] {
        &self.text[self.context.clone()]
    }

    /// The JSON text of the item's output.
    pub fn output(&self) -> &[u8] {
        &self.text[self.output.clone()]
    }

    /// The JSON text of the item's golden labels, if it has any.
    pub fn golden(&self) -> Option<&[u8]> {
        self.golden.clone().map(|range| &self.text[range])
    }

    /// The JSON text of the item's meta, if it has any.
    pub fn meta(&self) -> Option<&[u8]> {
        self.meta.clone().map(|range| &self.text[range])
    }

    /// Appends `value` and returns where its text is.
    fn write(&mut self, value: &impl Serialize) -> Range<usize> {
        let start = self.text.len();
        serde_json::to_writer(&mut self.text, value).expect("JSON values serialise");
        start..self.text.len()
    }

    /// Appends `value` (or `null`) with its keys sorted, through a JSON value.
    fn write_sorted(&mut self, value: Option<&impl Serialize>) {
        let value = serde_json::to_value(value).expect("JSON values serialise");
        self.write(&SortedKeys(&value));
    }
}

/// Serialises a JSON value with every object's keys in sorted order, whatever map type
/// serde_json was built with (its `preserve_order` feature keeps insertion order).
struct SortedKeys<'a>(&'a Value);

impl Serialize for SortedKeys<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) if map.keys().is_sorted() => {
                serializer.collect_map(map.iter().map(|(key, value)| (key, SortedKeys(value))))
            }
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by_key(|(key, _)| *key);
                serializer.collect_map(entries.into_iter().map(|(k, v)| (k, SortedKeys(v))))
            }
            Value::Array(items) => serializer.collect_seq(items.iter().map(SortedKeys)),
            other => other.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::record::{Generator, ImportedJudgment};
    use crate::ingest::rules::CheckedJudgment;
    use app::domain::{Grade, Route, RouteReason, RoutingDecision, Verdict};
    use serde_json::json;

    /// The content hash as first defined: every stored hash was computed this way.
    fn reference_hash(item: &CheckedItem) -> [u8; 32] {
        fn sorted(value: Value) -> Value {
            match value {
                Value::Object(map) => {
                    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
                    entries.sort_by(|a, b| a.0.cmp(&b.0));
                    Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
                }
                Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
                other => other,
            }
        }
        let canonical = json!({
            "context": item.context,
            "output": item.output,
            "generator": item.generator,
            "batch": item.batch,
            "golden": item.golden,
            "judgment": item.judgment.as_ref().map(|j| &j.judgment),
            "meta": item.meta,
        });
        Sha256::digest(serde_json::to_vec(&sorted(canonical)).unwrap()).into()
    }

    fn content_hash(item: &CheckedItem) -> [u8; 32] {
        let mut canonical = CanonicalItem::default();
        canonical.encode(item);
        canonical.hash()
    }

    fn plain_item() -> CheckedItem {
        CheckedItem {
            external_id: "x-1".into(),
            context: json!({"b": 1, "a": {"y": [1, {"q": "\"\\\n\t", "p": 2.5}], "x": null}}),
            output: json!("ok"),
            generator: None,
            batch: None,
            golden: None,
            meta: None,
            judgment: None,
        }
    }

    #[test]
    fn the_hash_is_the_one_stored_by_earlier_versions() {
        let mut item = plain_item();
        assert_eq!(content_hash(&item), reference_hash(&item));
        item.generator = Some(Generator {
            model: Some("m".into()),
            version: None,
        });
        item.batch = Some("b\u{e9}".into());
        item.golden = Some([("tone".to_string(), "yes".to_string())].into());
        item.meta = Some(json!({"z": [], "a": {"c": 1e300, "b": -0}}));
        item.output = json!([{"tags": ["x"], "id": 1}]);
        assert_eq!(content_hash(&item), reference_hash(&item));
        item.judgment = Some(CheckedJudgment {
            judgment: ImportedJudgment {
                labels: [("tone".to_string(), "yes".to_string())].into(),
                confidence: [("tone".to_string(), 0.75)].into(),
                overall_confidence: Some(0.5),
                rationale: [("tone".to_string(), "fine".to_string())].into(),
                model: "judge".into(),
                prompt_version: "v1".into(),
            },
            verdict: Verdict {
                qualified: true,
                grade: Grade::S,
                failed_criteria: Vec::new(),
            },
            overall_confidence: Some(0.5),
            routing: RoutingDecision {
                route: Route::Auto,
                reason: RouteReason::Confident,
                annotations_required: 0,
                threshold: 0.5,
                audit_draw: 0.1,
                inclusion_probability: Some(0.2),
            },
        });
        assert_eq!(content_hash(&item), reference_hash(&item));
    }

    #[test]
    fn the_stored_values_are_the_canonical_texts() {
        let mut item = plain_item();
        item.meta = Some(json!({"k": "v"}));
        let mut canonical = CanonicalItem::default();
        canonical.encode(&item);
        assert_eq!(
            canonical.context(),
            br#"{"a":{"x":null,"y":[1,{"p":2.5,"q":"\"\\\n\t"}]},"b":1}"#
        );
        assert_eq!(canonical.output(), b"\"ok\"");
        assert_eq!(canonical.golden(), None);
        assert_eq!(canonical.meta(), Some(&br#"{"k":"v"}"#[..]));
    }

    #[test]
    fn keys_come_out_sorted() {
        let mut map = serde_json::Map::new();
        map.insert("b".into(), json!(1));
        map.insert("a".into(), json!(2));
        let text = serde_json::to_string(&SortedKeys(&Value::Object(map))).unwrap();
        assert_eq!(text, r#"{"a":2,"b":1}"#);
    }
}
