//! The five shapes. Each turns verdict rows, in the order the query gives them (by item, or by
//! context for grouped shapes), into rows of its own columns and writes them to the export's
//! files, counting the items it used.

pub mod judge_sft;
pub mod listwise;
pub mod preference;
pub mod sft;
pub mod verdicts;

use super::columns::Schema;
use super::files::FileSet;
use super::manifest::DistributionCounter;
use super::split;
use app::db::export_source::{Verdict, VerdictRow};

/// Where a shape writes.
pub struct Output {
    pub files: FileSet,
    pub distribution: DistributionCounter,
    pub validation_fraction: f64,
}

impl Output {
    /// Whether rows keyed by `key` go to the validation file.
    pub fn is_validation(&self, key: &str) -> bool {
        split::is_validation(key, self.validation_fraction)
    }
}

/// A dataset shape.
pub trait Shape: Send {
    fn schema(&self) -> &Schema;
    fn push(&mut self, row: &Verdict<'_>, out: &mut Output) -> anyhow::Result<()>;
    /// Writes what is still buffered (the last context of a grouped shape).
    fn finish(&mut self, _out: &mut Output) -> anyhow::Result<()> {
        Ok(())
    }
}

/// A shape whose rows are made per context, from all of the context's verdicts.
pub trait ContextShape: Send {
    fn schema(&self) -> &Schema;
    fn write_context(
        &self,
        key: &str,
        rows: Vec<VerdictRow>,
        out: &mut Output,
    ) -> anyhow::Result<()>;
}

/// Feeds a [`ContextShape`] one context at a time (rows arrive sorted by context key).
pub struct Grouped<S> {
    shape: S,
    groups: ContextGroups,
}

impl<S: ContextShape> Grouped<S> {
    pub fn new(shape: S) -> Grouped<S> {
        Grouped {
            shape,
            groups: ContextGroups::default(),
        }
    }
}

impl<S: ContextShape> Shape for Grouped<S> {
    fn schema(&self) -> &Schema {
        self.shape.schema()
    }

    fn push(&mut self, row: &Verdict<'_>, out: &mut Output) -> anyhow::Result<()> {
        match self.groups.push(row) {
            Some((key, rows)) => self.shape.write_context(&key, rows, out),
            None => Ok(()),
        }
    }

    fn finish(&mut self, out: &mut Output) -> anyhow::Result<()> {
        match self.groups.take() {
            Some((key, rows)) => self.shape.write_context(&key, rows, out),
            None => Ok(()),
        }
    }
}

/// Collects the rows of one context at a time.
#[derive(Default)]
pub struct ContextGroups {
    key: Option<String>,
    rows: Vec<VerdictRow>,
}

impl ContextGroups {
    /// Adds a row; the previous context's rows when this one starts a new context.
    pub fn push(&mut self, row: &Verdict<'_>) -> Option<(String, Vec<VerdictRow>)> {
        let key = row.context_key.unwrap_or_default();
        let done = if self.key.as_deref() != Some(key) {
            self.take()
        } else {
            None
        };
        if self.key.is_none() {
            self.key = Some(key.to_string());
        }
        self.rows.push(row.to_owned_row());
        done
    }

    /// The last context's rows.
    pub fn take(&mut self) -> Option<(String, Vec<VerdictRow>)> {
        let key = self.key.take()?;
        Some((key, std::mem::take(&mut self.rows)))
    }
}

/// Sorts a context's outputs best first: grade S ≻ A ≻ B, then by item id.
pub fn best_first(rows: &mut [VerdictRow]) {
    let order = |grade: &str| match grade {
        "S" => 0,
        "A" => 1,
        _ => 2,
    };
    rows.sort_by(|a, b| {
        order(&a.grade)
            .cmp(&order(&b.grade))
            .then(a.item_id.cmp(&b.item_id))
    });
}
