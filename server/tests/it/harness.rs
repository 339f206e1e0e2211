//! `spawn_app()`: a cojudge web server on a random port over its own freshly migrated database,
//! with what tests keep needing: people signed in through the sign-in form, export jobs run to
//! the end, row counts.
//!
//! The cluster is the one named by `COJUDGE_TEST_DATABASE_URL` (scripts/test starts one), or
//! else a local cluster in `target/test-pg` started with the app's own launcher.

use cojudge::database::{connect, create_database_if_missing, migrate};
use cojudge::postgres::LocalPostgres;
use cojudge::web::{build_router, WebConfig};
use reqwest::redirect::Policy;
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::OnceCell;

/// The password of every account [`TestApp::signed_in`] creates.
pub const PASSWORD: &str = "correct horse battery staple";

/// A URL of the test cluster's maintenance database (`postgres`).
async fn cluster_url() -> SecretString {
    static URL: OnceCell<SecretString> = OnceCell::const_new();
    URL.get_or_init(|| async {
        if let Ok(url) = std::env::var("COJUDGE_TEST_DATABASE_URL") {
            let mut url = url::Url::parse(&url).expect("COJUDGE_TEST_DATABASE_URL is a URL");
            url.set_path("/postgres");
            return SecretString::from(url.to_string());
        }
        let root = workspace_target().join("test-pg").join("pg");
        tokio::task::spawn_blocking(move || LocalPostgres::ensure_running(&root))
            .await
            .unwrap()
            .expect("the test Postgres starts")
            .url("postgres")
    })
    .await
    .clone()
}

pub fn workspace_target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// A new, empty database (not migrated) on the test cluster, and its URL.
pub async fn fresh_database() -> (String, SecretString) {
    cojudge::tls::install_crypto_provider();
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    let admin = cluster_url().await;
    create_database_if_missing(&admin, &name)
        .await
        .expect("test database is created");
    let mut url = url::Url::parse(admin.expose_secret()).unwrap();
    url.set_path(&format!("/{name}"));
    (name, SecretString::from(url.to_string()))
}

/// A pool on a new database with every migration applied and the built-in tasks seeded.
pub async fn migrated_pool() -> (PgPool, SecretString) {
    let (_, url) = fresh_database().await;
    let pool = connect(&url, 8)
        .await
        .expect("connects to the test database");
    migrate(&pool).await.expect("migrations apply");
    cojudge::seed::builtin_tasks::ensure_builtin_tasks(&pool)
        .await
        .expect("built-in tasks are seeded");
    (pool, url)
}

pub struct TestApp {
    pub address: String,
    pub pool: PgPool,
    /// The export directory the app serves downloads from (removed with the app).
    pub exports: std::sync::Arc<tempfile::TempDir>,
    /// How many accounts [`TestApp::signed_in`] made, to number their e-mail addresses.
    accounts: AtomicUsize,
}

/// Someone signed in through the sign-in form: their browser-like client (which holds the
/// session cookie), their user id and e-mail address.
pub struct SignedIn {
    pub client: reqwest::Client,
    pub id: i64,
    pub email: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_configured(|_| {}).await
}

/// [`spawn_app`], with the web configuration changed by `configure` first.
pub async fn spawn_app_configured(configure: impl FnOnce(&mut WebConfig)) -> TestApp {
    let (pool, _) = migrated_pool().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let exports = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = WebConfig {
        addr,
        public_url: format!("http://{addr}").parse().unwrap(),
        site_root: workspace_target().join("site"),
        session_hours: 12,
        max_import_bytes: 1_000_000,
        import_input_limits: cojudge::ingest::source::InputLimits {
            max_line_bytes: 100_000,
            max_total_bytes: Some(5_000_000),
        },
        review: app::services::ReviewSettings::default(),
        export_dir: exports.path().to_path_buf(),
        // Tests stand for many clients by sending `X-Forwarded-For` as a proxy would.
        trusted_proxy_hops: cojudge::web::TrustedProxyHops(1),
    };
    configure(&mut config);
    let router = build_router(pool.clone(), &config);
    tokio::spawn(cojudge::web::serve(
        listener,
        router,
        std::future::pending(),
    ));
    TestApp {
        address: format!("http://{addr}"),
        pool,
        exports,
        accounts: AtomicUsize::new(0),
    }
}

impl TestApp {
    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("Accept", "text/html,application/xhtml+xml".parse().unwrap());
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .default_headers(headers)
            .build()
            .unwrap()
    }

    /// Creates an account directly in the database.
    pub async fn add_user(&self, email: &str, role: app::domain::Role, password: &str) -> i64 {
        let hash = app::services::password::hash(password.to_string())
            .await
            .unwrap();
        let email = app::domain::Email::parse(email).unwrap();
        app::db::users::insert(&self.pool, &email, "Test user", role, &hash)
            .await
            .unwrap()
    }

    /// A new account with `role` (`{role}-{n}@example.org`, password [`PASSWORD`]), signed in
    /// by posting the sign-in form as the browser does.
    pub async fn signed_in(&self, role: app::domain::Role) -> SignedIn {
        let n = self.accounts.fetch_add(1, Ordering::Relaxed);
        let email = format!("{role}-{n}@example.org");
        let id = app::db::users::insert(
            &self.pool,
            &app::domain::Email::parse(&email).unwrap(),
            &format!("{role} {n}"),
            role,
            password_hash().await,
        )
        .await
        .unwrap();
        let client = self.client();
        let response = self.sign_in(&client, &email, PASSWORD).await;
        assert!(
            response.status().is_redirection(),
            "{email} could not sign in: {}",
            response.status()
        );
        SignedIn { client, id, email }
    }

    /// Runs every export job waiting (over REST or from the page) to its end, as a runner does,
    /// without waiting for one to pick them up; returns how many ran.
    pub async fn run_export_jobs(&self) -> usize {
        cojudge::export::jobs::run_until_empty(&self.pool, self.exports.path())
            .await
            .expect("the export runner records every outcome")
    }

    /// A new API token with `role`; its secret.
    pub async fn api_token(&self, name: &str, role: app::domain::Role) -> String {
        use app::db::{audit::Actor, tokens};
        let new = tokens::NewToken {
            name,
            role,
            expires_at: None,
            created_by: None,
        };
        tokens::create(&self.pool, &new, Actor::Other("test"))
            .await
            .unwrap()
            .1
            .expose()
            .to_string()
    }

    /// Posts the sign-in form as the browser does without JavaScript; while every password
    /// check of the server is busy (503, when many tests sign in at once), tries again after
    /// its `Retry-After`, as a person would.
    pub async fn sign_in(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        let mut tries = 0;
        loop {
            let response = client
                .post(format!("{}/api/auth/login", self.address))
                .form(&[("email", email), ("password", password), ("next", "")])
                .send()
                .await
                .unwrap();
            tries += 1;
            if response.status() != 503 || tries == 20 {
                return response;
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }

    /// Calls a server function with form arguments, as an `ActionForm` (or a beacon) does.
    pub async fn call_form(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(format!("{}/api/{endpoint}", self.address))
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Calls a server function with no arguments, as the hydrated page does.
    pub async fn call(&self, client: &reqwest::Client, endpoint: &str) -> reqwest::Response {
        client
            .post(format!("{}/api/{endpoint}", self.address))
            .header("Accept", "application/json")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .unwrap()
    }
}

/// The argon2 hash of [`PASSWORD`], computed once: hashing is slow on purpose.
async fn password_hash() -> &'static str {
    static HASH: OnceCell<String> = OnceCell::const_new();
    HASH.get_or_init(|| async {
        app::services::password::hash(PASSWORD.to_string())
            .await
            .unwrap()
    })
    .await
}

/// The number of rows in `table`.
pub async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The number of rows in `table` that meet `condition` (SQL, as after `WHERE`).
pub async fn count_where(pool: &PgPool, table: &str, condition: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table} WHERE {condition}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Runs the `cojudge` binary against `url` with no input, as a user would.
pub fn cojudge(url: &SecretString, args: &[&str]) -> Output {
    cojudge_with_input(url, args, b"")
}

/// Runs the `cojudge` binary against `url`, writing `input` to its standard input.
pub fn cojudge_with_input(url: &SecretString, args: &[&str], input: impl AsRef<[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cojudge"))
        .args(args)
        .env("DATABASE_URL", url.expose_secret())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_ref()).unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The value of the session cookie the client holds for `app`, if any.
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .cookies()
        .find(|c| c.name() == cojudge::web::sessions::COOKIE_NAME)
        .map(|c| c.value().to_string())
}

/// `cojudge serve` as a process of its own, on a free port of 127.0.0.1 (for what only a real
/// process shows: its memory, its connections); its output is discarded. Killed when dropped.
pub struct ServeProcess {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl ServeProcess {
    /// Starts it against `database_url` with the extra `args` and environment `envs`, without
    /// demo data, and waits until `/readyz` answers 200 (at most 20 s).
    pub async fn start(database_url: &str, args: &[&str], envs: &[(&str, &str)]) -> ServeProcess {
        let port = free_port().to_string();
        let child = Command::new(env!("CARGO_BIN_EXE_cojudge"))
            .args(["serve", "--port", &port, "--demo", "never"])
            .args(args)
            .env("DATABASE_URL", database_url)
            .envs(envs.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = ServeProcess {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let probe = reqwest::Client::new();
        for _ in 0..400 {
            let ready = probe.get(format!("{}/readyz", server.base)).send().await;
            if ready.is_ok_and(|response| response.status() == 200) {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("cojudge serve did not become ready on {}", server.base);
    }

    /// The process's peak resident memory so far, in bytes (`VmHWM`).
    pub fn peak_memory(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status
            .lines()
            .find(|line| line.starts_with("VmHWM:"))
            .unwrap();
        let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kib * 1024
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port on 127.0.0.1 (bound, then released for the caller to use).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
