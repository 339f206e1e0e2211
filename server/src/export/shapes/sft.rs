//! `sft`: qualified items only (RecGPT's multi-dimensional reject sampling), as chat examples:
//! the generator's input built from the context (system + user) → the output (assistant).

use super::{Output, Shape};
use crate::export::columns::{column, nullable, Cell, Kind, Message, Schema};
use crate::export::prompt::generator_input;
use app::db::export_source::Verdict;

pub struct Sft {
    schema: Schema,
    system: String,
}

impl Sft {
    pub fn new(system: String) -> Sft {
        Sft {
            system,
            schema: Schema {
                columns: vec![
                    column("item_id", Kind::Int),
                    column("external_id", Kind::Text),
                    column("messages", Kind::Messages),
                    column("grade", Kind::Text),
                    column("provenance", Kind::Text),
                    nullable("generator_version", Kind::Text),
                    column("rubric_version", Kind::Int),
                ],
                criteria: Vec::new(),
            },
        }
    }
}

impl Shape for Sft {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn push(&mut self, row: &Verdict<'_>, out: &mut Output) -> anyhow::Result<()> {
        if !row.qualified {
            return Ok(());
        }
        let mut messages = generator_input(&self.system, row.context);
        messages.push(Message::new("assistant", row.output));
        let validation = out.is_validation(row.external_id);
        out.files.write(
            validation,
            &[
                Cell::Int(row.item_id),
                Cell::Text(row.external_id),
                Cell::Messages(&messages),
                Cell::Text(row.grade),
                Cell::Text(row.provenance),
                Cell::text(row.generator_version),
                Cell::Int(i64::from(row.rubric_version)),
            ],
        )?;
        out.distribution.add(row);
        Ok(())
    }
}
