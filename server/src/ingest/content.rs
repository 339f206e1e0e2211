//! Digests of item content: the content hash that makes re-imports idempotent, and the digest
//! the reproducible audit draw is read from.

use super::rules::CheckedItem;
use sha2::{Digest, Sha256};

/// sha256 of the item's canonical JSON (object keys sorted): equal hashes mean an identical
/// item, so a re-import is `unchanged` rather than a conflict.
pub fn content_hash(item: &CheckedItem) -> [u8; 32] {
    let canonical = serde_json::json!({
        "context": item.context,
        "output": item.output,
        "generator": item.generator,
        "batch": item.batch,
        "golden": item.golden,
        "judgment": item.judgment.as_ref().map(|j| &j.judgment),
        "meta": item.meta,
    });
    Sha256::digest(serde_json::to_vec(&sorted(canonical)).expect("JSON values serialise")).into()
}

/// `value` with every object's keys in sorted order, whatever map type serde_json was built with
/// (its `preserve_order` feature keeps insertion order).
fn sorted(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
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

/// The digest an item's audit draw is taken from: the task and external id, so the draw does
/// not change when the item is re-imported or re-judged.
pub fn audit_digest(task: &str, external_id: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(task.as_bytes());
    hasher.update([0]);
    hasher.update(external_id.as_bytes());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_does_not_change_the_digest() {
        let a = json!({"b": 1, "a": {"y": [1, {"q": 1, "p": 2}], "x": 2}});
        let b = json!({"a": {"x": 2, "y": [1, {"p": 2, "q": 1}]}, "b": 1});
        assert_eq!(
            serde_json::to_vec(&sorted(a)).unwrap(),
            serde_json::to_vec(&sorted(b)).unwrap()
        );
    }

    #[test]
    fn the_audit_digest_separates_task_and_id() {
        assert_ne!(audit_digest("ab", "c"), audit_digest("a", "bc"));
    }
}
