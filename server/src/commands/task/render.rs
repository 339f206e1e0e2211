//! Writing a [`TaskDefinition`] as a TOML task file that reads back to the same definition.

use app::domain::TaskDefinition;

/// The definition as a task file that `cojudge task import` reads back to the same definition:
/// `header` (each line made a comment), the top-level scalars, then the tables, with long texts
/// wrapped.
pub fn render(definition: &TaskDefinition, header: &str) -> anyhow::Result<String> {
    let plain = toml::to_string_pretty(definition)?;
    let wrapped: String = plain
        .lines()
        .map(|line| wrap_long_string(line).unwrap_or_else(|| line.to_string()) + "\n")
        .collect();
    // Wrapping is cosmetic (a line inside a multi-line text could look like `key = "…"`), so
    // the plain rendering is used whenever the wrapped one would read back differently.
    let reads_back = toml::from_str::<TaskDefinition>(&wrapped).ok().as_ref() == Some(definition);
    let body = if reads_back { wrapped } else { plain };
    let mut text = String::new();
    for line in header.lines() {
        text.push_str(format!("# {line}").trim_end());
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&body);
    Ok(text)
}

/// Texts wrap near this column, as in the hand-written task files.
const WIDTH: usize = 98;

/// `key = "a long one-line text"` as a multi-line string whose lines end in `\` (which TOML
/// removes together with the line break), or `None` when the line is anything else.
fn wrap_long_string(line: &str) -> Option<String> {
    if line.chars().count() <= WIDTH || line.starts_with(char::is_whitespace) {
        return None;
    }
    let (key, _) = line.split_once(" = ")?;
    let table: toml::Table = line.parse().ok()?;
    let text = table.get(key)?.as_str()?;
    let mut out = format!("{key} = \"\"\"\\\n");
    let mut width = 0;
    let escaped = escape_multiline(text);
    for (i, word) in escaped.split(' ').enumerate() {
        // A break trims the whitespace that starts the next line, so break only before a word.
        let can_break = !word.is_empty() && !word.starts_with(char::is_whitespace);
        if i > 0 {
            if can_break && width + 1 + word.chars().count() > WIDTH {
                out.push_str(" \\\n");
                width = 0;
            } else {
                out.push(' ');
                width += 1;
            }
        }
        out.push_str(word);
        width += word.chars().count();
    }
    out.push_str("\\\n\"\"\"");
    Some(out)
}

/// `text` as the body of a TOML multi-line basic string.
fn escape_multiline(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            // Escaped when followed by another quote, so no run of three can close the string.
            '"' if chars.peek().is_none_or(|next| *next == '"') => out.push_str("\\\""),
            '\t' => out.push('\t'),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::task::parse::parse;
    use crate::seed::builtin_tasks::BUILTIN_TASK_FILES;

    fn tag_file() -> &'static str {
        BUILTIN_TASK_FILES[1].1
    }

    #[test]
    fn every_built_in_task_survives_a_render_and_parse_round_trip() {
        for (name, text) in BUILTIN_TASK_FILES {
            let definition = parse(text).unwrap();
            let rendered = render(&definition, "exported\nfor a test").unwrap();
            assert!(
                rendered.starts_with("# exported\n# for a test\n\n"),
                "{name}"
            );
            assert_eq!(parse(&rendered), Ok(definition), "{name}");
        }
    }

    #[test]
    fn a_rendered_file_puts_top_level_scalars_before_any_table() {
        let rendered = render(&parse(tag_file()).unwrap(), "").unwrap();
        let first_table = rendered.find("\n[").unwrap();
        for key in ["name = ", "title = ", "description = "] {
            assert!(rendered.find(key).unwrap() < first_table, "{key}");
        }
    }

    #[test]
    fn a_multi_line_text_whose_lines_look_like_keys_reads_back_exactly() {
        let mut definition = parse(tag_file()).unwrap();
        definition.description = format!("first line\nkey = \"{}\"\nlast", "long ".repeat(40));
        let rendered = render(&definition, "").unwrap();
        assert_eq!(parse(&rendered), Ok(definition));
    }

    #[test]
    fn long_texts_are_wrapped_and_read_back_exactly() {
        let mut definition = parse(tag_file()).unwrap();
        definition.description = format!(
            "{} \"quoted\" \"\"\"triple\"\"\" back\\slash  two  spaces\ttab \"",
            "word ".repeat(60)
        );
        let rendered = render(&definition, "").unwrap();
        assert!(rendered
            .lines()
            .all(|line| line.chars().count() <= WIDTH + 2 || line.starts_with("    ")));
        assert!(rendered.contains("description = \"\"\"\\\n"));
        assert_eq!(
            parse(&rendered).unwrap().description,
            definition.description
        );
    }
}
