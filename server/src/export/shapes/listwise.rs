//! `listwise`: for each context with two or more judged outputs, the outputs ranked S ≻ A ≻ B
//! (rank 1 is best; outputs with the same grade share a rank), for listwise reward models.

use super::{best_first, ContextShape, Output};
use crate::export::columns::{column, Cell, Kind, RankedOutput, Schema};
use crate::export::prompt::generator_input;
use app::db::export_source::VerdictRow;

pub struct Listwise {
    schema: Schema,
    system: String,
}

impl Listwise {
    pub fn new(system: String) -> Listwise {
        Listwise {
            system,
            schema: Schema {
                columns: vec![
                    column("context_key", Kind::Text),
                    column("prompt", Kind::Messages),
                    column("responses", Kind::Ranked),
                    column("size", Kind::Int),
                ],
                criteria: Vec::new(),
            },
        }
    }
}

impl ContextShape for Listwise {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn write_context(
        &self,
        key: &str,
        mut rows: Vec<VerdictRow>,
        out: &mut Output,
    ) -> anyhow::Result<()> {
        if rows.len() < 2 {
            return Ok(());
        }
        best_first(&mut rows);
        let ranked = rank(&rows);
        let prompt = generator_input(&self.system, &rows[0].context);
        out.files.write(
            out.is_validation(key),
            &[
                Cell::Text(key),
                Cell::Messages(&prompt),
                Cell::Ranked(&ranked),
                Cell::Int(ranked.len() as i64),
            ],
        )?;
        for row in &rows {
            out.distribution.add(&row.as_verdict());
        }
        Ok(())
    }
}

/// Ranks rows already sorted best first: the rank is one more than the number of strictly
/// better outputs.
fn rank(rows: &[VerdictRow]) -> Vec<RankedOutput> {
    let mut ranked: Vec<RankedOutput> = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        let rank = match ranked.last() {
            Some(previous) if previous.grade == row.grade => previous.rank,
            _ => index as i32 + 1,
        };
        ranked.push(RankedOutput {
            item_id: row.item_id,
            external_id: row.external_id.clone(),
            output: row.output.clone(),
            grade: row.grade.clone(),
            rank,
        });
    }
    ranked
}
