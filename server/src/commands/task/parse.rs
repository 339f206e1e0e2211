//! Reading a TOML task file into a checked [`TaskDefinition`].
//!
//! Every problem found is reported at once, each with the path of the field (and the line and
//! column where the TOML parser knows them), so a task author fixes a file in one go.

use super::schema::schema_problems;
use app::domain::TaskDefinition;

/// One thing wrong with a task file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line and column, when the TOML parser points at a place in the file.
    pub position: Option<(usize, usize)>,
    /// The offending field, e.g. `routing.audit_rate`; empty for a syntax error.
    pub path: String,
    pub message: String,
}

impl Problem {
    pub(super) fn at(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            position: None,
            path: path.into(),
            message: message.into(),
        }
    }

    /// The problem as a line of output: `FILE:LINE:COLUMN: path: message`, where the position
    /// and the path are left out when unknown.
    pub fn in_file(&self, file: &str) -> String {
        let mut line = file.to_string();
        if let Some((row, column)) = self.position {
            line.push_str(&format!(":{row}:{column}"));
        }
        if !self.path.is_empty() {
            line.push_str(&format!(": {}", self.path));
        }
        format!("{line}: {}", self.message)
    }
}

/// Reads a task file: TOML syntax, the definition's shape, no unknown keys (a misspelt key would
/// otherwise silently fall back to its default), the definition's own rules, and that both
/// schemas are valid JSON Schemas.
pub fn parse(text: &str) -> Result<TaskDefinition, Vec<Problem>> {
    let table: toml::Table = text.parse().map_err(|error: toml::de::Error| {
        vec![Problem {
            position: error.span().map(|span| line_and_column(text, span.start)),
            path: String::new(),
            message: one_line(error.message()),
        }]
    })?;
    let definition: TaskDefinition =
        serde_path_to_error::deserialize(toml::Deserializer::new(text)).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.inner();
            vec![Problem {
                // A span from the very start covers the whole file (a missing top-level key).
                position: inner
                    .span()
                    .filter(|span| span.start > 0)
                    .map(|span| line_and_column(text, span.start)),
                path: if path == "." { String::new() } else { path },
                message: one_line(inner.message()),
            }]
        })?;
    let mut problems = unknown_keys(&table, &definition);
    if let Err(errors) = definition.validate() {
        problems.extend(errors.into_iter().map(|e| Problem::at(e.path, e.message)));
    }
    for (field, schema) in [
        ("context_schema", &definition.context_schema),
        ("output_schema", &definition.output_schema),
    ] {
        if schema.is_object() {
            problems.extend(schema_problems(field, schema));
        }
    }
    problems.extend(placeholder_problems(&definition));
    if problems.is_empty() {
        Ok(definition)
    } else {
        Err(problems)
    }
}

/// Prompt overrides may only use the placeholders the judge fills in.
fn placeholder_problems(definition: &TaskDefinition) -> Vec<Problem> {
    placeholders(&definition.prompts)
        .into_iter()
        .map(|(path, message)| Problem::at(path, message))
        .collect()
}

/// What is wrong with `prompts`' placeholders, one line each (`prompts.user: unknown …`).
pub(crate) fn prompt_problems(prompts: &app::domain::PromptOverrides) -> Vec<String> {
    placeholders(prompts)
        .into_iter()
        .map(|(path, message)| format!("{path}: {message}"))
        .collect()
}

fn placeholders(prompts: &app::domain::PromptOverrides) -> Vec<(&'static str, String)> {
    use crate::judge::prompt::{unknown_placeholders, SYSTEM_PLACEHOLDERS, USER_PLACEHOLDERS};
    [
        ("prompts.system", &prompts.system, SYSTEM_PLACEHOLDERS),
        ("prompts.user", &prompts.user, USER_PLACEHOLDERS),
    ]
    .into_iter()
    .filter_map(|(path, text, known)| Some((path, text.as_deref()?, known)))
    .flat_map(|(path, text, known)| {
        unknown_placeholders(text, known)
            .into_iter()
            .map(move |name| {
                (
                    path,
                    format!(
                        "unknown placeholder {{{{ {name} }}}} (known: {})",
                        known.join(", ")
                    ),
                )
            })
    })
    .collect()
}

/// The parser's message, which may span lines, on one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// Keys in the file that the definition does not have: whatever deserialising ignored is
/// missing when the definition is turned back into TOML.
fn unknown_keys(file: &toml::Table, definition: &TaskDefinition) -> Vec<Problem> {
    let Ok(known) = toml::Table::try_from(definition) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    compare_tables(file, &known, "", &mut problems);
    problems
}

fn compare_tables(file: &toml::Table, known: &toml::Table, path: &str, out: &mut Vec<Problem>) {
    for (key, value) in file {
        let here = join(path, key);
        match (value, known.get(key)) {
            (_, None) => out.push(Problem::at(here, "unknown field")),
            (toml::Value::Table(file), Some(toml::Value::Table(known))) => {
                compare_tables(file, known, &here, out)
            }
            (toml::Value::Array(file), Some(toml::Value::Array(known))) => {
                for (i, (file, known)) in file.iter().zip(known).enumerate() {
                    if let (toml::Value::Table(file), toml::Value::Table(known)) = (file, known) {
                        compare_tables(file, known, &format!("{here}[{i}]"), out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `path.key`, quoting `key` unless it is a bare TOML key.
pub(super) fn join(path: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::builtin_tasks::BUILTIN_TASK_FILES;

    fn messages(text: &str) -> Vec<String> {
        parse(text)
            .unwrap_err()
            .iter()
            .map(|p| p.in_file("t.toml"))
            .collect()
    }

    fn tag_file() -> &'static str {
        BUILTIN_TASK_FILES[1].1
    }

    #[test]
    fn every_built_in_task_file_reads_without_problems() {
        for (name, text) in BUILTIN_TASK_FILES {
            assert!(parse(text).is_ok(), "{name}: {:?}", parse(text).err());
        }
    }

    #[test]
    fn prompt_overrides_may_only_use_known_placeholders() {
        let text = format!(
            "{}\n[prompts]\nuser = \"Judge {{{{ output }}}} for {{{{ user_name }}}}\"\n",
            tag_file()
        );
        assert_eq!(
            messages(&text),
            vec!["t.toml: prompts.user: unknown placeholder {{ user_name }} (known: context, output, criteria_names)"]
        );
    }

    #[test]
    fn a_syntax_error_is_reported_with_its_line_and_column() {
        let found = messages("name = \"x\"\ntitle = \n");
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("t.toml:2:"), "{found:?}");
    }

    #[test]
    fn a_missing_top_level_field_is_named_without_a_position() {
        let text = tag_file().replace("\ntitle = \"Item tag prediction\"", "");
        assert_eq!(messages(&text), ["t.toml: missing field `title`"]);
    }

    #[test]
    fn a_value_of_the_wrong_type_is_reported_with_its_path() {
        let text = tag_file().replace("audit_rate = 0.05", "audit_rate = \"often\"");
        let found = messages(&text);
        assert!(found[0].contains(": routing.audit_rate: "), "{found:?}");
    }

    #[test]
    fn a_misspelt_key_is_an_unknown_field() {
        let text = tag_file().replace("audit_rate = 0.05", "audit_rat = 0.05");
        assert_eq!(
            messages(&text),
            ["t.toml: routing.audit_rat: unknown field"]
        );
    }

    #[test]
    fn every_rule_the_definition_breaks_is_reported() {
        let text = tag_file()
            .replace("audit_rate = 0.05", "audit_rate = 1.5")
            .replace("title = \"Item tag prediction\"", "title = \" \"");
        let found = messages(&text);
        assert!(found.contains(&"t.toml: title: must not be empty".to_string()));
        assert!(found.contains(&"t.toml: routing.audit_rate: must be between 0 and 1".to_string()));
    }

    #[test]
    fn an_invalid_json_schema_is_reported_at_the_offending_keyword() {
        let text = tag_file().replace(
            "properties.city_tier = { type = \"integer\"",
            "properties.city_tier = { type = \"strng\"",
        );
        let found = messages(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .starts_with("t.toml: context_schema.properties.user.properties.city_tier.type: "),
            "{found:?}"
        );
    }
}
