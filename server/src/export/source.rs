//! The rows an export reads: final verdicts of one task joined with their items, the judgment
//! that routed them (confidence, model, prompt version) and their human annotation count,
//! filtered by the spec and bounded by `as_of`, so later verdicts never change a snapshot.
//!
//! Every statement runs in the export's one `REPEATABLE READ` transaction: counting, selecting
//! and streaming all see the same database state.

use app::domain::{ExportFilters, ProvenanceFilter};
use chrono::{DateTime, Utc};
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use sqlx::{Postgres, Transaction};

/// One final verdict with its item, as every shape starts from it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VerdictRow {
    pub item_id: i64,
    pub external_id: String,
    /// JSON text.
    pub context: String,
    /// JSON text.
    pub output: String,
    pub generator_model: Option<String>,
    pub generator_version: Option<String>,
    pub batch: Option<String>,
    /// criterion → label, JSON text.
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
    /// md5 of the context's canonical JSON: outputs for the same context share it.
    pub context_key: Option<String>,
    /// The deciding person's rationale (judge-sft only).
    pub rationale: Option<String>,
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

/// Extra columns some shapes need.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras {
    pub context_key: bool,
    pub rationale: bool,
}

const FROM_WHERE: &str = r#"
  FROM items i
  JOIN verdicts v ON v.item_id = i.id
  LEFT JOIN LATERAL (
      SELECT j.confidence, jc.model, jc.prompt_version
        FROM judgments j JOIN judge_configs jc ON jc.id = j.judge_config_id
       WHERE j.id = COALESCE(v.judgment_id,
                (SELECT rd.judgment_id FROM routing_decisions rd
                  WHERE rd.item_id = i.id ORDER BY rd.id DESC LIMIT 1))
  ) judge ON true
 WHERE i.task_id = $1
   AND v.updated_at <= $2
   AND ($3::timestamptz IS NULL OR v.updated_at >= $3)
   AND ($4::timestamptz IS NULL OR v.updated_at < $4)
   AND ($5 = 'all' OR ($5 = 'judge') = (v.provenance = 'judge'))
   AND ($6::float8 IS NULL OR judge.confidence >= $6)
   AND ($7::text IS NULL OR i.generator_version = $7)
   AND ($8::text IS NULL OR i.batch = $8)
   AND ($9::int IS NULL OR v.rubric_version = $9)
   AND ($10::bigint[] IS NULL OR i.id = ANY($10))"#;

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
        // Items chosen by rebalancing were already chosen inside the window.
        let until = self.filters.until.filter(|_| self.items.is_none());
        query
            .bind(self.task_id)
            .bind(self.as_of)
            .bind(since.filter(|_| self.items.is_none()))
            .bind(until)
            .bind(self.provenance())
            .bind(self.filters.min_judge_confidence)
            .bind(self.filters.generator_version.as_deref())
            .bind(self.filters.batch.as_deref())
            .bind(self.filters.rubric_version)
            .bind(self.items)
    }

    /// How many verdicts the selection holds.
    pub async fn count(&self, tx: &mut Transaction<'_, Postgres>) -> sqlx::Result<i64> {
        let sql = format!("SELECT count(*){FROM_WHERE}");
        let (count,): (i64,) = self
            .bind(sqlx::query_as(&sql), self.filters.since)
            .fetch_one(&mut **tx)
            .await?;
        Ok(count)
    }

    /// Human-labelled candidates for judge training: those in the window and, for minority
    /// augmentation, those before it.
    pub async fn labelled_items(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        include_older: bool,
    ) -> sqlx::Result<Vec<LabelledItem>> {
        let sql = format!(
            "SELECT i.id AS item_id, v.qualified, v.updated_at AS decided_at,
                    ($11::timestamptz IS NULL OR v.updated_at >= $11) AS in_window
                    {FROM_WHERE}
              ORDER BY i.id"
        );
        let since = self.filters.since;
        self.bind(sqlx::query_as(&sql), since.filter(|_| !include_older))
            .bind(since)
            .fetch_all(&mut **tx)
            .await
    }

    /// The SQL that streams verdict rows, by item id or, for grouped shapes, by context.
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
             {FROM_WHERE} ORDER BY {order}"
        )
    }

    /// Binds the selection to [`Selection::verdict_sql`].
    pub fn verdicts<'q>(&'q self, sql: &'q str) -> QueryAs<'q, Postgres, VerdictRow, PgArguments> {
        self.bind(sqlx::query_as(sql), self.filters.since)
    }
}
