//! What health checks and metric scrapes read: a ping, and the items waiting per task and state.

use sqlx::PgPool;

/// One trivial round trip: the database answers.
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query_scalar::<_, i32>("SELECT 1")
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
    sqlx::query_as(
        "SELECT t.name, s.state,
                (SELECT count(*) FROM items i WHERE i.task_id = t.id AND i.state = s.state)
           FROM tasks t CROSS JOIN unnest($1::text[]) s (state)",
    )
    .bind(states)
    .fetch_all(pool)
    .await
}
