//! A deterministic generator of demo items for the three built-in tasks.
//!
//! Each synthetic user ([`Persona`]) gets one artifact per task, written by a pretend generator
//! model at one of two milestones (the later one better). About 56% of the artifacts pass every
//! criterion; the others were built to fail one criterion (sometimes two) in the ways the task
//! files describe, so the labels they should earn are known by construction and the demo can
//! measure a judge against them.

mod plan;

use super::persona::Persona;
use super::{explanation, interest, tag};
use chrono::NaiveDate;
use plan::{deck, FailurePlan};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::collections::BTreeMap;

/// One item to import: an artifact with its context and the labels it was built to earn.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoItem {
    /// "interest" | "tag" | "explanation"
    pub task: &'static str,
    /// Unique per task, e.g. "demo-u0042-interest".
    pub external_id: String,
    pub context: Value,
    pub output: Value,
    /// The pretend model that wrote the artifact, e.g. "qwen3-14b-interest-sft".
    pub generator_model: String,
    /// The model's milestone, e.g. "2025-07-01".
    pub generator_version: String,
    /// e.g. "demo-2025-07-01".
    pub batch: String,
    /// Per-criterion labels the artifact was built to earn (criterion name -> label value); known by construction.
    pub intended_labels: BTreeMap<String, String>,
    /// Whether this item is marked golden (known labels); about 10% of items.
    pub golden: bool,
}

/// What a task builder makes from a persona.
#[derive(Debug, Clone)]
pub struct Artifact {
    pub context: Value,
    pub output: Value,
    pub labels: BTreeMap<String, String>,
}

/// Builds one task's artifact for a persona, failing exactly the criteria it is given.
type Builder = fn(&Persona, &[&'static str], &mut ChaCha8Rng) -> Artifact;

struct Task {
    name: &'static str,
    model: &'static str,
    criteria: &'static [&'static str],
    build: Builder,
}

const TASKS: [Task; 3] = [
    Task {
        name: "interest",
        model: "qwen3-14b-interest-sft",
        criteria: &interest::CRITERIA,
        build: interest::build,
    },
    Task {
        name: "tag",
        model: "qwen3-14b-tag-sft",
        criteria: &tag::CRITERIA,
        build: tag::build,
    },
    Task {
        name: "explanation",
        model: "qwen3-8b-explain-sft",
        criteria: &explanation::CRITERIA,
        build: explanation::build,
    },
];

/// A generator milestone; the later one is better, so the demo can compare milestones.
struct Milestone {
    version: &'static str,
    pass_rate: f64,
}

const MILESTONES: [Milestone; 2] = [
    Milestone {
        version: "2025-06-15",
        pass_rate: 0.50,
    },
    Milestone {
        version: "2025-07-01",
        pass_rate: 0.62,
    },
];

/// Share of items marked golden.
const GOLDEN_RATE: f64 = 0.1;

/// Same seed, same items (use rand_chacha::ChaCha8Rng). `per_task` items of each of the three tasks.
pub fn generate(seed: u64, per_task: usize) -> Vec<DemoItem> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Half the users were served by each milestone.
    let milestone_of: Vec<usize> = deck(&mut rng, per_task, 0.5)
        .into_iter()
        .map(usize::from)
        .collect();
    let pass_rates = MILESTONES.map(|m| m.pass_rate);
    let plans = TASKS
        .each_ref()
        .map(|task| FailurePlan::deal(&mut rng, task.criteria, &milestone_of, &pass_rates));
    let golden = TASKS
        .each_ref()
        .map(|_| deck(&mut rng, per_task, GOLDEN_RATE));
    let mut by_task: [Vec<DemoItem>; 3] = Default::default();
    for user in 0..per_task {
        let milestone = &MILESTONES[milestone_of[user]];
        let today = NaiveDate::parse_from_str(milestone.version, "%Y-%m-%d")
            .expect("milestone versions are dates");
        let persona = Persona::sample(&mut rng, today);
        for (t, task) in TASKS.iter().enumerate() {
            let artifact = (task.build)(&persona, plans[t].failing(user), &mut rng);
            by_task[t].push(DemoItem {
                task: task.name,
                external_id: format!("demo-u{user:04}-{}", task.name),
                context: artifact.context,
                output: artifact.output,
                generator_model: task.model.to_string(),
                generator_version: milestone.version.to_string(),
                batch: format!("demo-{}", milestone.version),
                intended_labels: artifact.labels,
                golden: golden[t][user],
            });
        }
    }
    by_task.into_iter().flatten().collect()
}

/// Labels for a binary task: `fail` for the failing criteria, `pass` for the others.
pub fn binary_labels(criteria: &[&str], failing: &[&str]) -> BTreeMap<String, String> {
    criteria
        .iter()
        .map(|c| {
            (
                c.to_string(),
                if failing.contains(c) { "fail" } else { "pass" }.to_string(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::builtin_tasks::builtin_definition;

    fn built_in_task(name: &str) -> app::domain::TaskDefinition {
        builtin_definition(name).unwrap()
    }
    use app::domain::Verdict;
    use std::collections::HashSet;

    #[test]
    fn the_same_seed_gives_the_same_items() {
        assert_eq!(generate(7, 20), generate(7, 20));
        assert_ne!(generate(7, 20), generate(8, 20));
    }

    #[test]
    fn each_task_gets_per_task_items_with_unique_external_ids() {
        let items = generate(42, 120);
        assert_eq!(items.len(), 360);
        for task in ["interest", "tag", "explanation"] {
            let ids: HashSet<&str> = items
                .iter()
                .filter(|i| i.task == task)
                .map(|i| i.external_id.as_str())
                .collect();
            assert_eq!(ids.len(), 120, "{task}");
        }
    }

    #[test]
    fn intended_labels_cover_exactly_the_task_criteria_on_its_scale() {
        for item in generate(42, 120) {
            let task = built_in_task(item.task);
            let names: Vec<&str> = task.criteria.iter().map(|c| c.name.as_str()).collect();
            let labelled: Vec<&str> = item.intended_labels.keys().map(String::as_str).collect();
            assert_eq!(labelled.len(), names.len(), "{}", item.external_id);
            assert!(
                names.iter().all(|n| item.intended_labels.contains_key(*n)),
                "{}",
                item.external_id
            );
            Verdict::from_labels(&task, &item.intended_labels).unwrap();
        }
    }

    #[test]
    fn every_task_has_qualified_and_unqualified_items_and_every_criterion_fails_somewhere() {
        let items = generate(42, 120);
        for name in ["interest", "tag", "explanation"] {
            let task = built_in_task(name);
            let verdicts: Vec<Verdict> = items
                .iter()
                .filter(|i| i.task == name)
                .map(|i| Verdict::from_labels(&task, &i.intended_labels).unwrap())
                .collect();
            let qualified =
                verdicts.iter().filter(|v| v.qualified).count() as f64 / verdicts.len() as f64;
            assert!((0.5..=0.6).contains(&qualified), "{name}: {qualified}");
            for criterion in &task.criteria {
                assert!(
                    verdicts
                        .iter()
                        .any(|v| v.failed_criteria.contains(&criterion.name)),
                    "{name}.{}",
                    criterion.name
                );
            }
        }
    }

    #[test]
    fn one_item_in_ten_of_each_task_is_golden() {
        let items = generate(42, 120);
        for task in ["interest", "tag", "explanation"] {
            let golden = items.iter().filter(|i| i.task == task && i.golden).count();
            assert_eq!(golden, 12, "{task}");
        }
    }

    #[test]
    fn the_criteria_in_the_task_files_are_the_ones_the_generator_labels() {
        let expected: [(&str, &[&str]); 3] = [
            ("interest", &crate::demo::interest::CRITERIA),
            ("tag", &crate::demo::tag::CRITERIA),
            ("explanation", &crate::demo::explanation::CRITERIA),
        ];
        for (name, criteria) in expected {
            let names: Vec<String> = built_in_task(name)
                .criteria
                .into_iter()
                .map(|c| c.name)
                .collect();
            assert_eq!(names, criteria, "{name}");
        }
    }
}
