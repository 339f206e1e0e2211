//! The judge's prompts: askama templates (`server/templates/judge/`) rendered from the task's
//! rubric and the item, or a task file's own system/user texts with `{{ placeholder }}`s.
//!
//! The prompt version names exactly what the judge was asked: a hash of the template sources (or
//! overrides), the task and its rubric version. It is stored with every judgment.

use app::domain::{Criterion, TaskDefinition};
use askama::Template;
use sha2::{Digest, Sha256};

const SYSTEM_SOURCE: &str = include_str!("../../templates/judge/system.txt");
const USER_SOURCE: &str = include_str!("../../templates/judge/user.txt");
const CRITERION_SOURCE: &str = include_str!("../../templates/judge/criterion.txt");

/// Placeholders a task file's `prompts.system` may use.
pub const SYSTEM_PLACEHOLDERS: &[&str] = &[
    "title",
    "description",
    "scale",
    "criteria_block",
    "answer_format",
];
/// Placeholders a task file's `prompts.user` may use.
pub const USER_PLACEHOLDERS: &[&str] = &["context", "output", "criteria_names"];

#[derive(Template)]
#[template(path = "judge/system.txt", escape = "none")]
struct SystemPrompt<'a> {
    title: &'a str,
    description: &'a str,
    scale: &'a str,
    criteria: &'a [&'a Criterion],
    criteria_block: &'a str,
    answer_format: &'a str,
}

#[derive(Template)]
#[template(path = "judge/user.txt", escape = "none")]
struct UserPrompt<'a> {
    context: &'a str,
    output: &'a str,
    criteria: &'a [&'a str],
}

#[derive(Template)]
#[template(path = "judge/criterion.txt", escape = "none")]
struct CriterionBlock<'a> {
    criterion: &'a Criterion,
}

/// The two messages of one judge call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub system: String,
    pub user: String,
}

/// The prompt version of a task's current rubric: `p` and 16 hex digits.
pub fn prompt_version(task: &TaskDefinition, rubric_version: i32) -> String {
    let mut hasher = Sha256::new();
    for part in [
        task.prompts.system.as_deref().unwrap_or(SYSTEM_SOURCE),
        task.prompts.user.as_deref().unwrap_or(USER_SOURCE),
        CRITERION_SOURCE,
        task.name.as_str(),
        &rubric_version.to_string(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    format!("p{}", &hex::encode(hasher.finalize())[..16])
}

/// Renders the prompt that judges `criteria` (all of the task's, or one in per-criterion mode)
/// of the item with this context and output.
pub fn render(
    task: &TaskDefinition,
    criteria: &[&Criterion],
    context: &serde_json::Value,
    output: &serde_json::Value,
) -> Prompt {
    let scale = scale_block(task);
    let criteria_block = criteria
        .iter()
        .map(|criterion| {
            CriterionBlock { criterion }
                .render()
                .expect("the criterion template renders")
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let answer_format = answer_format(task, criteria);
    let context = as_prompt_text(context);
    let output = as_prompt_text(output);
    let names: Vec<&str> = criteria.iter().map(|c| c.name.as_str()).collect();
    let system = match &task.prompts.system {
        Some(text) => fill(
            text,
            &[
                ("title", &task.title),
                ("description", &task.description),
                ("scale", &scale),
                ("criteria_block", &criteria_block),
                ("answer_format", &answer_format),
            ],
        ),
        None => SystemPrompt {
            title: &task.title,
            description: &task.description,
            scale: &scale,
            criteria,
            criteria_block: &criteria_block,
            answer_format: &answer_format,
        }
        .render()
        .expect("the system template renders"),
    };
    let user = match &task.prompts.user {
        Some(text) => fill(
            text,
            &[
                ("context", &context),
                ("output", &output),
                ("criteria_names", &names.join(", ")),
            ],
        ),
        None => UserPrompt {
            context: &context,
            output: &output,
            criteria: &names,
        }
        .render()
        .expect("the user template renders"),
    };
    Prompt { system, user }
}

/// Placeholders in an override that are not in `allowed`, for task validation.
pub fn unknown_placeholders(text: &str, allowed: &[&str]) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        if !allowed.contains(&name) {
            unknown.push(name.to_string());
        }
        rest = &after[end + 2..];
    }
    unknown
}

fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut result = String::with_capacity(text.len() * 2);
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        result.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            result.push_str(&rest[start..]);
            return result;
        };
        let name = after[..end].trim();
        match values.iter().find(|(key, _)| *key == name) {
            Some((_, value)) => result.push_str(value),
            None => result.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    result.push_str(rest);
    result
}

fn scale_block(task: &TaskDefinition) -> String {
    task.scale
        .labels
        .iter()
        .map(|label| {
            let verdict = if label.passes { "passes" } else { "fails" };
            format!("- \"{}\": {} ({verdict})", label.value, label.title)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn answer_format(task: &TaskDefinition, criteria: &[&Criterion]) -> String {
    let labels = task
        .scale
        .labels
        .iter()
        .map(|label| label.value.as_str())
        .collect::<Vec<_>>()
        .join("|");
    let entries = criteria
        .iter()
        .map(|c| {
            format!(
                "\"{}\": {{\"rationale\": \"<one or two sentences>\", \"label\": \"<{labels}>\"}}",
                c.name
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!("{{\"criteria\": {{{entries}}}}}")
}

/// A string as its text; anything else as compact JSON (fewer tokens than pretty-printed).
fn as_prompt_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin(name: &str) -> (TaskDefinition, serde_json::Value) {
        let file = match name {
            "interest" => include_str!("../../../tasks/interest.toml"),
            "tag" => include_str!("../../../tasks/tag.toml"),
            _ => include_str!("../../../tasks/explanation.toml"),
        };
        let sample = match name {
            "interest" => include_str!("testdata/interest.json"),
            "tag" => include_str!("testdata/tag.json"),
            _ => include_str!("testdata/explanation.json"),
        };
        (
            toml::from_str(file).unwrap(),
            serde_json::from_str(sample).unwrap(),
        )
    }

    fn snapshot(prompt: &Prompt) -> String {
        format!(
            "=== system ===\n{}\n=== user ===\n{}",
            prompt.system, prompt.user
        )
    }

    #[test]
    fn builtin_task_prompts() {
        for name in ["interest", "tag", "explanation"] {
            let (task, sample) = builtin(name);
            let criteria: Vec<&Criterion> = task.criteria.iter().collect();
            let prompt = render(&task, &criteria, &sample["context"], &sample["output"]);
            insta::assert_snapshot!(format!("{name}_single"), snapshot(&prompt));
        }
    }

    #[test]
    fn per_criterion_prompt_names_only_its_criterion() {
        let (task, sample) = builtin("tag");
        let prompt = render(
            &task,
            &[&task.criteria[3]],
            &sample["context"],
            &sample["output"],
        );
        assert!(!prompt.system.contains("\"relevance\""));
        insta::assert_snapshot!("tag_validity_only", snapshot(&prompt));
    }

    #[test]
    fn the_prompt_version_changes_with_the_rubric_version_and_the_overrides() {
        let (mut task, _) = builtin("tag");
        let v1 = prompt_version(&task, 1);
        assert_ne!(v1, prompt_version(&task, 2));
        task.prompts.user = Some("Judge {{ output }}".into());
        assert_ne!(v1, prompt_version(&task, 1));
    }

    #[test]
    fn overrides_replace_the_templates() {
        let (mut task, sample) = builtin("explanation");
        task.prompts.system = Some("Judge {{ title }}.\n{{ answer_format }}".into());
        task.prompts.user = Some("Text: {{ output }} ({{ criteria_names }})".into());
        let criteria: Vec<&Criterion> = task.criteria.iter().collect();
        let prompt = render(&task, &criteria, &sample["context"], &sample["output"]);
        assert!(
            prompt
                .system
                .starts_with("Judge Recommendation explanation"),
            "{}",
            prompt.system
        );
        assert!(
            prompt.user.starts_with("Text: the best basketball"),
            "{}",
            prompt.user
        );
    }

    #[test]
    fn overrides_fill_known_placeholders_and_keep_unknown_ones_verbatim() {
        assert_eq!(
            fill("A {{ context }} B {{nope}} C", &[("context", "x")]),
            "A x B {{nope}} C"
        );
        assert_eq!(
            unknown_placeholders("{{ context }} {{ nope }}", USER_PLACEHOLDERS),
            vec!["nope"]
        );
    }
}
