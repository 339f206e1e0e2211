//! The scale a task's criteria are labelled on: binary (pass / fail) or graded
//! (e.g. excellent / good / bad, where excellent and good pass).

use serde::{Deserialize, Serialize};

/// Whether a scale has two labels or an ordered list of grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleKind {
    Binary,
    Graded,
}

/// One label a criterion can receive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    /// The stored value, e.g. `pass` or `excellent`.
    pub value: String,
    /// What people see on the button.
    pub title: String,
    /// Whether this label passes the criterion.
    pub passes: bool,
    /// A strongly positive signal, used to separate grade S from A.
    #[serde(default)]
    pub strong: bool,
}

/// The labels a task's criteria are judged on, best first for graded scales.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelScale {
    pub kind: ScaleKind,
    pub labels: Vec<Label>,
}

impl LabelScale {
    /// The usual pass / fail scale, where a pass counts as strongly positive.
    pub fn binary() -> LabelScale {
        LabelScale {
            kind: ScaleKind::Binary,
            labels: vec![
                Label {
                    value: "pass".into(),
                    title: "Pass".into(),
                    passes: true,
                    strong: true,
                },
                Label {
                    value: "fail".into(),
                    title: "Fail".into(),
                    passes: false,
                    strong: false,
                },
            ],
        }
    }

    pub fn label(&self, value: &str) -> Option<&Label> {
        self.labels.iter().find(|label| label.value == value)
    }

    /// The label values, in scale order, for error messages and prompts.
    pub fn values(&self) -> Vec<&str> {
        self.labels
            .iter()
            .map(|label| label.value.as_str())
            .collect()
    }

    /// Problems that make the scale unusable, each as a sentence.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.kind == ScaleKind::Binary && self.labels.len() != 2 {
            problems.push(format!(
                "a binary scale has exactly 2 labels, found {}",
                self.labels.len()
            ));
        }
        if self.labels.len() < 2 {
            problems.push("a scale needs at least 2 labels".into());
        }
        if !self.labels.iter().any(|l| l.passes) {
            problems.push("no label passes".into());
        }
        if !self.labels.iter().any(|l| !l.passes) {
            problems.push("no label fails".into());
        }
        for (i, label) in self.labels.iter().enumerate() {
            if label.value.trim().is_empty() {
                problems.push(format!("label {} has an empty value", i + 1));
            }
            if self.labels[..i]
                .iter()
                .any(|earlier| earlier.value == label.value)
            {
                problems.push(format!("label `{}` appears twice", label.value));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binary_scale_is_valid() {
        assert!(LabelScale::binary().problems().is_empty());
    }

    #[test]
    fn a_scale_where_everything_passes_is_rejected() {
        let mut scale = LabelScale::binary();
        scale.labels[1].passes = true;
        assert!(scale.problems().iter().any(|p| p == "no label fails"));
    }

    #[test]
    fn duplicate_label_values_are_rejected() {
        let mut scale = LabelScale::binary();
        scale.labels[1].value = "pass".into();
        assert!(scale.problems().iter().any(|p| p.contains("appears twice")));
    }

    #[test]
    fn a_binary_scale_with_three_labels_is_rejected() {
        let mut scale = LabelScale::binary();
        scale.labels.push(Label {
            value: "maybe".into(),
            title: "Maybe".into(),
            passes: false,
            strong: false,
        });
        assert!(scale.problems().iter().any(|p| p.contains("exactly 2")));
    }
}
