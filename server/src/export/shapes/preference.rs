//! `preference`: for each context, pairs of a qualified output (chosen) and an unqualified one
//! (rejected), in TRL's conversational layout (`prompt`, `chosen`, `rejected` as messages).
//! Chosen outputs go best grade first, so a cap on pairs per context keeps the best ones.

use super::{best_first, ContextShape, Output};
use crate::export::columns::{column, Cell, Kind, Message, Schema};
use crate::export::prompt::generator_input;
use app::db::export_source::VerdictRow;

pub struct Preference {
    schema: Schema,
    system: String,
    max_pairs: Option<u32>,
}

impl Preference {
    pub fn new(system: String, max_pairs: Option<u32>) -> Preference {
        Preference {
            system,
            max_pairs,
            schema: Schema {
                columns: vec![
                    column("context_key", Kind::Text),
                    column("prompt", Kind::Messages),
                    column("chosen", Kind::Messages),
                    column("rejected", Kind::Messages),
                    column("chosen_item_id", Kind::Int),
                    column("rejected_item_id", Kind::Int),
                    column("chosen_external_id", Kind::Text),
                    column("rejected_external_id", Kind::Text),
                    column("chosen_grade", Kind::Text),
                    column("rejected_grade", Kind::Text),
                ],
                criteria: Vec::new(),
            },
        }
    }
}

impl ContextShape for Preference {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn write_context(
        &self,
        key: &str,
        mut rows: Vec<VerdictRow>,
        out: &mut Output,
    ) -> anyhow::Result<()> {
        best_first(&mut rows);
        let (chosen, rejected): (Vec<&VerdictRow>, Vec<&VerdictRow>) =
            rows.iter().partition(|row| row.qualified);
        if chosen.is_empty() || rejected.is_empty() {
            return Ok(());
        }
        let prompt = generator_input(&self.system, &chosen[0].context);
        let validation = out.is_validation(key);
        let limit = self.max_pairs.map_or(usize::MAX, |max| max as usize);
        let mut used = std::collections::BTreeSet::new();
        let pairs = chosen
            .iter()
            .flat_map(|good| rejected.iter().map(move |bad| (*good, *bad)))
            .take(limit);
        for (good, bad) in pairs {
            let chosen_answer = [Message::new("assistant", good.output.as_str())];
            let rejected_answer = [Message::new("assistant", bad.output.as_str())];
            out.files.write(
                validation,
                &[
                    Cell::Text(key),
                    Cell::Messages(&prompt),
                    Cell::Messages(&chosen_answer),
                    Cell::Messages(&rejected_answer),
                    Cell::Int(good.item_id),
                    Cell::Int(bad.item_id),
                    Cell::Text(&good.external_id),
                    Cell::Text(&bad.external_id),
                    Cell::Text(&good.grade),
                    Cell::Text(&bad.grade),
                ],
            )?;
            used.extend([good.item_id, bad.item_id]);
        }
        for row in rows.iter().filter(|row| used.contains(&row.item_id)) {
            out.distribution.add(&row.as_verdict());
        }
        Ok(())
    }
}
