//! The local-Postgres launcher: first start, reuse, restart with data kept, stale lock files.

use cojudge::postgres::LocalPostgres;
use secrecy::ExposeSecret;
use sqlx::Connection;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A temporary folder the unprivileged Postgres user can reach (tempfile makes them 0700).
fn cluster_folder() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("cojudge-launcher-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

async fn start(root: &Path) -> LocalPostgres {
    let root = root.to_path_buf();
    tokio::task::spawn_blocking(move || LocalPostgres::ensure_running(&root))
        .await
        .unwrap()
        .unwrap()
}

async fn stop(cluster: LocalPostgres) {
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
}

async fn execute(cluster: &LocalPostgres, sql: &str) -> Result<(), sqlx::Error> {
    let mut connection =
        sqlx::PgConnection::connect(cluster.url("postgres").expose_secret()).await?;
    sqlx::raw_sql(sql).execute(&mut connection).await?;
    connection.close().await
}

#[tokio::test]
async fn a_new_cluster_starts_then_is_reused_and_keeps_its_data_across_restarts() {
    let folder = cluster_folder();
    let root = folder.path().join("pg");

    let first = start(&root).await;
    assert!(first.started_here());
    execute(
        &first,
        "CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)",
    )
    .await
    .unwrap();

    let again = start(&root).await;
    assert!(
        !again.started_here(),
        "a running cluster is reused, not started twice"
    );
    assert_eq!(again.port(), first.port());

    stop(first).await;
    let restarted = start(&root).await;
    assert!(restarted.started_here());
    execute(
        &restarted,
        "DO $$ BEGIN IF (SELECT x FROM kept) <> 7 THEN RAISE 'lost'; END IF; END $$",
    )
    .await
    .unwrap();
    stop(restarted).await;
}

#[tokio::test]
async fn the_password_file_is_private_and_the_server_refuses_a_wrong_password() {
    let folder = cluster_folder();
    let root = folder.path().join("pg");
    let cluster = start(&root).await;

    let mode = std::fs::metadata(root.join("password"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let wrong = format!(
        "postgres://cojudge:wrong@127.0.0.1:{}/postgres",
        cluster.port()
    );
    assert!(sqlx::PgConnection::connect(&wrong).await.is_err());
    stop(cluster).await;
}

#[tokio::test]
async fn a_stale_postmaster_pid_left_by_a_crash_does_not_prevent_a_start() {
    let folder = cluster_folder();
    let root = folder.path().join("pg");
    let cluster = start(&root).await;
    let data_dir = cluster.data_dir().to_path_buf();
    stop(cluster).await;
    // After a crash and reboot the recorded pid may belong to an unrelated live process.
    let mut unrelated = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    let stale = format!(
        "{}\n{}\n1700000000\n5432\n\n127.0.0.1\n  0 0\nready   \n",
        unrelated.id(),
        data_dir.display()
    );
    std::fs::write(data_dir.join("postmaster.pid"), stale).unwrap();

    let restarted = start(&root).await;

    assert!(restarted.started_here());
    execute(&restarted, "SELECT 1").await.unwrap();
    stop(restarted).await;
    unrelated.kill().unwrap();
    unrelated.wait().unwrap();
}

#[tokio::test]
async fn concurrent_starts_of_one_cluster_agree_on_one_server() {
    let folder = cluster_folder();
    let root = folder.path().join("pg");

    let (a, b) = tokio::join!(start(&root), start(&root));

    assert_eq!(a.port(), b.port());
    assert!(
        a.started_here() ^ b.started_here(),
        "exactly one call starts the server"
    );
    execute(&a, "SELECT 1").await.unwrap();
    let starter = if a.started_here() { a } else { b };
    stop(starter).await;
}

#[tokio::test]
async fn destroy_stops_the_cluster_and_deletes_its_files() {
    let folder = cluster_folder();
    let root = folder.path().join("pg");
    let cluster = start(&root).await;
    let url = cluster.url("postgres");

    let to_destroy = root.clone();
    tokio::task::spawn_blocking(move || LocalPostgres::destroy(&to_destroy))
        .await
        .unwrap()
        .unwrap();

    assert!(!root.exists());
    assert!(sqlx::PgConnection::connect(url.expose_secret())
        .await
        .is_err());
}

#[tokio::test]
async fn a_folder_the_postgres_user_cannot_reach_gets_its_cluster_elsewhere() {
    if !nix::unistd::Uid::effective().is_root() {
        return; // only root hands the cluster to another user
    }
    let private = tempfile::Builder::new()
        .prefix("cojudge-private-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(private.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let root = private.path().join("pg");

    let cluster = start(&root).await;

    assert!(
        !cluster.data_dir().starts_with(private.path()),
        "relocated to {}",
        cluster.data_dir().display()
    );
    execute(&cluster, "SELECT 1").await.unwrap();
    let relocated = cluster.data_dir().parent().unwrap().to_path_buf();
    // Deleting the requested folder (e.g. a fresh clone at the same path) loses nothing: the
    // password lives with the relocated data, and destroy still finds and deletes it.
    std::fs::remove_dir_all(&root).unwrap();
    let again = start(&root).await;
    execute(&again, "SELECT 1").await.unwrap();
    let to_destroy = root.clone();
    tokio::task::spawn_blocking(move || LocalPostgres::destroy(&to_destroy))
        .await
        .unwrap()
        .unwrap();
    assert!(!relocated.exists());
}
