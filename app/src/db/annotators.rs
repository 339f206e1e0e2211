//! Per-annotator figures of one task for admins: answers, accuracy on golden items, agreement
//! with final verdicts others took part in, and each counted answer's overall verdict for
//! pairwise Cohen's κ. Read from `annotations` of the task's items (people's work: thousands
//! of rows, not millions).

use sqlx::PgPool;

/// One annotator's counts on a task.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotatorCounts {
    pub user_id: i64,
    pub name: String,
    pub answers: i64,
    pub golden_labels: i64,
    pub golden_matched: i64,
    pub verdicts_compared: i64,
    pub verdicts_matched: i64,
}

/// Every annotator with a counted answer on `task_id`, by name.
pub async fn counts(pool: &PgPool, task_id: i64) -> Result<Vec<AnnotatorCounts>, sqlx::Error> {
    sqlx::query_as!(
        AnnotatorCounts,
        r#"WITH answered AS (
             SELECT a.user_id, a.item_id, a.criteria, i.golden
               FROM annotations a JOIN items i ON i.id = a.item_id
              WHERE i.task_id = $1 AND a.counted AND NOT a.skipped AND a.retracted_at IS NULL
                AND a.purpose = 'annotate')
         SELECT m.user_id AS "user_id!", u.display_name AS name, count(*) AS "answers!",
                coalesce(sum(g.total), 0)::bigint AS "golden_labels!",
                coalesce(sum(g.matched), 0)::bigint AS "golden_matched!",
                count(s.matched) AS "verdicts_compared!",
                count(*) FILTER (WHERE s.matched) AS "verdicts_matched!"
           FROM answered m
           JOIN users u ON u.id = m.user_id
           LEFT JOIN LATERAL (
               SELECT count(*) AS total, count(*) FILTER (WHERE m.criteria ->> g.key = g.value) AS matched
                 FROM jsonb_each_text(m.golden) g) g ON true
           LEFT JOIN LATERAL (
               SELECT m.criteria = v.criteria AS matched
                 FROM verdicts v
                WHERE v.item_id = m.item_id
                  AND (v.provenance = 'adjudicated'
                       OR (v.provenance = 'human'
                           AND (SELECT count(*) FROM annotations o
                                 WHERE o.item_id = m.item_id AND o.counted AND NOT o.skipped
                                   AND o.retracted_at IS NULL AND o.purpose = 'annotate') > 1))) s ON true
          GROUP BY m.user_id, u.display_name
          ORDER BY u.display_name, m.user_id"#,
        task_id
    )
    .fetch_all(pool)
    .await
}

/// (user, item, qualified) of every counted answer on an item of `task_id` that two or more
/// people answered.
pub async fn shared_answers(
    pool: &PgPool,
    task_id: i64,
) -> Result<Vec<(i64, i64, bool)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"WITH answered AS (
             SELECT a.user_id, a.item_id, a.qualified
               FROM annotations a JOIN items i ON i.id = a.item_id
              WHERE i.task_id = $1 AND a.counted AND NOT a.skipped AND a.retracted_at IS NULL
                AND a.purpose = 'annotate' AND a.qualified IS NOT NULL)
         SELECT user_id AS "user_id!", item_id AS "item_id!", qualified AS "qualified!"
           FROM answered
          WHERE item_id IN (SELECT item_id FROM answered GROUP BY item_id HAVING count(*) > 1)
          ORDER BY item_id, user_id"#,
        task_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.user_id, row.item_id, row.qualified))
        .collect())
}
