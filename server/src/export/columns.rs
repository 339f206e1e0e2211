//! The columns of an export and the cells of one row, independent of the file format: each
//! writer maps them to its own types (JSON values, CSV text, Arrow arrays).

use chrono::{DateTime, Utc};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Float,
    Bool,
    Text,
    /// A JSON value: nested in JSON Lines, JSON text in CSV and Parquet.
    Json,
    Time,
    /// criterion → label: an object in JSON Lines, a struct with one text field per criterion
    /// in Parquet, JSON text in CSV.
    Labels,
    /// Chat messages `[{role, content}]`.
    Messages,
    /// Outputs ranked for one context `[{item_id, external_id, output, grade, rank}]`.
    Ranked,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub nullable: bool,
}

pub const fn column(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        nullable: false,
    }
}

pub const fn nullable(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        nullable: true,
    }
}

/// The columns of a shape, and the criteria a `Labels` column has (every criterion of every
/// rubric version of the task, current ones first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    pub columns: Vec<Column>,
    pub criteria: Vec<String>,
}

/// A chat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub role: &'static str,
    pub content: String,
}

impl Message {
    pub fn new(role: &'static str, content: impl Into<String>) -> Message {
        Message {
            role,
            content: content.into(),
        }
    }
}

/// One output in a ranked list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankedOutput {
    pub item_id: i64,
    pub external_id: String,
    /// JSON text.
    pub output: String,
    pub grade: String,
    /// 1 for the best; outputs with the same grade share a rank.
    pub rank: i32,
}

/// One cell. Text borrows from the row it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(&'a str),
    /// JSON text, already valid (Postgres wrote it or serde_json did).
    Json(&'a str),
    Time(DateTime<Utc>),
    /// A JSON object of criterion → label, as text.
    Labels(&'a str),
    Messages(&'a [Message]),
    Ranked(&'a [RankedOutput]),
}

impl<'a> Cell<'a> {
    pub fn text(value: Option<&'a str>) -> Cell<'a> {
        value.map_or(Cell::Null, Cell::Text)
    }

    pub fn float(value: Option<f64>) -> Cell<'a> {
        value.map_or(Cell::Null, Cell::Float)
    }
}

/// RFC 3339 with microseconds in UTC, the same in every format.
pub fn format_time(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
