//! The rows an export reads: final verdicts of one task joined with their items, the judgment
//! that routed them (confidence, model, prompt version) and their human annotation count,
//! filtered by the spec and bounded by `as_of`, so later verdicts never change a snapshot.
//!
//! Every statement runs in the export's one `REPEATABLE READ` transaction ([`snapshot`]):
//! loading the rubrics, counting, selecting and streaming all see the same database state.

use crate::domain::{ExportFilters, ProvenanceFilter, TaskDefinition};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::{Query, QueryAs};
use sqlx::types::Json;
use sqlx::{FromRow, PgPool, Postgres, Row, Transaction};

/// One final verdict with its item, as every shape starts from it, borrowed from the row the
/// database sent (no copy of the context and output).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict<'r> {
    pub item_id: i64,
    pub external_id: &'r str,
    /// JSON text.
    pub context: &'r str,
    /// JSON text.
    pub output: &'r str,
    pub generator_model: Option<&'r str>,
    pub generator_version: Option<&'r str>,
    pub batch: Option<&'r str>,
    /// criterion → label, JSON text.
    pub labels: &'r str,
    pub qualified: bool,
    pub grade: &'r str,
    pub provenance: &'r str,
    pub rubric_version: i32,
    pub judge_confidence: Option<f64>,
    pub judge_model: Option<&'r str>,
    pub judge_prompt_version: Option<&'r str>,
    pub human_annotations: i64,
    pub created_at: DateTime<Utc>,
    pub decided_at: DateTime<Utc>,
    /// md5 of the context's canonical JSON: outputs for the same context share it.
    pub context_key: Option<&'r str>,
    /// The deciding person's rationale (judge-sft only).
    pub rationale: Option<&'r str>,
}

/// Reads a row of [`Selection::verdict_sql`] by position (its column order), borrowing its text:
/// the export's hot loop, where looking each column up by name cost measurable client CPU.
impl<'r> FromRow<'r, PgRow> for Verdict<'r> {
    fn from_row(row: &'r PgRow) -> sqlx::Result<Verdict<'r>> {
        Ok(Verdict {
            item_id: row.try_get(0)?,
            external_id: row.try_get(1)?,
            context: row.try_get(2)?,
            output: row.try_get(3)?,
            generator_model: row.try_get(4)?,
            generator_version: row.try_get(5)?,
            batch: row.try_get(6)?,
            labels: row.try_get(7)?,
            qualified: row.try_get(8)?,
            grade: row.try_get(9)?,
            provenance: row.try_get(10)?,
            rubric_version: row.try_get(11)?,
            judge_confidence: row.try_get(12)?,
            judge_model: row.try_get(13)?,
            judge_prompt_version: row.try_get(14)?,
            human_annotations: row.try_get(15)?,
            created_at: row.try_get(16)?,
            decided_at: row.try_get(17)?,
            context_key: row.try_get(18)?,
            rationale: row.try_get(19)?,
        })
    }
}

impl<'r> Verdict<'r> {
    /// An owned copy, for shapes that keep a context's rows until the context is complete.
    pub fn to_owned_row(&self) -> VerdictRow {
        let owned = |text: Option<&str>| text.map(String::from);
        VerdictRow {
            item_id: self.item_id,
            external_id: self.external_id.into(),
            context: self.context.into(),
            output: self.output.into(),
            generator_model: owned(self.generator_model),
            generator_version: owned(self.generator_version),
            batch: owned(self.batch),
            labels: self.labels.into(),
            qualified: self.qualified,
            grade: self.grade.into(),
            provenance: self.provenance.into(),
            rubric_version: self.rubric_version,
            judge_confidence: self.judge_confidence,
            judge_model: owned(self.judge_model),
            judge_prompt_version: owned(self.judge_prompt_version),
            human_annotations: self.human_annotations,
            created_at: self.created_at,
            decided_at: self.decided_at,
            context_key: owned(self.context_key),
            rationale: owned(self.rationale),
        }
    }
}

/// A [`Verdict`] that owns its text.
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictRow {
    pub item_id: i64,
    pub external_id: String,
    pub context: String,
    pub output: String,
    pub generator_model: Option<String>,
    pub generator_version: Option<String>,
    pub batch: Option<String>,
    pub labels: String,
    pub qualified: bool,
    pub grade: String,
    pub provenance: String,
    pub rubric_version: i32,
    pub judge_confidence: Option<f64>,
    pub judge_model: Option<String>,
    pub judge_prompt_version: Option<String>,
    pub human_annotations: i64,
    pub created_at: DateTime<Utc>,
    pub decided_at: DateTime<Utc>,
    pub context_key: Option<String>,
    pub rationale: Option<String>,
}

impl VerdictRow {
    pub fn as_verdict(&self) -> Verdict<'_> {
        Verdict {
            item_id: self.item_id,
            external_id: &self.external_id,
            context: &self.context,
            output: &self.output,
            generator_model: self.generator_model.as_deref(),
            generator_version: self.generator_version.as_deref(),
            batch: self.batch.as_deref(),
            labels: &self.labels,
            qualified: self.qualified,
            grade: &self.grade,
            provenance: &self.provenance,
            rubric_version: self.rubric_version,
            judge_confidence: self.judge_confidence,
            judge_model: self.judge_model.as_deref(),
            judge_prompt_version: self.judge_prompt_version.as_deref(),
            human_annotations: self.human_annotations,
            created_at: self.created_at,
            decided_at: self.decided_at,
            context_key: self.context_key.as_deref(),
            rationale: self.rationale.as_deref(),
        }
    }
}

/// A candidate for judge training data, before rebalancing.
#[derive(Debug, Clone, Copy, PartialEq, sqlx::FromRow)]
pub struct LabelledItem {
    pub item_id: i64,
    pub qualified: bool,
    pub decided_at: DateTime<Utc>,
    /// Inside the `since`/`until` window (otherwise older, a candidate for augmentation).
    pub in_window: bool,
}

/// What to read.
#[derive(Debug, Clone)]
pub struct Selection<'a> {
    pub task_id: i64,
    pub as_of: DateTime<Utc>,
    pub filters: &'a ExportFilters,
    /// Forces human verdicts only, whatever the filter says (judge training).
    pub human_only: bool,
    /// Read these items only (after rebalancing), ignoring the time window.
    pub items: Option<&'a [i64]>,
}

/// A count's one column.
#[derive(sqlx::FromRow)]
struct Counted {
    count: i64,
}

/// Extra columns some shapes need.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras {
    pub context_key: bool,
    pub rationale: bool,
}

/// The judgment that routed the item: the judge verdict's own, else the latest routing decision's.
const JUDGE_JOIN: &str = r#"
  LEFT JOIN LATERAL (
      SELECT j.confidence, jc.model, jc.prompt_version
        FROM judgments j JOIN judge_configs jc ON jc.id = j.judge_config_id
       WHERE j.id = COALESCE(v.judgment_id,
                (SELECT rd.judgment_id FROM routing_decisions rd
                  WHERE rd.item_id = i.id ORDER BY rd.id DESC LIMIT 1))
  ) judge ON true"#;

const FILTERS: &str = r#"
 WHERE i.task_id = $1
   AND v.updated_at <= $2
   AND ($3::timestamptz IS NULL OR v.updated_at >= $3)
   AND ($4::timestamptz IS NULL OR v.updated_at < $4)
   AND ($5 = 'all' OR ($5 = 'judge') = (v.provenance = 'judge'))
   AND ($7::text IS NULL OR i.generator_version = $7)
   AND ($8::text IS NULL OR i.batch = $8)
   AND ($9::int IS NULL OR v.rubric_version = $9)
   AND ($10::bigint[] IS NULL OR i.id = ANY($10))"#;

/// `FROM … WHERE …` of every statement, binding $1–$10. The judgment is joined only when the
/// statement reads it or filters on its confidence ($6), since looking it up is most of the
/// cost of counting.
fn from_where(with_judge: bool) -> String {
    let (join, confidence) = if with_judge {
        (JUDGE_JOIN, "($6::float8 IS NULL OR judge.confidence >= $6)")
    } else {
        ("", "$6::float8 IS NULL")
    };
    format!("\n  FROM items i\n  JOIN verdicts v ON v.item_id = i.id{join}{FILTERS}\n   AND {confidence}")
}

const VERDICT_COLUMNS: &str = r#"
SELECT i.id AS item_id, i.external_id, i.context::text AS context, i.output::text AS output,
       i.generator_model, i.generator_version, i.batch,
       v.criteria::text AS labels, v.qualified, v.grade, v.provenance, v.rubric_version,
       judge.confidence AS judge_confidence, judge.model AS judge_model,
       judge.prompt_version AS judge_prompt_version,
       (SELECT count(*) FROM annotations a
         WHERE a.item_id = i.id AND a.counted AND a.retracted_at IS NULL AND NOT a.skipped)
           AS human_annotations,
       i.created_at, v.updated_at AS decided_at"#;

/// Binds a selection's $1–$10 to a `Query` or a `QueryAs`.
macro_rules! bind_selection {
    ($selection:expr, $query:expr, $since:expr) => {{
        let selection = $selection;
        // Items chosen by rebalancing were already chosen inside the window.
        let until = selection
            .filters
            .until
            .filter(|_| selection.items.is_none());
        $query
            .bind(selection.task_id)
            .bind(selection.as_of)
            .bind($since.filter(|_| selection.items.is_none()))
            .bind(until)
            .bind(selection.provenance())
            .bind(selection.filters.min_judge_confidence)
            .bind(selection.filters.generator_version.as_deref())
            .bind(selection.filters.batch.as_deref())
            .bind(selection.filters.rubric_version)
            .bind(selection.items)
    }};
}

impl Selection<'_> {
    fn provenance(&self) -> &'static str {
        if self.human_only {
            ProvenanceFilter::Human.as_str()
        } else {
            self.filters.provenance.as_str()
        }
    }

    /// Binds $1–$10; `since` is the window's start, if it applies.
    fn bind<'q, O>(
        &'q self,
        query: QueryAs<'q, Postgres, O, PgArguments>,
        since: Option<DateTime<Utc>>,
    ) -> QueryAs<'q, Postgres, O, PgArguments> {
        bind_selection!(self, query, since)
    }

    /// How many verdicts the selection holds.
    pub async fn count(&self, tx: &mut Transaction<'_, Postgres>) -> sqlx::Result<i64> {
        let with_judge = self.filters.min_judge_confidence.is_some();
        // Composed at run time, as every selection statement: the judgment join is left out
        // when nothing reads it (see `from_where`).
        let sql = format!("SELECT count(*) AS count{}", from_where(with_judge));
        let counted: Counted = self
            .bind(sqlx::query_as(&sql), self.filters.since)
            .fetch_one(&mut **tx)
            .await?;
        Ok(counted.count)
    }

    /// Human-labelled candidates for judge training: those in the window and, for minority
    /// augmentation, those before it.
    pub async fn labelled_items(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        include_older: bool,
    ) -> sqlx::Result<Vec<LabelledItem>> {
        // Composed at run time: see `count`.
        let sql = format!(
            "SELECT i.id AS item_id, v.qualified, v.updated_at AS decided_at,
                    ($11::timestamptz IS NULL OR v.updated_at >= $11) AS in_window
                    {}
              ORDER BY i.id",
            from_where(self.filters.min_judge_confidence.is_some())
        );
        let since = self.filters.since;
        self.bind(sqlx::query_as(&sql), since.filter(|_| !include_older))
            .bind(since)
            .fetch_all(&mut **tx)
            .await
    }

    /// The SQL that streams verdict rows, by item id or, for grouped shapes, by context.
    /// Composed at run time: the judgment join and the extra columns depend on the shape.
    pub fn verdict_sql(extras: Extras) -> String {
        let context_key = if extras.context_key {
            "md5(i.context::text)"
        } else {
            "NULL::text"
        };
        let rationale = if extras.rationale {
            "(SELECT a.rationale FROM annotations a
               WHERE a.item_id = i.id AND a.user_id = v.decided_by AND a.counted
                 AND a.retracted_at IS NULL AND coalesce(a.rationale, '') <> ''
               ORDER BY a.id DESC LIMIT 1)"
        } else {
            "NULL::text"
        };
        let order = if extras.context_key {
            "context_key, i.id"
        } else {
            "i.id"
        };
        format!(
            "{VERDICT_COLUMNS}, {context_key} AS context_key, {rationale} AS rationale
             {} ORDER BY {order}",
            from_where(true)
        )
    }

    /// Binds the selection to [`Selection::verdict_sql`]; rows are read with
    /// [`Verdict::from_row`].
    pub fn verdicts<'q>(&'q self, sql: &'q str) -> Query<'q, Postgres, PgArguments> {
        bind_selection!(self, sqlx::query(sql), self.filters.since)
    }
}

/// Begins the export's one transaction: `REPEATABLE READ, READ ONLY`, so every statement in it
/// sees the same database state.
pub async fn snapshot(pool: &PgPool) -> sqlx::Result<Transaction<'static, Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// A task's every rubric version, as the export reads it.
#[derive(Debug, Clone)]
pub struct TaskVersions {
    pub id: i64,
    pub current_version: i32,
    /// version → definition, oldest first.
    pub versions: Vec<(i32, TaskDefinition)>,
}

/// Task `name` with all its rubric versions; `None` when there is no such task.
pub async fn task_versions(
    tx: &mut Transaction<'_, Postgres>,
    name: &str,
) -> sqlx::Result<Option<TaskVersions>> {
    let task = sqlx::query!("SELECT id, current_rubric FROM tasks WHERE name = $1", name)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(task) = task else {
        return Ok(None);
    };
    let rows = sqlx::query!(
        r#"SELECT version, definition AS "definition: Json<TaskDefinition>"
             FROM rubrics WHERE task_id = $1 ORDER BY version"#,
        task.id
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(Some(TaskVersions {
        id: task.id,
        current_version: task.current_rubric,
        versions: rows
            .into_iter()
            .map(|row| (row.version, row.definition.0))
            .collect(),
    }))
}
