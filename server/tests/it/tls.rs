//! TLS to a managed Postgres, as the services that require it are reached: a Postgres with
//! `ssl = on` and a certificate from a CA this test makes; cojudge connects with
//! `sslmode=verify-full`, migrates, serves `/readyz` and judges items over an https endpoint
//! whose certificate comes from the same CA (`COJUDGE_JUDGE_CA_CERT`). A certificate from
//! another CA is refused with a clear error.

use crate::harness::{cojudge, stderr, ServeProcess};
use crate::judge_support::{all_tag, queue_items};
use cojudge::postgres::LocalPostgres;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use secrecy::{ExposeSecret, SecretString};
use sqlx::Connection;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

/// A CA's certificate (PEM) and the issuer that signs with it.
fn certificate_authority(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let key = KeyPair::generate().unwrap();
    let certificate = params.self_signed(&key).unwrap();
    (certificate.pem(), Issuer::new(params, key))
}

/// A certificate for 127.0.0.1 and localhost signed by `issuer`, and its key (PEM).
fn server_certificate(issuer: &Issuer<'static, KeyPair>) -> (String, String) {
    let params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let key = KeyPair::generate().unwrap();
    let certificate = params.signed_by(&key, issuer).unwrap();
    (certificate.pem(), key.serialize_pem())
}

/// Writes `text` to `path`, owned as `owner` is, readable by the owner only.
fn write_private(path: &Path, text: &str, owner: &Path) {
    std::fs::write(path, text).unwrap();
    let meta = std::fs::metadata(owner).unwrap();
    nix::unistd::chown(
        path,
        Some(nix::unistd::Uid::from_raw(meta.uid())),
        Some(nix::unistd::Gid::from_raw(meta.gid())),
    )
    .unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// `url` with TLS required, the server's certificate checked against `ca` and its name.
fn verify_full(url: &SecretString, ca: &Path) -> SecretString {
    format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        url.expose_secret(),
        ca.display()
    )
    .into()
}

#[tokio::test]
async fn cojudge_runs_on_a_postgres_that_requires_tls_and_refuses_a_certificate_from_another_ca() {
    cojudge::tls::install_crypto_provider();
    let folder = tempfile::Builder::new()
        .prefix("cojudge-tls-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(folder.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = folder.path().join("pg");
    let cluster = tokio::task::spawn_blocking(move || LocalPostgres::ensure_running(&root))
        .await
        .unwrap()
        .unwrap();

    let (ca_pem, issuer) = certificate_authority("cojudge test CA");
    let (other_ca_pem, _) = certificate_authority("some other CA");
    let (cert_pem, key_pem) = server_certificate(&issuer);
    let data = cluster.data_dir();
    write_private(&data.join("server.crt"), &cert_pem, data);
    write_private(&data.join("server.key"), &key_pem, data);
    let ca = folder.path().join("ca.pem");
    let other_ca = folder.path().join("other-ca.pem");
    std::fs::write(&ca, &ca_pem).unwrap();
    std::fs::write(&other_ca, &other_ca_pem).unwrap();
    let mut admin = sqlx::PgConnection::connect(cluster.url("postgres").expose_secret())
        .await
        .unwrap();
    for statement in [
        "ALTER SYSTEM SET ssl = on",
        "SELECT pg_reload_conf()",
        "CREATE DATABASE tls",
    ] {
        sqlx::raw_sql(statement).execute(&mut admin).await.unwrap();
    }
    let url = verify_full(&cluster.url("tls"), &ca);
    let mut checked = None;
    for _ in 0..50 {
        if let Ok(connection) = sqlx::PgConnection::connect(url.expose_secret()).await {
            checked = Some(connection);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut connection = checked.expect("connects with verify-full once ssl is on");
    let encrypted: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&mut connection)
            .await
            .unwrap();
    assert!(encrypted);

    // A certificate from another CA is refused, saying why.
    let refused = cojudge(&verify_full(&cluster.url("tls"), &other_ca), &["migrate"]);
    assert!(!refused.status.success());
    let said = stderr(&refused);
    assert!(said.contains("UnknownIssuer"), "{said}");
    assert!(!said.contains("panicked"), "{said}");

    let migrated = cojudge(&url, &["migrate"]);
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    let pool = sqlx::PgPool::connect(url.expose_secret()).await.unwrap();
    queue_items(&pool, "tag", "tls", 3, |_| false).await;

    let fake = fake_openai::FakeOpenAi::start_tls(
        fake_openai::Options::default(),
        cert_pem.as_bytes(),
        key_pem.as_bytes(),
    )
    .await
    .unwrap();
    fake.set_answerer(|_| all_tag("pass", 0.97));
    assert!(fake.base_url().starts_with("https://"));
    // It becomes ready only once it has migrated over a verify-full connection and answers
    // /readyz from the database.
    let ca_path = ca.to_string_lossy().into_owned();
    let base_url = fake.base_url();
    let server = ServeProcess::start(
        url.expose_secret(),
        &["--ops-sample-secs", "0", "--export-runner", "false"],
        &[
            ("OPENAI_BASE_URL", base_url.as_str()),
            ("COJUDGE_JUDGE_CA_CERT", ca_path.as_str()),
            ("RUST_LOG", "warn"),
        ],
    )
    .await;
    let mut judged = 0;
    for _ in 0..300 {
        judged = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM judgments")
            .fetch_one(&pool)
            .await
            .unwrap();
        if judged == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(server);
    assert_eq!(judged, 3, "the items were judged over https");
    assert!(fake.request_count() >= 3);
    pool.close().await;
    connection.close().await.unwrap();
    admin.close().await.unwrap();
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
}
