//! CSV with a header row; JSON columns (context, output, labels, messages, ranked outputs) as
//! JSON text, times in RFC 3339, empty cells for nulls. A text cell that a spreadsheet would run
//! as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with
//! a `'` in front, as OWASP advises against CSV injection; numbers are written as they are.

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
                    field.extend_from_slice(text.as_bytes());
                    neutralise_formula(field);
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

/// Puts a `'` before a text cell that a spreadsheet would read as a formula.
fn neutralise_formula(field: &mut Vec<u8>) {
    if matches!(
        field.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    ) {
        field.insert(0, b'\'');
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise_formula;

    fn neutralised(text: &str) -> String {
        let mut field = text.as_bytes().to_vec();
        neutralise_formula(&mut field);
        String::from_utf8(field).unwrap()
    }

    #[test]
    fn cells_a_spreadsheet_would_run_get_a_quote_and_others_stay_as_they_are() {
        for formula in ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x"] {
            assert_eq!(neutralised(formula), format!("'{formula}"));
        }
        for plain in ["hiking", "{\"a\":1}", "'quoted", "", " =spaced"] {
            assert_eq!(neutralised(plain), plain);
        }
    }
}
