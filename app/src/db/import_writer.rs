//! The database side of an import (`server/src/ingest` reads, checks and encodes the rows): one
//! transaction, batches copied into a temporary table and merged into `items` (plus judgments,
//! routing decisions and verdicts for items judged offline).
//!
//! Statements on the temporary tables (`import_staging`, `import_touched`) and the COPYs are
//! prepared at run time, since the tables exist only inside the import's transaction (the
//! compile-time check cannot see them); the tests check them, and their rows are read through
//! `FromRow` types. The others use the `query!` macros. (`sqlx::query`, not `raw_sql`: rustc
//! cannot prove `raw_sql`'s generic future `Send` inside the HTTP handler.)

use sqlx::{PgPool, Postgres, Transaction};
use std::sync::Arc;

/// The staging table's columns, in COPY order. [`Writer::begin`] creates the table with these; the
/// import's row encoder writes rows in this order.
pub const STAGING_COLUMNS: &str = "seq, external_id, context, output, generator_model, generator_version, batch, golden, meta, \
     content_hash, state, judge_model, prompt_version, judgment_criteria, qualified, grade, confidence, \
     route, reason, threshold, audit_draw, annotations_required, inclusion_probability";

/// The `items` columns a row can be copied into directly, in COPY order: the staging columns
/// from `external_id` to `state`, after the task id.
pub const ITEM_COLUMNS: &str =
    "task_id, external_id, context, output, generator_model, generator_version, batch, golden, meta, content_hash, state";

/// The advisory-lock class that serialises imports of one task.
const IMPORT_LOCK_CLASS: i32 = 0x636a_696d; // "cjim"

/// One batch from the reader: COPY text rows, and what the reader knows about them.
#[derive(Debug, Default)]
pub struct StagedBatch {
    pub rows: Vec<u8>,
    /// The same rows as `items` rows ([`ITEM_COLUMNS`]), for the direct path.
    pub direct_rows: Vec<u8>,
    /// Rows in `rows`.
    pub count: u64,
    /// Whether any row carries an imported judgment.
    pub has_judgments: bool,
    /// Rows starting as queued for the judge, routed to humans, auto-accepted.
    pub states: [u64; 3],
    /// Sequence number of the first row; row `seq` came from `lines[seq - first_seq]`.
    pub first_seq: u64,
    /// Input name and line number of each row, for reporting conflicts.
    pub lines: Vec<(Arc<str>, u64)>,
}

/// What one batch did.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    pub inserted: u64,
    pub replaced: u64,
    /// Sequence numbers of lines identical to an item already present.
    pub unchanged: Vec<i64>,
    /// Sequence numbers and external ids of lines that conflict with an item already present.
    pub conflicts: Vec<(i64, String)>,
    pub queued_for_judge: u64,
    pub routed_to_humans: u64,
    pub auto_accepted: u64,
}

/// A staged row whose external id the task already holds.
#[derive(sqlx::FromRow)]
struct ExistingItem {
    seq: i64,
    external_id: String,
    /// Same content as the item present.
    same: bool,
    item_id: i64,
    /// Someone answered or holds a slot of the item present.
    touched_by_humans: bool,
}

/// New or replaced items starting in one state.
#[derive(sqlx::FromRow)]
struct StateCount {
    state: String,
    count: i64,
}

/// An import transaction on one task.
pub struct Writer {
    tx: Transaction<'static, Postgres>,
    task_id: i64,
    rubric_version: i32,
    replace: bool,
}

impl Writer {
    /// Starts the transaction, waits for other imports of the task to finish, and creates the
    /// staging tables.
    pub async fn begin(
        pool: &PgPool,
        task_id: i64,
        rubric_version: i32,
        replace: bool,
    ) -> Result<Writer, sqlx::Error> {
        let mut tx = pool.begin().await?;
        sqlx::query!(
            "SELECT pg_advisory_xact_lock($1, $2)",
            IMPORT_LOCK_CLASS,
            task_id as i32
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "CREATE TEMP TABLE import_staging (
                seq bigint NOT NULL, external_id text NOT NULL, context text NOT NULL, output text NOT NULL,
                generator_model text, generator_version text, batch text, golden text, meta text,
                content_hash bytea NOT NULL, state text NOT NULL, judge_model text, prompt_version text,
                judgment_criteria text, qualified boolean, grade text, confidence float8, route text,
                reason text, threshold float8, audit_draw float8, annotations_required int,
                inclusion_probability float8
             ) ON COMMIT DROP",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query("CREATE TEMP TABLE import_touched (item_id bigint NOT NULL, external_id text NOT NULL) ON COMMIT DROP")
            .execute(&mut *tx)
            .await?;
        Ok(Writer {
            tx,
            task_id,
            rubric_version,
            replace,
        })
    }

    /// Copies a batch (COPY text rows) into the staging table and merges it. New items are
    /// inserted first; only when some were not new is the batch compared with what exists.
    /// Items that were inserted are told apart from those that existed by their id: imports of
    /// one task are serialised, so every item older than the batch has an id at most the
    /// largest id before it.
    pub async fn write(&mut self, mut batch: StagedBatch) -> Result<BatchOutcome, sqlx::Error> {
        // Judgments and replacements need the ids of the items they touch.
        let track = batch.has_judgments || self.replace;
        if !track
            && self
                .copy_straight_in(std::mem::take(&mut batch.direct_rows))
                .await?
        {
            let [queued_for_judge, routed_to_humans, auto_accepted] = batch.states;
            return Ok(BatchOutcome {
                inserted: batch.count,
                queued_for_judge,
                routed_to_humans,
                auto_accepted,
                ..BatchOutcome::default()
            });
        }
        sqlx::query("TRUNCATE import_staging, import_touched")
            .execute(&mut *self.tx)
            .await?;
        let mut copy = self
            .tx
            .copy_in_raw(&format!(
                "COPY import_staging ({STAGING_COLUMNS}) FROM STDIN"
            ))
            .await?;
        copy.send(batch.rows).await?;
        copy.finish().await?;

        let newest_before =
            sqlx::query_scalar!(r#"SELECT coalesce(max(id), 0) AS "newest!" FROM items"#)
                .fetch_one(&mut *self.tx)
                .await?;
        let mut outcome = BatchOutcome {
            inserted: self.insert_new(track).await?,
            ..BatchOutcome::default()
        };
        if outcome.inserted < batch.count {
            self.classify_existing(newest_before, &mut outcome).await?;
        }
        if batch.has_judgments {
            self.record_imported_judgments().await?;
        }
        if outcome.inserted == batch.count {
            // Every row is new: the reader already knows the states they start in.
            [
                outcome.queued_for_judge,
                outcome.routed_to_humans,
                outcome.auto_accepted,
            ] = batch.states;
        } else if !batch.has_judgments {
            // Without a judgment, a new or replaced item waits for the judge.
            outcome.queued_for_judge = outcome.inserted + outcome.replaced;
        } else {
            self.count_states(&mut outcome).await?;
        }
        Ok(outcome)
    }

    /// The fast path, for a batch that is likely all new (the usual case): COPY it straight into
    /// `items`, as fast as a plain load. If any external id exists already, the unique index
    /// refuses the COPY, the savepoint undoes it, and the caller merges the batch instead.
    async fn copy_straight_in(&mut self, rows: Vec<u8>) -> Result<bool, sqlx::Error> {
        sqlx::query("SAVEPOINT import_batch")
            .execute(&mut *self.tx)
            .await?;
        let attempt = async {
            let mut copy = self
                .tx
                .copy_in_raw(&format!("COPY items ({ITEM_COLUMNS}) FROM STDIN"))
                .await?;
            copy.send(rows).await?;
            copy.finish().await
        }
        .await;
        match attempt {
            Ok(_) => {
                sqlx::query("RELEASE SAVEPOINT import_batch")
                    .execute(&mut *self.tx)
                    .await?;
                Ok(true)
            }
            Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("23505") => {
                sqlx::query("ROLLBACK TO SAVEPOINT import_batch")
                    .execute(&mut *self.tx)
                    .await?;
                Ok(false)
            }
            Err(error) => Err(error),
        }
    }

    /// Sorts the rows that were not inserted into unchanged, conflicting and (with `replace`)
    /// replaced.
    async fn classify_existing(
        &mut self,
        newest_before: i64,
        outcome: &mut BatchOutcome,
    ) -> Result<(), sqlx::Error> {
        let existing: Vec<ExistingItem> = sqlx::query_as(
            "SELECT s.seq, s.external_id, i.content_hash = s.content_hash AS same, i.id AS item_id,
                    EXISTS (SELECT 1 FROM annotations a WHERE a.item_id = i.id)
                    OR EXISTS (SELECT 1 FROM review_slots x WHERE x.item_id = i.id AND x.user_id IS NOT NULL)
                    AS touched_by_humans
             FROM import_staging s JOIN items i ON i.task_id = $1 AND i.external_id = s.external_id
             WHERE i.id <= $2",
        )
        .bind(self.task_id)
        .bind(newest_before)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut replaceable = Vec::new();
        for item in existing {
            if item.same {
                outcome.unchanged.push(item.seq);
            } else if self.replace && !item.touched_by_humans {
                replaceable.push(item.item_id);
            } else {
                outcome.conflicts.push((item.seq, item.external_id));
            }
        }
        if !replaceable.is_empty() {
            outcome.replaced = self.replace_items(&replaceable).await?;
        }
        Ok(())
    }

    /// Counts the new and replaced items by the state they start in.
    async fn count_states(&mut self, outcome: &mut BatchOutcome) -> Result<(), sqlx::Error> {
        let states: Vec<StateCount> = sqlx::query_as(
            "SELECT s.state, count(*) AS count FROM import_touched t JOIN import_staging s USING (external_id) GROUP BY s.state",
        )
        .fetch_all(&mut *self.tx)
        .await?;
        for StateCount { state, count } in states {
            let count = count as u64;
            match state.as_str() {
                "queued" => outcome.queued_for_judge += count,
                "human_review" => outcome.routed_to_humans += count,
                _ => outcome.auto_accepted += count,
            }
        }
        Ok(())
    }

    /// Inserts the staged items that do not exist yet, in line order (noting their ids in
    /// `import_touched` when `track`). Imports of one task are serialised, so `ON CONFLICT DO
    /// NOTHING` skips exactly the items that already exist.
    async fn insert_new(&mut self, track: bool) -> Result<u64, sqlx::Error> {
        const INSERT: &str = "INSERT INTO items (task_id, external_id, context, output, generator_model, generator_version,
                                  batch, golden, meta, content_hash, state)
               SELECT $1, s.external_id, s.context::jsonb, s.output::jsonb, s.generator_model, s.generator_version,
                      s.batch, s.golden::jsonb, s.meta::jsonb, s.content_hash, s.state
               FROM import_staging s
               ORDER BY s.seq
               ON CONFLICT (task_id, external_id) DO NOTHING";
        let statement = if track {
            format!("WITH inserted AS ({INSERT} RETURNING id, external_id)
                     INSERT INTO import_touched (item_id, external_id) SELECT id, external_id FROM inserted")
        } else {
            INSERT.to_string()
        };
        let inserted = sqlx::query(&statement)
            .bind(self.task_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(inserted.rows_affected())
    }

    /// Overwrites conflicting items no human has touched, dropping what was derived from their
    /// old content (judgments, routing decisions, a judge's verdict).
    async fn replace_items(&mut self, item_ids: &[i64]) -> Result<u64, sqlx::Error> {
        sqlx::query!(
            "WITH v AS (DELETE FROM verdicts WHERE item_id = ANY($1)),
                  r AS (DELETE FROM routing_decisions WHERE item_id = ANY($1)),
                  q AS (DELETE FROM review_slots WHERE item_id = ANY($1))
             DELETE FROM judgments WHERE item_id = ANY($1)",
            item_ids
        )
        .execute(&mut *self.tx)
        .await?;
        let replaced = sqlx::query(
            "WITH replaced AS (
                UPDATE items i SET context = s.context::jsonb, output = s.output::jsonb,
                       generator_model = s.generator_model, generator_version = s.generator_version,
                       batch = s.batch, golden = s.golden::jsonb, meta = s.meta::jsonb,
                       content_hash = s.content_hash, state = s.state, updated_at = now()
                FROM import_staging s
                WHERE i.id = ANY($1) AND i.task_id = $2 AND s.external_id = i.external_id
                RETURNING i.id, i.external_id)
             INSERT INTO import_touched (item_id, external_id) SELECT id, external_id FROM replaced",
        )
        .bind(item_ids)
        .bind(self.task_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(replaced.rows_affected())
    }

    /// For new or replaced items judged offline: the judge configuration, the judgment, the
    /// routing decision, and the verdict when the judgment was accepted.
    async fn record_imported_judgments(&mut self) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO judge_configs (task_id, model, prompt_version, rubric_version, mode, confidence_method)
             SELECT DISTINCT $1::bigint, s.judge_model, s.prompt_version, $2::int, 'imported', 'imported'
             FROM import_staging s JOIN import_touched t USING (external_id)
             WHERE s.judge_model IS NOT NULL
             ON CONFLICT (task_id, model, prompt_version, mode, confidence_method) DO NOTHING",
        )
        .bind(self.task_id)
        .bind(self.rubric_version)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query(
            "WITH judged AS (
                INSERT INTO judgments (item_id, judge_config_id, source, criteria, qualified, grade, confidence)
                SELECT t.item_id, c.id, 'imported', s.judgment_criteria::jsonb, s.qualified, s.grade, s.confidence
                FROM import_staging s
                JOIN import_touched t USING (external_id)
                JOIN judge_configs c ON c.task_id = $1 AND c.model = s.judge_model
                     AND c.prompt_version = s.prompt_version AND c.mode = 'imported' AND c.confidence_method = 'imported'
                RETURNING id, item_id, criteria, qualified, grade, confidence),
             routed AS (
                INSERT INTO routing_decisions (item_id, judgment_id, route, reason, threshold, audit_draw, annotations_required,
                                               inclusion_probability)
                SELECT j.item_id, j.id, s.route, s.reason, s.threshold, s.audit_draw, s.annotations_required,
                       s.inclusion_probability
                FROM judged j JOIN import_touched t ON t.item_id = j.item_id JOIN import_staging s USING (external_id)),
             slots AS (
                INSERT INTO review_slots (item_id, task_id, purpose, priority)
                SELECT j.item_id, $1, 'annotate', review_priority(s.reason, s.audit_draw, j.confidence)
                FROM judged j JOIN import_touched t ON t.item_id = j.item_id JOIN import_staging s USING (external_id),
                     generate_series(1, s.annotations_required)
                WHERE s.route = 'human')
             INSERT INTO verdicts (item_id, criteria, qualified, grade, provenance, judgment_id, rubric_version)
             SELECT j.item_id, (SELECT jsonb_object_agg(e.key, e.value -> 'label') FROM jsonb_each(j.criteria) e),
                    j.qualified, j.grade, 'judge', j.id, $2
             FROM judged j JOIN import_touched t ON t.item_id = j.item_id JOIN import_staging s USING (external_id)
             WHERE s.route = 'auto'",
        )
        .bind(self.task_id)
        .bind(self.rubric_version)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Records the import in the audit log, wakes waiting judge workers, and commits.
    pub async fn commit(
        mut self,
        actor: crate::db::audit::Actor,
        details: serde_json::Value,
        wake_judges: bool,
    ) -> Result<(), sqlx::Error> {
        crate::db::audit::record(
            &mut self.tx,
            crate::db::audit::Entry {
                actor,
                action: "items.imported",
                target_type: "task",
                target_id: self.task_id.to_string(),
                details,
            },
        )
        .await?;
        if wake_judges {
            // Delivered at commit, to every `LISTEN cojudge_items` connection (judge workers).
            sqlx::query!(
                "SELECT pg_notify('cojudge_items', $1::text)",
                self.task_id.to_string()
            )
            .execute(&mut *self.tx)
            .await?;
        }
        self.tx.commit().await
    }

    /// Discards everything this import wrote.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}
