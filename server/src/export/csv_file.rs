//! CSV with a header row; JSON columns (context, output, labels, messages, ranked outputs) as
//! JSON text, times in RFC 3339, empty cells for nulls.

use super::columns::{format_time, Cell, Schema};
use super::files::HashingFile;
use super::json_lines::{write_messages, write_ranked};
use super::RowWriter;

pub struct CsvWriter {
    out: csv::Writer<HashingFile>,
    scratch: Vec<u8>,
    fields: Vec<Vec<u8>>,
}

impl CsvWriter {
    pub fn new(out: HashingFile, schema: &Schema) -> anyhow::Result<CsvWriter> {
        let mut out = csv::WriterBuilder::new().from_writer(out);
        out.write_record(schema.columns.iter().map(|column| column.name))?;
        Ok(CsvWriter {
            out,
            scratch: Vec::new(),
            fields: vec![Vec::new(); schema.columns.len()],
        })
    }
}

impl RowWriter for CsvWriter {
    fn write(&mut self, row: &[Cell<'_>]) -> anyhow::Result<()> {
        for (field, cell) in self.fields.iter_mut().zip(row) {
            field.clear();
            self.scratch.clear();
            match cell {
                Cell::Null => {}
                Cell::Int(value) => field.extend_from_slice(value.to_string().as_bytes()),
                Cell::Float(value) => {
                    if value.is_finite() {
                        serde_json::to_writer(&mut *field, value)?;
                    }
                }
                Cell::Bool(value) => {
                    field.extend_from_slice(if *value { b"true" } else { b"false" })
                }
                Cell::Text(text) | Cell::Json(text) | Cell::Labels(text) => {
                    field.extend_from_slice(text.as_bytes())
                }
                Cell::Time(time) => field.extend_from_slice(format_time(time).as_bytes()),
                Cell::Messages(messages) => write_messages(field, messages),
                Cell::Ranked(outputs) => write_ranked(field, outputs),
            }
        }
        self.out.write_record(&self.fields)?;
        Ok(())
    }

    fn finish(self: Box<Self>) -> anyhow::Result<HashingFile> {
        self.out
            .into_inner()
            .map_err(|error| anyhow::anyhow!("flushing the CSV file: {}", error.error()))
    }
}
