//! Where import lines come from: files or standard input (or a request body), plain, gzip or
//! zstd — recognised by their first bytes, not their names.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
}

impl Format {
    /// The format a file name suggests (`.csv`, `.csv.gz`, `.csv.zst` are CSV), else JSON Lines.
    pub fn from_name(name: &str) -> Format {
        let name = name.to_ascii_lowercase();
        let stem = name
            .trim_end_matches(".gz")
            .trim_end_matches(".zst")
            .trim_end_matches(".zstd");
        if stem.ends_with(".csv") {
            Format::Csv
        } else {
            Format::Jsonl
        }
    }
}

/// One input: a name for messages (`FILE:LINE`), its format, and a decompressed reader.
pub struct Source {
    pub name: String,
    pub format: Format,
    pub reader: Box<dyn BufRead + Send>,
    /// Size in bytes before decompression, when known (files), for progress and ETA.
    pub size: Option<u64>,
}

impl Source {
    /// Opens `path` (or `-` for standard input). `bytes_read` counts raw bytes as they are read.
    pub fn open(
        path: &str,
        format: Option<Format>,
        bytes_read: Arc<AtomicU64>,
    ) -> io::Result<Source> {
        if path == "-" {
            return Source::from_reader(
                "stdin",
                format.unwrap_or(Format::Jsonl),
                io::stdin(),
                None,
                bytes_read,
            );
        }
        let file = File::open(Path::new(path))?;
        let size = file.metadata().ok().map(|m| m.len());
        Source::from_reader(
            path,
            format.unwrap_or_else(|| Format::from_name(path)),
            file,
            size,
            bytes_read,
        )
    }

    /// Wraps any reader, decompressing gzip or zstd when its first bytes say so.
    pub fn from_reader(
        name: &str,
        format: Format,
        reader: impl Read + Send + 'static,
        size: Option<u64>,
        bytes_read: Arc<AtomicU64>,
    ) -> io::Result<Source> {
        let mut raw = BufReader::with_capacity(
            1 << 16,
            CountingReader {
                inner: reader,
                count: bytes_read,
            },
        );
        let magic = raw.fill_buf()?;
        let reader: Box<dyn BufRead + Send> = if magic.starts_with(&[0x1f, 0x8b]) {
            Box::new(BufReader::with_capacity(
                1 << 20,
                flate2::bufread::MultiGzDecoder::new(raw),
            ))
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Box::new(BufReader::with_capacity(
                1 << 20,
                zstd::stream::read::Decoder::with_buffer(raw)?,
            ))
        } else {
            Box::new(BufReader::with_capacity(1 << 20, raw))
        };
        Ok(Source {
            name: name.to_string(),
            format,
            reader,
            size,
        })
    }
}

/// Counts the bytes that pass through, for progress.
struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_all(bytes: Vec<u8>) -> String {
        let mut source = Source::from_reader(
            "t",
            Format::Jsonl,
            io::Cursor::new(bytes),
            None,
            Arc::default(),
        )
        .unwrap();
        let mut text = String::new();
        source.reader.read_to_string(&mut text).unwrap();
        text
    }

    #[test]
    fn plain_gzip_and_zstd_inputs_read_the_same() {
        let text = "{\"a\":1}\n{\"a\":2}\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        let zst = zstd::encode_all(text.as_bytes(), 1).unwrap();
        assert_eq!(read_all(text.as_bytes().to_vec()), text);
        assert_eq!(read_all(gz.finish().unwrap()), text);
        assert_eq!(read_all(zst), text);
    }

    #[test]
    fn csv_is_recognised_by_name_even_when_compressed() {
        assert_eq!(Format::from_name("items.CSV.gz"), Format::Csv);
        assert_eq!(Format::from_name("items.csv.zst"), Format::Csv);
        assert_eq!(Format::from_name("items.jsonl.gz"), Format::Jsonl);
        assert_eq!(Format::from_name("-"), Format::Jsonl);
    }
}
