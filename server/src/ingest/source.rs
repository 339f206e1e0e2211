//! Where import lines come from: files or standard input (or a request body), plain, gzip or
//! zstd — recognised by their first bytes, not their names — and the limits on what they may
//! hold once decompressed: a line (so one line cannot take the memory: it is read whole) and,
//! for request bodies, the whole input (so a small gzip bomb cannot run for hours).

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

/// What an input may hold once decompressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputLimits {
    /// The longest line, in bytes (its newline not counted).
    pub max_line_bytes: u64,
    /// All of the input, in bytes; `None`: no limit (local files).
    pub max_total_bytes: Option<u64>,
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits {
            max_line_bytes: 16 * 1_000_000,
            max_total_bytes: None,
        }
    }
}

/// An input went over one of its [`InputLimits`]; carried inside the `io::Error` of the read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitExceeded {
    #[error("line {line} is longer than the limit of {limit} bytes")]
    Line { line: u64, limit: u64 },
    #[error("it holds more than the limit of {limit} bytes once decompressed")]
    Total { limit: u64 },
}

impl LimitExceeded {
    /// The limit an I/O error reports, if it is one.
    pub fn of(error: &io::Error) -> Option<&LimitExceeded> {
        error.get_ref()?.downcast_ref()
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
        limits: InputLimits,
    ) -> io::Result<Source> {
        if path == "-" {
            return Source::from_reader(
                "stdin",
                format.unwrap_or(Format::Jsonl),
                io::stdin(),
                None,
                bytes_read,
                limits,
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
            limits,
        )
    }

    /// Wraps any reader, decompressing gzip or zstd when its first bytes say so; reading past
    /// `limits` fails with a [`LimitExceeded`].
    pub fn from_reader(
        name: &str,
        format: Format,
        reader: impl Read + Send + 'static,
        size: Option<u64>,
        bytes_read: Arc<AtomicU64>,
        limits: InputLimits,
    ) -> io::Result<Source> {
        let mut raw = BufReader::with_capacity(
            1 << 16,
            CountingReader {
                inner: reader,
                count: bytes_read,
            },
        );
        let magic = raw.fill_buf()?;
        let capped = |inner: Box<dyn Read + Send>| -> Box<dyn BufRead + Send> {
            Box::new(BufReader::with_capacity(
                1 << 20,
                CappedReader::new(inner, limits),
            ))
        };
        let reader = if magic.starts_with(&[0x1f, 0x8b]) {
            capped(Box::new(flate2::bufread::MultiGzDecoder::new(raw)))
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            capped(Box::new(zstd::stream::read::Decoder::with_buffer(raw)?))
        } else {
            capped(Box::new(raw))
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

/// Fails a read that goes over the [`InputLimits`], counting lines for the message.
struct CappedReader<R> {
    inner: R,
    limits: InputLimits,
    total: u64,
    /// Bytes since the last newline, and the number of the line they belong to.
    line_bytes: u64,
    line: u64,
}

impl<R> CappedReader<R> {
    fn new(inner: R, limits: InputLimits) -> Self {
        CappedReader {
            inner,
            limits,
            total: 0,
            line_bytes: 0,
            line: 1,
        }
    }

    /// Counts `bytes`, just read, against the limits.
    fn count(&mut self, bytes: &[u8]) -> Result<(), LimitExceeded> {
        self.total += bytes.len() as u64;
        if let Some(limit) = self
            .limits
            .max_total_bytes
            .filter(|&limit| self.total > limit)
        {
            return Err(LimitExceeded::Total { limit });
        }
        let limit = self.limits.max_line_bytes;
        for piece in bytes.split_inclusive(|&byte| byte == b'\n') {
            let ended = piece.last() == Some(&b'\n');
            self.line_bytes += piece.len() as u64 - u64::from(ended);
            if self.line_bytes > limit {
                return Err(LimitExceeded::Line {
                    line: self.line,
                    limit,
                });
            }
            if ended {
                self.line += 1;
                self.line_bytes = 0;
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count(&buf[..n])
            .map_err(|exceeded| io::Error::new(io::ErrorKind::InvalidData, exceeded))?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_all(bytes: Vec<u8>) -> String {
        read_limited(bytes, InputLimits::default()).unwrap()
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

    fn read_limited(bytes: Vec<u8>, limits: InputLimits) -> io::Result<String> {
        let mut source = Source::from_reader(
            "t",
            Format::Jsonl,
            io::Cursor::new(bytes),
            None,
            Arc::default(),
            limits,
        )?;
        let mut text = String::new();
        source.reader.read_to_string(&mut text)?;
        Ok(text)
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_decompressed_limit() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        for _ in 0..64 {
            gz.write_all(&[b'\n'; 1 << 20]).unwrap();
        }
        let bomb = gz.finish().unwrap();
        assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
        let limits = InputLimits {
            max_line_bytes: 1000,
            max_total_bytes: Some(10_000_000),
        };
        let error = read_limited(bomb, limits).unwrap_err();
        assert_eq!(
            LimitExceeded::of(&error),
            Some(&LimitExceeded::Total { limit: 10_000_000 })
        );
    }

    #[test]
    fn a_line_over_the_limit_is_named_and_lines_up_to_it_pass() {
        let limits = InputLimits {
            max_line_bytes: 10,
            max_total_bytes: None,
        };
        let fine = "0123456789\n0123456789\n".to_owned();
        assert_eq!(
            read_limited(fine.clone().into_bytes(), limits).unwrap(),
            fine
        );
        let long = format!("short\n{}\nshort\n", "x".repeat(11));
        let error = read_limited(long.into_bytes(), limits).unwrap_err();
        assert_eq!(
            LimitExceeded::of(&error),
            Some(&LimitExceeded::Line { line: 2, limit: 10 })
        );
        let zst = zstd::encode_all("y".repeat(5_000).as_bytes(), 1).unwrap();
        let error = read_limited(zst, limits).unwrap_err();
        assert_eq!(
            LimitExceeded::of(&error),
            Some(&LimitExceeded::Line { line: 1, limit: 10 })
        );
    }

    #[test]
    fn csv_is_recognised_by_name_even_when_compressed() {
        assert_eq!(Format::from_name("items.CSV.gz"), Format::Csv);
        assert_eq!(Format::from_name("items.csv.zst"), Format::Csv);
        assert_eq!(Format::from_name("items.jsonl.gz"), Format::Jsonl);
        assert_eq!(Format::from_name("-"), Format::Jsonl);
    }
}
