//! The routing policy: which judged items humans must see, and why.
//!
//! An item goes to humans when the judge failed, when its overall or any criterion's confidence
//! is below the task's threshold (or unknown), when it is golden, or when it is drawn for the
//! random audit; otherwise the judge's verdict is final. The audit draw is a number in [0, 1)
//! derived from the item's identity, so the same item always draws the same number and the
//! decision can be re-derived later.
//!
//! Each decision also records the item's **inclusion probability**: the probability with which
//! routing sends an item like it to people, the design weight the judge's stream-wide figures
//! are estimated with (see `shared/MEASUREMENT.md`): 1 for the census below the threshold (and
//! for judge failures and items nobody judged), the audit rate for confident items (audited or
//! not), none for golden items, a stratum of their own chosen by the team.

use super::RoutingSettings;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where an item goes after judging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// The judge's verdict is final.
    Auto,
    /// Humans review the item.
    Human,
}

/// Why an item was routed as it was. Stored as text in `routing_decisions.reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteReason {
    Confident,
    LowConfidence,
    Audit,
    Golden,
    JudgeError,
    NoJudge,
}

impl RouteReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RouteReason::Confident => "confident",
            RouteReason::LowConfidence => "low_confidence",
            RouteReason::Audit => "audit",
            RouteReason::Golden => "golden",
            RouteReason::JudgeError => "judge_error",
            RouteReason::NoJudge => "no_judge",
        }
    }
}

/// What the judge said, as far as routing cares.
#[derive(Debug, Clone, PartialEq)]
pub enum JudgeOutcome {
    /// Confidences of the overall verdict and of each criterion; `None` where unknown.
    Judged {
        overall: Option<f64>,
        criteria: Vec<Option<f64>>,
    },
    /// The judge failed for good (errors, unparseable output).
    Failed,
    /// No judge is configured.
    NoJudge,
}

/// A routing decision with everything needed to re-derive it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoutingDecision {
    pub route: Route,
    pub reason: RouteReason,
    /// Distinct people who must annotate the item (0 when auto-accepted).
    pub annotations_required: u32,
    pub threshold: f64,
    pub audit_draw: f64,
    /// The probability with which routing sends such an item to people, under the settings in
    /// force: 1 for `low_confidence`, `judge_error` and `no_judge`, the audit rate for `audit`
    /// and `confident`; `None` for `golden` (not a sample of the stream).
    pub inclusion_probability: Option<f64>,
}

/// Decides where an item goes. `audit_draw` comes from [`audit_draw`].
pub fn route(
    outcome: &JudgeOutcome,
    golden: bool,
    audit_draw: f64,
    settings: &RoutingSettings,
) -> RoutingDecision {
    let threshold = settings.confidence_threshold;
    let human = |reason, annotations| RoutingDecision {
        route: Route::Human,
        reason,
        annotations_required: annotations,
        threshold,
        audit_draw,
        inclusion_probability: inclusion_probability(reason, settings.audit_rate),
    };
    let regular = settings.annotations_per_item;
    let audit = settings.annotations_per_audit_item;
    match outcome {
        JudgeOutcome::NoJudge => human(RouteReason::NoJudge, regular),
        JudgeOutcome::Failed => human(RouteReason::JudgeError, regular),
        _ if golden => human(RouteReason::Golden, audit),
        JudgeOutcome::Judged { overall, criteria } => {
            let confident = |c: &Option<f64>| c.is_some_and(|c| c >= threshold);
            if !confident(overall) || !criteria.iter().all(confident) {
                human(RouteReason::LowConfidence, regular)
            } else if audit_draw < settings.audit_rate {
                human(RouteReason::Audit, audit)
            } else {
                RoutingDecision {
                    route: Route::Auto,
                    reason: RouteReason::Confident,
                    annotations_required: 0,
                    threshold,
                    audit_draw,
                    inclusion_probability: inclusion_probability(
                        RouteReason::Confident,
                        settings.audit_rate,
                    ),
                }
            }
        }
    }
}

/// The probability with which an item routed for `reason` is sent to people when the audit rate
/// is `audit_rate`; `None` for golden items. Migration 0022 back-fills stored decisions with
/// the same rule.
pub fn inclusion_probability(reason: RouteReason, audit_rate: f64) -> Option<f64> {
    match reason {
        RouteReason::LowConfidence | RouteReason::JudgeError | RouteReason::NoJudge => Some(1.0),
        RouteReason::Audit | RouteReason::Confident => Some(audit_rate),
        RouteReason::Golden => None,
    }
}

/// The item's reproducible audit draw in [0, 1), from its task and external id only, so the
/// draw does not change when the item is re-imported or re-judged: the import and the judge
/// worker draw the same number for it.
pub fn audit_draw(task: &str, external_id: &str) -> f64 {
    let mut hasher = Sha256::new();
    hasher.update(task.as_bytes());
    hasher.update([0]);
    hasher.update(external_id.as_bytes());
    fraction(&hasher.finalize())
}

/// The first 8 bytes of `digest` read as a fraction in [0, 1) (53 bits, a double's precision).
fn fraction(digest: &[u8]) -> f64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(overall: f64, criteria: &[f64]) -> JudgeOutcome {
        JudgeOutcome::Judged {
            overall: Some(overall),
            criteria: criteria.iter().map(|c| Some(*c)).collect(),
        }
    }

    /// Threshold 0.8, audit rate 5%, one annotator, two for audits.
    fn settings() -> RoutingSettings {
        RoutingSettings::default()
    }

    #[test]
    fn a_confident_judgment_outside_the_audit_sample_is_auto_accepted() {
        let decision = route(&judged(0.95, &[0.9, 0.99]), false, 0.5, &settings());
        assert_eq!(
            (
                decision.route,
                decision.reason,
                decision.annotations_required
            ),
            (Route::Auto, RouteReason::Confident, 0)
        );
    }

    #[test]
    fn one_unsure_criterion_sends_the_item_to_humans() {
        let decision = route(&judged(0.95, &[0.9, 0.6]), false, 0.5, &settings());
        assert_eq!(
            (decision.route, decision.reason),
            (Route::Human, RouteReason::LowConfidence)
        );
    }

    #[test]
    fn an_unsure_overall_verdict_sends_the_item_to_humans() {
        assert_eq!(
            route(&judged(0.7, &[0.9, 0.9]), false, 0.5, &settings()).reason,
            RouteReason::LowConfidence
        );
    }

    #[test]
    fn unknown_confidence_counts_as_unsure() {
        let outcome = JudgeOutcome::Judged {
            overall: None,
            criteria: vec![Some(0.99)],
        };
        assert_eq!(
            route(&outcome, false, 0.5, &settings()).reason,
            RouteReason::LowConfidence
        );
    }

    #[test]
    fn a_confidence_equal_to_the_threshold_is_confident() {
        assert_eq!(
            route(&judged(0.8, &[0.8]), false, 0.5, &settings()).route,
            Route::Auto
        );
    }

    #[test]
    fn confident_items_drawn_below_the_audit_rate_are_audited_by_two_people() {
        let decision = route(&judged(0.99, &[0.99]), false, 0.01, &settings());
        assert_eq!(
            (decision.reason, decision.annotations_required),
            (RouteReason::Audit, 2)
        );
    }

    #[test]
    fn golden_items_always_go_to_humans_and_failures_and_missing_judges_say_so() {
        assert_eq!(
            route(&judged(0.99, &[0.99]), true, 0.9, &settings()).reason,
            RouteReason::Golden
        );
        assert_eq!(
            route(&JudgeOutcome::Failed, false, 0.9, &settings()).reason,
            RouteReason::JudgeError
        );
        assert_eq!(
            route(&JudgeOutcome::NoJudge, true, 0.9, &settings()).reason,
            RouteReason::NoJudge
        );
    }

    #[test]
    fn the_census_is_included_surely_confident_items_at_the_audit_rate_and_golden_items_apart() {
        let settings = RoutingSettings {
            audit_rate: 0.1,
            ..settings()
        };
        let probability = |outcome: &JudgeOutcome, golden, draw| {
            route(outcome, golden, draw, &settings).inclusion_probability
        };
        assert_eq!(probability(&judged(0.5, &[0.5]), false, 0.5), Some(1.0));
        assert_eq!(probability(&JudgeOutcome::Failed, false, 0.5), Some(1.0));
        assert_eq!(probability(&JudgeOutcome::NoJudge, false, 0.5), Some(1.0));
        assert_eq!(probability(&judged(0.99, &[0.99]), false, 0.05), Some(0.1));
        assert_eq!(probability(&judged(0.99, &[0.99]), false, 0.5), Some(0.1));
        assert_eq!(probability(&judged(0.99, &[0.99]), true, 0.5), None);
    }

    #[test]
    fn audit_draws_are_fractions_and_spread_over_the_unit_interval() {
        assert_eq!(fraction(&[0; 8]), 0.0);
        assert!(fraction(&[0xff; 8]) < 1.0);
        assert!((fraction(&[0x80, 0, 0, 0, 0, 0, 0, 0]) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn an_items_draw_depends_on_its_task_and_id_only_and_never_changes() {
        // SHA-256 of "tag\0item-1": draws already stored must stay what they were.
        assert_eq!(audit_draw("tag", "item-1"), 0.41730219287290693);
        assert_ne!(audit_draw("ab", "c"), audit_draw("a", "bc"));
    }
}
