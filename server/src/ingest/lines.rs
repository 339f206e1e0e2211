//! Turning an input into numbered records: JSON Lines (one object per line, blank lines skipped)
//! or CSV (a header row naming the same fields; JSON-valued columns hold JSON text).

use super::pipeline::ImportError;
use super::record::{parse_json_line, parse_value, FieldError, ItemRecord};
use serde_json::{Map, Value};
use std::io::BufRead;

/// One input line: its 1-based number, its text (for the rejects file), and the parse result.
pub struct RawLine<'a> {
    pub number: u64,
    pub text: &'a str,
    pub parsed: Result<ItemRecord, FieldError>,
    /// For CSV, the header row, so a rejects file can repeat it.
    pub csv_header: Option<&'a str>,
}

/// The CSV columns whose cells are JSON text.
const JSON_COLUMNS: [&str; 6] = [
    "context",
    "output",
    "generator",
    "golden",
    "judgment",
    "meta",
];
/// The CSV columns whose cells are plain text.
const TEXT_COLUMNS: [&str; 3] = ["external_id", "task", "batch"];

/// Calls `each` for every non-blank line of a JSON Lines input.
pub fn read_json_lines(
    mut reader: Box<dyn BufRead + Send>,
    name: &str,
    each: &mut dyn FnMut(RawLine<'_>) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let mut buffer = Vec::with_capacity(4096);
    let mut number = 0u64;
    loop {
        buffer.clear();
        let read = reader
            .read_until(b'\n', &mut buffer)
            .map_err(|error| ImportError::Read {
                source_name: name.to_string(),
                error,
            })?;
        if read == 0 {
            return Ok(());
        }
        number += 1;
        match std::str::from_utf8(&buffer) {
            Ok(text) if text.trim().is_empty() => {}
            Ok(text) => each(RawLine {
                number,
                text,
                parsed: parse_json_line(text),
                csv_header: None,
            })?,
            Err(error) => {
                let text = String::from_utf8_lossy(&buffer).into_owned();
                let message = format!("is not valid UTF-8 (at byte {})", error.valid_up_to() + 1);
                each(RawLine {
                    number,
                    text: &text,
                    parsed: Err(FieldError::new("", message)),
                    csv_header: None,
                })?
            }
        }
    }
}

/// Calls `each` for every record of a CSV input.
pub fn read_csv(
    reader: Box<dyn BufRead + Send>,
    name: &str,
    each: &mut dyn FnMut(RawLine<'_>) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    // An I/O error (a broken stream, a limit) ends the input as it is, its cause kept.
    let read_error = |error: csv::Error| ImportError::Read {
        source_name: name.to_string(),
        error: match error.is_io_error() {
            true => match error.into_kind() {
                csv::ErrorKind::Io(error) => error,
                kind => std::io::Error::other(format!("{kind:?}")),
            },
            false => std::io::Error::other(error.to_string()),
        },
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let headers = csv.headers().map_err(read_error)?.clone();
    let header = to_csv_line(&headers);
    if let Some(unknown) = headers
        .iter()
        .find(|h| !JSON_COLUMNS.contains(h) && !TEXT_COLUMNS.contains(h))
    {
        let message = format!(
            "unknown column `{unknown}` (expected: {}, {})",
            TEXT_COLUMNS.join(", "),
            JSON_COLUMNS.join(", ")
        );
        return each(RawLine {
            number: 1,
            text: &header,
            parsed: Err(FieldError::new(unknown, message)),
            csv_header: None,
        });
    }
    for result in csv.records() {
        match result {
            Ok(record) => {
                let number = record.position().map_or(0, |p| p.line());
                let text = to_csv_line(&record);
                each(RawLine {
                    number,
                    text: &text,
                    parsed: record_to_item(&headers, &record),
                    csv_header: Some(&header),
                })?;
            }
            Err(error) if error.is_io_error() => return Err(read_error(error)),
            Err(error) => {
                let number = error.position().map_or(0, |p| p.line());
                each(RawLine {
                    number,
                    text: "",
                    parsed: Err(FieldError::new("", error.to_string())),
                    csv_header: Some(&header),
                })?;
            }
        }
    }
    Ok(())
}

fn record_to_item(
    headers: &csv::StringRecord,
    record: &csv::StringRecord,
) -> Result<ItemRecord, FieldError> {
    let mut object = Map::new();
    for (column, cell) in headers.iter().zip(record.iter()) {
        if cell.is_empty() {
            continue;
        }
        let value = if JSON_COLUMNS.contains(&column) {
            serde_json::from_str(cell)
                .map_err(|e| FieldError::new(column, format!("is not valid JSON: {e}")))?
        } else {
            Value::String(cell.to_string())
        };
        object.insert(column.to_string(), value);
    }
    parse_value(Value::Object(object))
}

fn to_csv_line(record: &csv::StringRecord) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = writer.write_record(record);
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn collect_csv(text: &str) -> Vec<(u64, Result<String, FieldError>)> {
        let mut out = Vec::new();
        read_csv(
            Box::new(Cursor::new(text.to_string())),
            "t.csv",
            &mut |line| {
                out.push((line.number, line.parsed.map(|r| r.external_id)));
                Ok(())
            },
        )
        .unwrap();
        out
    }

    #[test]
    fn csv_rows_become_records_with_json_columns_parsed() {
        let text = "external_id,context,output,batch\na-1,\"{\"\"x\"\":1}\",\"\"\"hi\"\"\",b1\n";
        assert_eq!(collect_csv(text), vec![(2, Ok("a-1".to_string()))]);
    }

    #[test]
    fn a_csv_cell_with_broken_json_names_its_column() {
        let text = "external_id,context,output\na-1,{x,\"\"\"hi\"\"\"\n";
        let lines = collect_csv(text);
        let error = lines[0].1.clone().unwrap_err();
        assert_eq!(error.path, "context");
        assert!(error.message.starts_with("is not valid JSON"));
    }

    #[test]
    fn an_unknown_csv_column_is_reported_on_the_header_line() {
        let lines = collect_csv("external_id,contxt,output\na,{},\"\"\n");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].0, 1);
        assert_eq!(lines[0].1.clone().unwrap_err().path, "contxt");
    }

    #[test]
    fn json_lines_are_numbered_and_blank_lines_skipped() {
        let text = "{\"external_id\":\"a\",\"context\":{},\"output\":1}\n\n{bad\n";
        let mut seen = Vec::new();
        read_json_lines(Box::new(Cursor::new(text.to_string())), "t", &mut |line| {
            seen.push((line.number, line.parsed.is_ok()));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![(1, true), (3, false)]);
    }

    #[test]
    fn invalid_utf8_is_reported_with_its_byte() {
        let mut seen = Vec::new();
        read_json_lines(
            Box::new(Cursor::new(b"ab\xffcd\n".to_vec())),
            "t",
            &mut |line| {
                seen.push(line.parsed.unwrap_err().message);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, vec!["is not valid UTF-8 (at byte 3)".to_string()]);
    }
}
