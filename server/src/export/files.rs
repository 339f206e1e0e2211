//! The files of one export: one per split, written under a temporary name, hashed (sha256) and
//! counted while written, and renamed into place only when complete, so a failed export leaves
//! no half-written file behind.

use super::columns::{Cell, Schema};
use super::{csv_file, json_lines, parquet_file, RowWriter};
use app::domain::ExportFormat;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written, with its sha256 and size kept as it grows.
pub struct HashingFile {
    file: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl HashingFile {
    pub fn create(path: &Path) -> io::Result<HashingFile> {
        Ok(HashingFile {
            file: BufWriter::with_capacity(1 << 20, File::create(path)?),
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    /// Flushes and syncs the file; its sha256 (hex) and size.
    pub fn close(self) -> io::Result<(String, u64)> {
        let file = self.file.into_inner().map_err(|error| error.into_error())?;
        file.sync_all()?;
        Ok((hex::encode(self.hasher.finalize()), self.bytes))
    }
}

impl Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.file.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Which part of a split a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// The only file (no validation split asked for).
    All,
    Train,
    Validation,
}

/// A finished file, as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub name: String,
    pub split: Split,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

struct Part {
    split: Split,
    name: String,
    partial: PathBuf,
    writer: Option<Box<dyn RowWriter>>,
    rows: u64,
}

/// The files of one export.
pub struct FileSet {
    dir: PathBuf,
    parts: Vec<Part>,
}

/// The names the files of an export will have, e.g. `interest-sft.train.jsonl`.
pub fn file_names(stem: &str, format: ExportFormat, split: bool) -> Vec<(Split, String)> {
    let extension = format.extension();
    if split {
        vec![
            (Split::Train, format!("{stem}.train.{extension}")),
            (Split::Validation, format!("{stem}.validation.{extension}")),
        ]
    } else {
        vec![(Split::All, format!("{stem}.{extension}"))]
    }
}

impl FileSet {
    /// Opens the files in `dir` (which must exist).
    pub fn create(
        dir: &Path,
        stem: &str,
        format: ExportFormat,
        schema: &Schema,
        split: bool,
    ) -> anyhow::Result<FileSet> {
        let mut set = FileSet {
            dir: dir.to_path_buf(),
            parts: Vec::new(),
        };
        for (split, name) in file_names(stem, format, split) {
            let partial = dir.join(format!(".{name}.partial"));
            let out = HashingFile::create(&partial)
                .map_err(|error| anyhow::anyhow!("cannot create {}: {error}", partial.display()))?;
            let writer: Box<dyn RowWriter> = match format {
                ExportFormat::Jsonl => Box::new(json_lines::JsonLinesWriter::new(out, schema)),
                ExportFormat::Csv => Box::new(csv_file::CsvWriter::new(out, schema)?),
                ExportFormat::Parquet => Box::new(parquet_file::ParquetWriter::new(out, schema)?),
            };
            set.parts.push(Part {
                split,
                name,
                partial,
                writer: Some(writer),
                rows: 0,
            });
        }
        Ok(set)
    }

    /// Writes a row to the validation file (when there is one) or the other.
    pub fn write(&mut self, validation: bool, row: &[Cell<'_>]) -> anyhow::Result<()> {
        let index = usize::from(validation && self.parts.len() > 1);
        let part = &mut self.parts[index];
        part.writer
            .as_mut()
            .expect("a file is written only before it is finished")
            .write(row)?;
        part.rows += 1;
        Ok(())
    }

    pub fn rows(&self) -> u64 {
        self.parts.iter().map(|part| part.rows).sum()
    }

    /// Completes every file and moves it into place.
    pub fn finish(mut self) -> anyhow::Result<Vec<FileEntry>> {
        let mut entries = Vec::new();
        for part in &mut self.parts {
            let writer = part.writer.take().expect("finished once");
            let (sha256, bytes) = writer.finish()?.close()?;
            entries.push(FileEntry {
                name: part.name.clone(),
                split: part.split,
                rows: part.rows,
                bytes,
                sha256,
            });
        }
        for part in &self.parts {
            std::fs::rename(&part.partial, self.dir.join(&part.name))?;
        }
        self.parts.clear();
        Ok(entries)
    }
}

impl Drop for FileSet {
    /// An export that did not finish removes its partial files.
    fn drop(&mut self) {
        for part in &self.parts {
            let _ = std::fs::remove_file(&part.partial);
        }
    }
}
