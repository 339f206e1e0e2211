//! Property tests (proptest) of the import parser, the fuzzing of issue 8: whatever bytes arrive
//! (plain, gzip or zstd; JSON Lines or CSV), reading, parsing, checking and COPY-encoding never
//! panic and every line is accounted for; a valid record with any text in it survives the COPY
//! encoding unchanged, as PostgreSQL's COPY text format reads it; and truncated or deeply nested
//! JSON is an error on its line, not a crash.

use super::lines::{read_csv, read_json_lines};
use super::record::{parse_json_line, FieldError};
use super::rules::TaskRules;
use super::source::{Format, Source};
use super::staged::RowEncoder;
use crate::seed::builtin_tasks::builtin_definition;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::io::{Cursor, Write};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// The number of columns of a staging row and of a direct `items` row: the COPY column lists
/// the rows are written for.
fn field_count(columns: &str) -> usize {
    columns.split(',').count()
}

fn tag_rules() -> TaskRules {
    TaskRules::new(builtin_definition("tag").expect("the built-in tag task")).unwrap()
}

#[derive(Debug, Clone, Copy)]
enum Packing {
    Plain,
    Gzip,
    Zstd,
}

fn pack(bytes: &[u8], packing: Packing) -> Vec<u8> {
    match packing {
        Packing::Plain => bytes.to_vec(),
        Packing::Gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(bytes).unwrap();
            encoder.finish().unwrap()
        }
        Packing::Zstd => zstd::encode_all(bytes, 1).unwrap(),
    }
}

/// Every line the reader reports: its number and parse result. A read error (a broken gzip or
/// zstd stream) ends the input with an error, which is also a fine outcome.
fn read_all(
    bytes: Vec<u8>,
    format: Format,
) -> Vec<(u64, Result<super::record::ItemRecord, FieldError>)> {
    let mut lines = Vec::new();
    let Ok(source) = Source::from_reader(
        "fuzz",
        format,
        Cursor::new(bytes),
        None,
        Arc::new(AtomicU64::new(0)),
        super::source::InputLimits::default(),
    ) else {
        return lines;
    };
    let mut each = |line: super::lines::RawLine<'_>| {
        lines.push((line.number, line.parsed));
        Ok(())
    };
    let _ = match format {
        Format::Jsonl => read_json_lines(source.reader, "fuzz", &mut each),
        Format::Csv => read_csv(source.reader, "fuzz", &mut each),
    };
    lines
}

/// Decodes one row of PostgreSQL's COPY text format: tab-separated fields, `\N` for NULL,
/// backslash escapes. Panics on anything COPY itself would refuse.
fn decode_copy_row(row: &[u8]) -> Vec<Option<Vec<u8>>> {
    assert!(
        !row.contains(&b'\n') && !row.contains(&b'\r'),
        "a raw line break inside a row"
    );
    assert!(!row.contains(&0), "a NUL byte in a COPY row");
    row.split(|b| *b == b'\t')
        .map(|field| {
            if field == b"\\N" {
                return None;
            }
            let mut out = Vec::with_capacity(field.len());
            let mut bytes = field.iter();
            while let Some(&byte) = bytes.next() {
                if byte != b'\\' {
                    out.push(byte);
                    continue;
                }
                match bytes.next() {
                    Some(b'\\') => out.push(b'\\'),
                    Some(b't') => out.push(b'\t'),
                    Some(b'n') => out.push(b'\n'),
                    Some(b'r') => out.push(b'\r'),
                    Some(b'x') => out.extend_from_slice(b"x"),
                    other => panic!("an escape COPY does not know: \\{other:?}"),
                }
            }
            Some(out)
        })
        .collect()
}

/// Checks and encodes a parsed record; when it is valid, its COPY rows must decode to exactly
/// its values. Returns the check's errors otherwise.
fn check_and_encode(
    rules: &TaskRules,
    record: super::record::ItemRecord,
) -> Result<(), Vec<FieldError>> {
    let original = record.clone();
    let item = rules.check(record, Some("default-batch"))?;
    let (mut staging, mut direct) = (Vec::new(), Vec::new());
    RowEncoder::default().encode(&item, 7, 3, &mut staging, &mut direct);
    let staging_row = decode_copy_row(staging.strip_suffix(b"\n").expect("rows end in a newline"));
    let item_row = decode_copy_row(direct.strip_suffix(b"\n").expect("rows end in a newline"));
    let item_fields = field_count(app::db::import_writer::ITEM_COLUMNS);
    assert_eq!(
        staging_row.len(),
        field_count(app::db::import_writer::STAGING_COLUMNS)
    );
    assert_eq!(item_row.len(), item_fields);
    assert_eq!(&item_row[1..], &staging_row[1..item_fields]);
    let text = |field: &Option<Vec<u8>>| {
        String::from_utf8(field.clone().expect("not NULL")).expect("UTF-8")
    };
    let json = |field: &Option<Vec<u8>>| serde_json::from_str::<Value>(&text(field)).expect("JSON");
    for field in staging_row.iter().flatten() {
        let text = std::str::from_utf8(field).expect("COPY text is UTF-8");
        if let Ok(value) = serde_json::from_str::<Value>(text) {
            assert!(!holds_nul(&value), "PostgreSQL cannot store U+0000: {text}");
        }
    }
    assert_eq!(text(&staging_row[1]), original.external_id);
    assert_eq!(json(&staging_row[2]), original.context);
    assert_eq!(json(&staging_row[3]), original.output);
    let batch = original.batch.unwrap_or_else(|| "default-batch".into());
    assert_eq!(text(&staging_row[6]), batch);
    Ok(())
}

/// Whether any string or key in `value` holds U+0000, which jsonb refuses.
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

/// Text with what breaks naive parsers and COPY encoders: quotes, backslashes, tabs, line
/// breaks, NUL and other control characters, and characters outside the BMP.
fn nasty_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{1,12}",
        "[\\\\\"\t\r\n\u{0}\u{1}\u{7f},;{}\\[\\]]{1,8}",
        "[a-z\u{1F600}-\u{1F64F}\u{e9}\u{4e2d}\u{200b}]{1,10}",
    ]
}

fn tag_record(id: String, tags: Vec<(String, String)>, batch: Option<String>) -> Value {
    let mut record = json!({
        "external_id": id,
        "context": {
            "user": {"age_band": "25-34", "gender": "female", "city_tier": 2},
            "interests": ["tennis"],
            "recent": {"clicks": ["racket"], "purchases": [], "searches": ["grip tape"]}
        },
        "output": {"tags": tags.iter().map(|(tag, reason)| json!({"tag": tag, "interest": "tennis", "reason": reason})).collect::<Vec<_>>()},
    });
    if let Some(batch) = batch {
        record["batch"] = json!(batch);
    }
    record
}

fn valid_line() -> String {
    tag_record(
        "item-1".into(),
        vec![("string set".into(), "fits".into())],
        None,
    )
    .to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_in_any_packing_never_panic_and_lines_are_numbered_in_order(
        chunks in prop::collection::vec(prop_oneof![
            prop::collection::vec(any::<u8>(), 0..40),
            Just(valid_line().into_bytes()),
            Just(b"\n".to_vec()),
            Just(b"{\"external_id\":".to_vec()),
            Just(b"\",\"\"\r\n".to_vec()),
        ], 0..12),
        csv in any::<bool>(),
        packing in prop_oneof![Just(Packing::Plain), Just(Packing::Gzip), Just(Packing::Zstd)],
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes: Vec<u8> = chunks.concat();
        if csv {
            bytes.splice(0..0, b"external_id,context,output,batch\n".iter().copied());
        }
        let mut packed = pack(&bytes, packing);
        // Sometimes the stream is cut short, as by a dropped upload.
        if !matches!(packing, Packing::Plain) && cut.index(4) == 0 {
            let keep = cut.index(packed.len().max(1));
            packed.truncate(keep);
        }
        let format = if csv { Format::Csv } else { Format::Jsonl };
        let lines = read_all(packed, format);
        let total_lines = bytes.split(|b| *b == b'\n').count() as u64;
        let rules = tag_rules();
        let mut previous = 0;
        for (number, parsed) in lines {
            // In CSV a bare carriage return also ends a record, so two records can share a line.
            let in_order = if csv { number >= previous || number == 0 } else { number > previous };
            prop_assert!(in_order, "line {number} after {previous}");
            prop_assert!(number <= total_lines + 1, "line {number} of {total_lines}");
            previous = previous.max(number);
            if let Ok(record) = parsed {
                let _ = check_and_encode(&rules, record);
            }
        }
    }

    #[test]
    fn a_valid_record_with_any_text_survives_copy_encoding_or_names_its_nul(
        id in "[a-zA-Z0-9._:/-]{1,40}",
        tags in prop::collection::vec((nasty_text(), nasty_text()), 1..4),
        batch in prop::option::of(nasty_text()),
        as_csv in any::<bool>(),
    ) {
        let record = tag_record(id, tags.clone(), batch.clone());
        let parsed = if as_csv {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(["external_id", "context", "output", "batch"]).unwrap();
            writer.write_record([
                record["external_id"].as_str().unwrap().to_string(),
                record["context"].to_string(),
                record["output"].to_string(),
                batch.clone().unwrap_or_default(),
            ]).unwrap();
            let lines = read_all(writer.into_inner().unwrap(), Format::Csv);
            prop_assert_eq!(lines.len(), 1);
            lines.into_iter().next().unwrap().1
        } else {
            let line = format!("{record}\n");
            prop_assert!(!line.trim_end_matches('\n').contains('\n'), "serde_json escapes line breaks");
            let lines = read_all(line.into_bytes(), Format::Jsonl);
            prop_assert_eq!(lines.len(), 1);
            lines.into_iter().next().unwrap().1
        };
        let parsed = parsed.map_err(|e| TestCaseError::fail(format!("{}: {}", e.path, e.message)))?;
        prop_assert_eq!(&parsed.output, &record["output"]);
        let has_nul = tags.iter().any(|(t, r)| t.contains('\0') || r.contains('\0'))
            || batch.as_deref().is_some_and(|b| b.contains('\0'));
        match check_and_encode(&tag_rules(), parsed) {
            Ok(()) => prop_assert!(!has_nul),
            Err(errors) => {
                prop_assert!(has_nul, "refused: {errors:?}");
                for error in errors {
                    let nul = error.message.contains("NUL");
                    prop_assert!(!nul || error.path == "batch" || error.path.starts_with("output.tags."), "{error:?}");
                }
            }
        }
    }

    #[test]
    fn every_truncation_of_a_line_is_an_error_on_that_line(cut in 1..valid_line().len()) {
        let line = valid_line();
        let error = parse_json_line(&line[..cut]).expect_err("a truncated line does not parse");
        prop_assert!(!error.message.is_empty());
    }

    #[test]
    fn deeply_nested_json_is_an_error_not_a_stack_overflow(depth in 1usize..50_000, object in any::<bool>()) {
        let (open, close) = if object { ("{\"a\":", "}") } else { ("[", "]") };
        let nested = format!("{}1{}", open.repeat(depth), close.repeat(depth));
        let line = format!("{{\"external_id\":\"deep\",\"context\":{nested},\"output\":{{}}}}");
        let parsed = parse_json_line(&line);
        if depth > 127 {
            prop_assert!(parsed.is_err(), "depth {depth}");
        }
    }
}
