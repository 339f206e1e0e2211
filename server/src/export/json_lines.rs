//! JSON Lines: one object per row, keys in column order; JSON columns nested as they are, so
//! Hugging Face `datasets` and pandas read the file as is.

use super::columns::{format_time, Cell, Message, RankedOutput, Schema};
use super::files::HashingFile;
use super::RowWriter;
use std::io::Write;

pub struct JsonLinesWriter {
    out: HashingFile,
    schema: Schema,
    line: Vec<u8>,
}

impl JsonLinesWriter {
    pub fn new(out: HashingFile, schema: &Schema) -> JsonLinesWriter {
        JsonLinesWriter {
            out,
            schema: schema.clone(),
            line: Vec::with_capacity(4096),
        }
    }
}

impl RowWriter for JsonLinesWriter {
    fn write(&mut self, row: &[Cell<'_>]) -> anyhow::Result<()> {
        let line = &mut self.line;
        line.clear();
        line.push(b'{');
        for (index, (column, cell)) in self.schema.columns.iter().zip(row).enumerate() {
            if index > 0 {
                line.push(b',');
            }
            write_string(line, column.name);
            line.push(b':');
            write_cell(line, cell);
        }
        line.extend_from_slice(b"}\n");
        self.out.write_all(line)?;
        Ok(())
    }

    fn finish(self: Box<Self>) -> anyhow::Result<HashingFile> {
        Ok(self.out)
    }
}

fn write_cell(line: &mut Vec<u8>, cell: &Cell<'_>) {
    match cell {
        Cell::Null => line.extend_from_slice(b"null"),
        Cell::Int(value) => write_int(line, *value),
        Cell::Float(value) => write_float(line, *value),
        Cell::Bool(value) => line.extend_from_slice(if *value { b"true" } else { b"false" }),
        Cell::Text(text) => write_string(line, text),
        Cell::Json(json) | Cell::Labels(json) => line.extend_from_slice(json.as_bytes()),
        Cell::Time(time) => write_string(line, &format_time(time)),
        Cell::Messages(messages) => write_messages(line, messages),
        Cell::Ranked(outputs) => write_ranked(line, outputs),
    }
}

pub(super) fn write_messages(line: &mut Vec<u8>, messages: &[Message]) {
    line.push(b'[');
    for (index, message) in messages.iter().enumerate() {
        if index > 0 {
            line.push(b',');
        }
        line.extend_from_slice(b"{\"role\":");
        write_string(line, message.role);
        line.extend_from_slice(b",\"content\":");
        write_string(line, &message.content);
        line.push(b'}');
    }
    line.push(b']');
}

/// The ranked outputs, each `output` nested as JSON.
pub(super) fn write_ranked(line: &mut Vec<u8>, outputs: &[RankedOutput]) {
    line.push(b'[');
    for (index, output) in outputs.iter().enumerate() {
        if index > 0 {
            line.push(b',');
        }
        line.extend_from_slice(b"{\"item_id\":");
        write_int(line, output.item_id);
        line.extend_from_slice(b",\"external_id\":");
        write_string(line, &output.external_id);
        line.extend_from_slice(b",\"output\":");
        line.extend_from_slice(output.output.as_bytes());
        line.extend_from_slice(b",\"grade\":");
        write_string(line, &output.grade);
        line.extend_from_slice(b",\"rank\":");
        write_int(line, i64::from(output.rank));
        line.push(b'}');
    }
    line.push(b']');
}

/// A JSON string with serde_json's escaping.
pub(super) fn write_string(line: &mut Vec<u8>, text: &str) {
    serde_json::to_writer(line, text).expect("writing to a Vec cannot fail");
}

fn write_float(line: &mut Vec<u8>, value: f64) {
    if value.is_finite() {
        serde_json::to_writer(line, &value).expect("writing to a Vec cannot fail");
    } else {
        line.extend_from_slice(b"null");
    }
}

fn write_int(line: &mut Vec<u8>, value: i64) {
    write!(line, "{value}").expect("writing to a Vec cannot fail");
}
