//! What health checks and metric scrapes read: a ping, and the items waiting per task and state.

use sqlx::PgPool;

/// One trivial round trip: the database answers.
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT 1 AS "one!""#)
        .fetch_one(pool)
        .await
        .map(drop)
}

/// Items waiting per task and state, for each state in `states` (one index range count each,
/// including zeros).
pub async fn items_waiting(
    pool: &PgPool,
    states: &[&str],
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT t.name, s.state AS "state!",
                  (SELECT count(*) FROM items i WHERE i.task_id = t.id AND i.state = s.state)
                      AS "items!"
             FROM tasks t CROSS JOIN unnest($1::text[]) s (state)"#,
        // `as _`: sqlx would check it against `&[String]`; `&[&str]` encodes as the same text[].
        states as _
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.name, row.state, row.items))
        .collect())
}
