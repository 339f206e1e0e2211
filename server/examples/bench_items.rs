//! Writes N realistic `tag` items for the import benchmark (`scripts/bench`): JSON Lines for
//! `cojudge import`, and the same rows in COPY text format for the `psql \copy` baseline.
//!
//! Usage: cargo run --release --example bench_items -- N ITEMS.jsonl ITEMS.copy

use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::{BufWriter, Write};

fn trim(list: &mut serde_json::Value, keep: usize) {
    if let Some(items) = list.as_array_mut() {
        items.truncate(keep);
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, count, jsonl_path, copy_path] = args.as_slice() else {
        eprintln!("usage: bench_items N ITEMS.jsonl ITEMS.copy");
        std::process::exit(2);
    };
    let count: usize = count.parse().expect("N is a number");
    // A few thousand distinct artifacts, repeated under new external ids, trimmed to the size the
    // benchmark is specified at (~400 bytes): two interests, two of each recent behaviour, one tag.
    let templates: Vec<_> = cojudge::demo::generate::generate(7, 3_000)
        .into_iter()
        .filter(|i| i.task == "tag")
        .map(|mut item| {
            trim(&mut item.context["interests"], 2);
            for list in ["clicks", "purchases", "searches"] {
                trim(&mut item.context["recent"][list], 2);
            }
            trim(&mut item.output["tags"], 1);
            item
        })
        .collect();
    let mut jsonl = BufWriter::with_capacity(1 << 20, std::fs::File::create(jsonl_path)?);
    let mut copy = BufWriter::with_capacity(1 << 20, std::fs::File::create(copy_path)?);
    for n in 0..count {
        let template = &templates[n % templates.len()];
        let external_id = format!("bench-{n:08}");
        let line = json!({
            "external_id": external_id,
            "context": template.context,
            "output": template.output,
            "generator": {"model": template.generator_model, "version": template.generator_version},
            "batch": template.batch,
        })
        .to_string();
        writeln!(jsonl, "{line}")?;
        let hash = hex::encode(Sha256::digest(line.as_bytes()));
        let escape = |text: String| text.replace('\\', "\\\\");
        writeln!(
            copy,
            "{external_id}\t{}\t{}\t{}\t{}\t{}\t\\\\x{hash}\tqueued",
            escape(template.context.to_string()),
            escape(template.output.to_string()),
            template.generator_model,
            template.generator_version,
            template.batch,
        )?;
    }
    jsonl.flush()?;
    copy.flush()
}
