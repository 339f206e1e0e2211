//! The default answerer: a deterministic judge that mostly passes, with confident but varied
//! label probabilities, so benchmarks and demos see realistic, reproducible judgments.

use crate::reply::Reply;
use crate::request::ChatRequest;

/// Percentage of (answer, criterion) pairs judged with the first label of the enum.
const FIRST_LABEL_PERCENT: u64 = 85;
/// The labels judged from when the schema gives a criterion no enum.
const FALLBACK_LABELS: [&str; 2] = ["pass", "fail"];
/// The most and least confident label probabilities.
const HIGHEST_PROBABILITY: f64 = 0.999;
const LOWEST_PROBABILITY: f64 = 0.55;
/// Skews probabilities toward the highest: about 78% of them are at least 0.9.
const CONFIDENCE_SKEW: i32 = 6;

/// Judges every criterion of the request's schema, deterministically per (user message,
/// criterion): ~85% get the first label of the enum (taken to be the passing one), the rest
/// the last; probabilities lie in [0.55, 0.999], mostly ≥ 0.9. A request without a schema gets
/// an empty judgment (`{"criteria":{}}` in a code fence).
pub fn default_answer(request: &ChatRequest) -> Reply {
    let labels = request
        .criteria()
        .into_iter()
        .map(|(criterion, enum_labels)| {
            let hash = fnv1a(&[request.user().as_bytes(), &[0], criterion.as_bytes()]);
            let choose_first = hash % 100 < FIRST_LABEL_PERCENT;
            let label = match (choose_first, enum_labels.first(), enum_labels.last()) {
                (true, Some(first), _) => first.clone(),
                (false, _, Some(last)) => last.clone(),
                (true, None, _) => FALLBACK_LABELS[0].to_owned(),
                (false, _, None) => FALLBACK_LABELS[1].to_owned(),
            };
            (criterion, label, probability_from(hash))
        })
        .collect();
    Reply::Judgment(labels)
}

/// A probability in [0.55, 0.999] from the hash bits the label choice does not use much.
fn probability_from(hash: u64) -> f64 {
    let uniform = (hash >> 16) as f64 / (1u64 << 48) as f64;
    HIGHEST_PROBABILITY - (HIGHEST_PROBABILITY - LOWEST_PROBABILITY) * uniform.powi(CONFIDENCE_SKEW)
}

/// 64-bit FNV-1a over the concatenated parts.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    parts
        .iter()
        .flat_map(|part| part.iter())
        .fold(OFFSET_BASIS, |hash, &byte| {
            (hash ^ u64::from(byte)).wrapping_mul(PRIME)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(user: &str) -> ChatRequest {
        let label = json!({"properties": {"label": {"enum": ["pass", "fail"]}}});
        ChatRequest {
            body: json!({
                "messages": [{"role": "user", "content": user}],
                "response_format": {"type": "json_schema", "json_schema": {
                    "name": "judgment",
                    "schema": {"properties": {"criteria": {
                        "required": ["relevance", "validity"],
                        "properties": {"relevance": label, "validity": label}
                    }}}
                }}
            }),
            index: 0,
        }
    }

    fn judgments(reply: Reply) -> Vec<(String, String, f64)> {
        match reply {
            Reply::Judgment(labels) => labels,
            other => panic!("expected a judgment, got {other:?}"),
        }
    }

    #[test]
    fn answers_are_deterministic_and_cover_every_criterion() {
        let first = judgments(default_answer(&request("an answer")));
        let again = judgments(default_answer(&request("an answer")));
        assert_eq!(first, again);
        let criteria: Vec<&str> = first.iter().map(|(name, ..)| name.as_str()).collect();
        assert_eq!(criteria, ["relevance", "validity"]);
    }

    #[test]
    fn the_distribution_mostly_passes_with_high_confidence() {
        let labels: Vec<(String, String, f64)> = (0..2000)
            .flat_map(|number| judgments(default_answer(&request(&format!("answer {number}")))))
            .collect();
        let share = |matches: usize| matches as f64 / labels.len() as f64;
        let passes = share(
            labels
                .iter()
                .filter(|(_, label, _)| label == "pass")
                .count(),
        );
        let confident = share(labels.iter().filter(|(.., p)| *p >= 0.9).count());
        assert!((0.80..0.90).contains(&passes), "pass share {passes}");
        assert!(
            (0.70..0.86).contains(&confident),
            "confident share {confident}"
        );
        assert!(labels
            .iter()
            .all(|(.., p)| (LOWEST_PROBABILITY..=HIGHEST_PROBABILITY).contains(p)));
    }

    #[test]
    fn without_a_schema_the_judgment_is_empty() {
        let bare = ChatRequest {
            body: json!({"messages": []}),
            index: 0,
        };
        assert_eq!(default_answer(&bare), Reply::Judgment(Vec::new()));
    }
}
