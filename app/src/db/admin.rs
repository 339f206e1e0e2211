//! Statements on the Postgres server rather than in cojudge's database: creating a database
//! (for `cojudge db create` and each test's own database).

use sqlx::PgConnection;

/// Creates database `name` unless it exists; safe when several processes race to create it.
pub async fn create_database_if_missing(
    connection: &mut PgConnection,
    name: &str,
) -> Result<(), sqlx::Error> {
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS "exists!""#,
        name
    )
    .fetch_one(&mut *connection)
    .await?;
    if exists {
        return Ok(());
    }
    // Composed at run time: a database name is an identifier, which cannot be a parameter. It is
    // quoted, with any `"` doubled.
    let statement = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
    match sqlx::query(&statement).execute(&mut *connection).await {
        Ok(_) => Ok(()),
        // Another process created it between our check and our create.
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => Ok(()),
        Err(e) => Err(e),
    }
}
