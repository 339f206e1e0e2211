//! `verdicts`: one row per item with its context, output, generator, final per-criterion labels,
//! qualified flag, S/A/B grade, provenance, the judge's confidence and configuration, the number
//! of human annotations, the rubric version and timestamps.

use super::{Output, Shape};
use crate::export::columns::{column, nullable, Cell, Kind, Schema};
use app::db::export_source::Verdict;

pub struct Verdicts {
    schema: Schema,
    task: String,
}

impl Verdicts {
    pub fn new(task: &str, criteria: Vec<String>) -> Verdicts {
        Verdicts {
            task: task.into(),
            schema: Schema {
                columns: vec![
                    column("item_id", Kind::Int),
                    column("external_id", Kind::Text),
                    column("task", Kind::Text),
                    column("context", Kind::Json),
                    column("output", Kind::Json),
                    nullable("generator_model", Kind::Text),
                    nullable("generator_version", Kind::Text),
                    nullable("batch", Kind::Text),
                    column("labels", Kind::Labels),
                    column("qualified", Kind::Bool),
                    column("grade", Kind::Text),
                    column("provenance", Kind::Text),
                    nullable("judge_confidence", Kind::Float),
                    nullable("judge_model", Kind::Text),
                    nullable("judge_prompt_version", Kind::Text),
                    column("human_annotations", Kind::Int),
                    column("rubric_version", Kind::Int),
                    column("created_at", Kind::Time),
                    column("decided_at", Kind::Time),
                ],
                criteria,
            },
        }
    }
}

impl Shape for Verdicts {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn push(&mut self, row: &Verdict<'_>, out: &mut Output) -> anyhow::Result<()> {
        let validation = out.is_validation(row.external_id);
        out.files.write(
            validation,
            &[
                Cell::Int(row.item_id),
                Cell::Text(row.external_id),
                Cell::Text(&self.task),
                Cell::Json(row.context),
                Cell::Json(row.output),
                Cell::text(row.generator_model),
                Cell::text(row.generator_version),
                Cell::text(row.batch),
                Cell::Labels(row.labels),
                Cell::Bool(row.qualified),
                Cell::Text(row.grade),
                Cell::Text(row.provenance),
                Cell::float(row.judge_confidence),
                Cell::text(row.judge_model),
                Cell::text(row.judge_prompt_version),
                Cell::Int(row.human_annotations),
                Cell::Int(i64::from(row.rubric_version)),
                Cell::Time(row.created_at),
                Cell::Time(row.decided_at),
            ],
        )?;
        out.distribution.add(row);
        Ok(())
    }
}
