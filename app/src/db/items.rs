//! Writing one item by itself (the demo loader). Bulk imports COPY instead
//! (`import_writer`).

use serde_json::Value;
use sqlx::{Postgres, Transaction};

/// An item to insert, with its content hash computed by the caller.
#[derive(Debug, Clone)]
pub struct NewItem<'a> {
    pub task: &'a str,
    pub external_id: &'a str,
    pub context: &'a Value,
    pub output: &'a Value,
    pub generator_model: &'a str,
    pub generator_version: &'a str,
    pub batch: &'a str,
    pub golden: Option<&'a Value>,
    pub meta: &'a Value,
    pub content_hash: &'a [u8],
}

/// Inserts `item` into its task unless an item with its external id is there already; returns
/// whether it was inserted.
pub async fn insert_if_new(
    tx: &mut Transaction<'_, Postgres>,
    item: &NewItem<'_>,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query!(
        r#"INSERT INTO items (task_id, external_id, context, output, generator_model, generator_version, batch, golden, meta, content_hash)
           SELECT id, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM tasks WHERE name = $1
           ON CONFLICT (task_id, external_id) DO NOTHING"#,
        item.task,
        item.external_id,
        item.context,
        item.output,
        item.generator_model,
        item.generator_version,
        item.batch,
        item.golden,
        item.meta,
        item.content_hash,
    )
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}
