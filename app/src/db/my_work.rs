//! Per-person review figures for the "My work" page, computed from `annotations` with the
//! person's index (`annotations_user_idx`), so the cost grows with their own work only.

use crate::views::my_work::TaskWork;
use sqlx::PgPool;

pub async fn per_task(pool: &PgPool, user_id: i64) -> Result<Vec<TaskWork>, sqlx::Error> {
    sqlx::query_as!(
        TaskWork,
        r#"WITH mine AS (
             SELECT a.item_id, a.criteria, a.created_at, a.skipped, a.flagged, a.counted,
                    i.task_id, i.golden
             FROM annotations a JOIN items i ON i.id = a.item_id
             WHERE a.user_id = $1 AND a.retracted_at IS NULL),
         answered AS (SELECT * FROM mine WHERE counted AND NOT skipped),
         shared AS (
             SELECT m.task_id, m.criteria = v.criteria AS matched
             FROM answered m JOIN verdicts v ON v.item_id = m.item_id
             WHERE v.provenance = 'adjudicated'
                OR (v.provenance = 'human'
                    AND (SELECT count(*) FROM annotations o
                         WHERE o.item_id = m.item_id AND o.counted AND NOT o.skipped
                           AND o.retracted_at IS NULL AND o.purpose = 'annotate') > 1))
         SELECT t.name AS task, t.title,
                (SELECT count(*) FROM answered m WHERE m.task_id = t.id AND m.created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS "today!",
                (SELECT count(*) FROM answered m WHERE m.task_id = t.id AND m.created_at >= date_trunc('week', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS "this_week!",
                (SELECT count(*) FROM answered m WHERE m.task_id = t.id) AS "total!",
                (SELECT count(*) FROM mine m WHERE m.task_id = t.id AND m.skipped) AS "skipped!",
                (SELECT count(*) FROM mine m WHERE m.task_id = t.id AND m.flagged) AS "flagged!",
                (SELECT count(*) FROM answered m WHERE m.task_id = t.id AND m.golden IS NOT NULL) AS "golden_items!",
                (SELECT count(*) FROM answered m, jsonb_each_text(m.golden) g
                 WHERE m.task_id = t.id AND m.criteria ->> g.key = g.value) AS "golden_labels_matched!",
                (SELECT count(*) FROM answered m, jsonb_each_text(m.golden) g WHERE m.task_id = t.id) AS "golden_labels!",
                (SELECT count(*) FROM shared s WHERE s.task_id = t.id) AS "verdicts_compared!",
                (SELECT count(*) FROM shared s WHERE s.task_id = t.id AND s.matched) AS "verdicts_matched!"
         FROM tasks t
         WHERE t.id IN (SELECT DISTINCT task_id FROM mine)
         ORDER BY t.name"#,
        user_id
    )
    .fetch_all(pool)
    .await
}
