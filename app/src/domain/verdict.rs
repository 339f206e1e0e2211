//! The overall verdict on an artifact from its per-criterion labels: qualified only if every
//! criterion passes, and the S / A / B grade of RecGPT-V2.

use super::{Criterion, Grading, LabelScale, TaskDefinition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// RecGPT-V2's whole-artifact grade, S ≻ A ≻ B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Grade {
    S,
    A,
    B,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::S => "S",
            Grade::A => "A",
            Grade::B => "B",
        }
    }
}

/// The overall verdict derived from one label per criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub qualified: bool,
    pub grade: Grade,
    /// Criteria whose label fails, in rubric order.
    pub failed_criteria: Vec<String>,
}

/// The labels do not fit the task's rubric.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerdictError {
    #[error("criterion `{0}` has no label")]
    MissingCriterion(String),
    #[error("`{0}` is not a criterion of this task")]
    UnknownCriterion(String),
    #[error("criterion `{criterion}`: `{label}` is not on the scale (expected one of {expected})")]
    UnknownLabel {
        criterion: String,
        label: String,
        expected: String,
    },
}

impl Verdict {
    /// Derives the verdict from `labels` (criterion name → label value).
    pub fn from_labels(
        task: &TaskDefinition,
        labels: &BTreeMap<String, String>,
    ) -> Result<Verdict, VerdictError> {
        Verdict::from_rubric(&task.criteria, &task.scale, &task.grading, labels)
    }

    /// The same, from the parts of a task that matter (the review page has only these).
    pub fn from_rubric(
        criteria: &[Criterion],
        scale: &LabelScale,
        grading: &Grading,
        labels: &BTreeMap<String, String>,
    ) -> Result<Verdict, VerdictError> {
        if let Some(unknown) = labels
            .keys()
            .find(|name| !criteria.iter().any(|c| &c.name == *name))
        {
            return Err(VerdictError::UnknownCriterion(unknown.clone()));
        }
        let mut failed_criteria = Vec::new();
        let mut strong = 0usize;
        for criterion in criteria {
            let value = labels
                .get(&criterion.name)
                .ok_or_else(|| VerdictError::MissingCriterion(criterion.name.clone()))?;
            let label = scale
                .label(value)
                .ok_or_else(|| VerdictError::UnknownLabel {
                    criterion: criterion.name.clone(),
                    label: value.clone(),
                    expected: scale.values().join(", "),
                })?;
            if !label.passes {
                failed_criteria.push(criterion.name.clone());
            }
            if label.strong {
                strong += 1;
            }
        }
        let qualified = failed_criteria.is_empty();
        let strong_share = strong as f64 / criteria.len() as f64;
        let grade = if !qualified {
            Grade::B
        } else if strong_share >= grading.strong_share_for_s {
            Grade::S
        } else {
            Grade::A
        };
        Ok(Verdict {
            qualified,
            grade,
            failed_criteria,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::task_definition::tests::two_criteria_task;
    use crate::domain::{Label, LabelScale, ScaleKind};

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn graded_task(tau: f64) -> TaskDefinition {
        let mut task = two_criteria_task();
        let label = |value: &str, passes, strong| Label {
            value: value.into(),
            title: value.into(),
            passes,
            strong,
        };
        task.scale = LabelScale {
            kind: ScaleKind::Graded,
            labels: vec![
                label("excellent", true, true),
                label("good", true, false),
                label("bad", false, false),
            ],
        };
        task.grading.strong_share_for_s = tau;
        task
    }

    #[test]
    fn an_artifact_that_passes_every_criterion_is_qualified() {
        let verdict = Verdict::from_labels(
            &two_criteria_task(),
            &labels(&[("relevance", "pass"), ("clarity", "pass")]),
        )
        .unwrap();
        assert!(verdict.qualified);
        assert_eq!(verdict.grade, Grade::S);
    }

    #[test]
    fn one_failed_criterion_disqualifies_and_grades_b() {
        let verdict = Verdict::from_labels(
            &two_criteria_task(),
            &labels(&[("relevance", "pass"), ("clarity", "fail")]),
        )
        .unwrap();
        assert!(!verdict.qualified);
        assert_eq!(verdict.grade, Grade::B);
        assert_eq!(verdict.failed_criteria, vec!["clarity".to_string()]);
    }

    #[test]
    fn graded_labels_split_s_from_a_by_the_share_of_strong_signals() {
        let task = graded_task(0.5);
        let half_strong = labels(&[("relevance", "excellent"), ("clarity", "good")]);
        assert_eq!(
            Verdict::from_labels(&task, &half_strong).unwrap().grade,
            Grade::S
        );
        let none_strong = labels(&[("relevance", "good"), ("clarity", "good")]);
        assert_eq!(
            Verdict::from_labels(&task, &none_strong).unwrap().grade,
            Grade::A
        );
    }

    #[test]
    fn a_missing_criterion_is_an_error() {
        let err = Verdict::from_labels(&two_criteria_task(), &labels(&[("relevance", "pass")]))
            .unwrap_err();
        assert_eq!(err, VerdictError::MissingCriterion("clarity".into()));
    }

    #[test]
    fn a_label_off_the_scale_names_the_expected_labels() {
        let err = Verdict::from_labels(
            &two_criteria_task(),
            &labels(&[("relevance", "ok"), ("clarity", "pass")]),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "criterion `relevance`: `ok` is not on the scale (expected one of pass, fail)"
        );
    }

    #[test]
    fn an_unknown_criterion_is_an_error() {
        let err = Verdict::from_labels(
            &two_criteria_task(),
            &labels(&[("relevance", "pass"), ("clarity", "pass"), ("tone", "pass")]),
        )
        .unwrap_err();
        assert_eq!(err, VerdictError::UnknownCriterion("tone".into()));
    }
}
