//! `judge-sft`: for each human-labelled item, the judge's own prompt (rendered from the rubric
//! version the verdict was given under, in the task's judge mode) → the human verdict written
//! as the judge's JSON answer, with the deciding person's rationale where they gave one. In
//! per-criterion mode there is one example per criterion, as the judge is asked.

use super::{Output, Shape};
use crate::export::columns::{column, nullable, Cell, Kind, Message, Schema};
use crate::export::json_lines::write_string;
use crate::judge::prompt;
use app::db::export_source::Verdict;
use app::domain::{Criterion, JudgeMode, TaskDefinition};
use std::collections::BTreeMap;

pub struct JudgeSft {
    schema: Schema,
    rubrics: BTreeMap<i32, TaskDefinition>,
}

impl JudgeSft {
    pub fn new(rubrics: BTreeMap<i32, TaskDefinition>, criteria: Vec<String>) -> JudgeSft {
        JudgeSft {
            rubrics,
            schema: Schema {
                columns: vec![
                    column("item_id", Kind::Int),
                    column("external_id", Kind::Text),
                    nullable("criterion", Kind::Text),
                    column("messages", Kind::Messages),
                    column("labels", Kind::Labels),
                    column("qualified", Kind::Bool),
                    column("provenance", Kind::Text),
                    column("rubric_version", Kind::Int),
                    column("prompt_version", Kind::Text),
                    column("decided_at", Kind::Time),
                ],
                criteria,
            },
        }
    }
}

/// The judge's answer `{"criteria": {"<name>": {"rationale": …, "label": …}}}`, rationale
/// first as the judge is asked to write it.
fn answer(criteria: &[&Criterion], labels: &BTreeMap<String, String>, rationale: &str) -> String {
    let mut text = Vec::with_capacity(256);
    text.extend_from_slice(b"{\"criteria\":{");
    for (index, criterion) in criteria.iter().enumerate() {
        if index > 0 {
            text.push(b',');
        }
        write_string(&mut text, &criterion.name);
        text.extend_from_slice(b":{\"rationale\":");
        write_string(&mut text, rationale);
        text.extend_from_slice(b",\"label\":");
        write_string(
            &mut text,
            labels.get(&criterion.name).map_or("", String::as_str),
        );
        text.push(b'}');
    }
    text.extend_from_slice(b"}}");
    String::from_utf8(text).expect("JSON text is UTF-8")
}

impl Shape for JudgeSft {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn push(&mut self, row: &Verdict<'_>, out: &mut Output) -> anyhow::Result<()> {
        let task = self.rubrics.get(&row.rubric_version).ok_or_else(|| {
            anyhow::anyhow!(
                "item {} was judged under rubric version {}, which does not exist",
                row.external_id,
                row.rubric_version
            )
        })?;
        let labels: BTreeMap<String, String> = serde_json::from_str(row.labels)?;
        let context: serde_json::Value = serde_json::from_str(row.context)?;
        let output: serde_json::Value = serde_json::from_str(row.output)?;
        let prompt_version = prompt::prompt_version(task, row.rubric_version);
        let rationale = row.rationale.unwrap_or("");
        let all: Vec<&Criterion> = task.criteria.iter().collect();
        let asked: Vec<(Option<&str>, Vec<&Criterion>)> = match task.judge.mode {
            JudgeMode::Single => vec![(None, all)],
            JudgeMode::PerCriterion => all
                .into_iter()
                .map(|criterion| (Some(criterion.name.as_str()), vec![criterion]))
                .collect(),
        };
        let validation = out.is_validation(row.external_id);
        for (criterion, criteria) in asked {
            let rendered = prompt::render(task, &criteria, &context, &output);
            let messages = [
                Message::new("system", rendered.system),
                Message::new("user", rendered.user),
                Message::new("assistant", answer(&criteria, &labels, rationale)),
            ];
            out.files.write(
                validation,
                &[
                    Cell::Int(row.item_id),
                    Cell::Text(row.external_id),
                    Cell::text(criterion),
                    Cell::Messages(&messages),
                    Cell::Labels(row.labels),
                    Cell::Bool(row.qualified),
                    Cell::Text(row.provenance),
                    Cell::Int(i64::from(row.rubric_version)),
                    Cell::Text(&prompt_version),
                    Cell::Time(row.decided_at),
                ],
            )?;
        }
        out.distribution.add(row);
        Ok(())
    }
}
