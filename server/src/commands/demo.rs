//! `cojudge demo`: loads the demo tasks, artifacts and accounts into any database.

use crate::cli::DemoArgs;
use crate::database::Database;
use crate::demo;

pub async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let db = Database::open(&args.database).await?;
    let result = demo::load(&db.pool, args.seed, args.per_task).await;
    db.close().await;
    result?.print();
    Ok(())
}
