//! What `cojudge serve` writes to its log, read the way a log collector reads it: every line is
//! JSON, every request's lines carry its request id (a client's own is kept and echoed), and
//! no secret appears — not the database password, not a password typed at sign-in (right or
//! wrong), not an API token.

use crate::harness::{cojudge_with_input, migrated_pool, stdout};
use secrecy::ExposeSecret;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn logs_are_json_lines_with_request_ids_and_no_secrets() {
    let (_pool, url) = migrated_pool().await;
    let password = "correct horse battery staple 42";
    let wrong_password = "wrong-guess-with-a-secret-7";
    let created = cojudge_with_input(
        &url,
        &[
            "user",
            "add",
            "--email",
            "logs@example.org",
            "--role",
            "admin",
            "--password-stdin",
        ],
        format!("{password}\n"),
    );
    assert!(created.status.success());
    let token_output = cojudge_with_input(
        &url,
        &["token", "create", "--name", "logs", "--role", "trainer"],
        "",
    );
    let token = stdout(&token_output)
        .split_whitespace()
        .find(|word| word.starts_with("cjt_"))
        .expect("the token is printed once")
        .to_owned();

    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut server = Command::new(env!("CARGO_BIN_EXE_cojudge"))
        .args(["serve", "--port", &port.to_string(), "--demo", "never"])
        .args(["--embedded-worker", "false", "--ops-sample-secs", "0"])
        .env("DATABASE_URL", url.expose_secret())
        .env("COJUDGE_LOG_FORMAT", "json")
        .env("RUST_LOG", "debug,sqlx=warn,hyper=info,h2=info")
        .env("OPENAI_API_KEY", "sk-never-logged-123")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let login = |secret: &'static str| {
        client
            .post(format!("{base}/api/auth/login"))
            .header("Origin", &base)
            .form(&[
                ("email", "logs@example.org"),
                ("password", secret),
                ("next", ""),
            ])
            .send()
    };
    login(wrong_password).await.unwrap();
    login(password).await.unwrap();
    let whoami = client
        .get(format!("{base}/api/v1/whoami?token={token}"))
        .bearer_auth(&token)
        .header("x-request-id", "client-chosen-id-77")
        .send()
        .await
        .unwrap();
    assert_eq!(whoami.status(), 200);
    assert_eq!(whoami.headers()["x-request-id"], "client-chosen-id-77");
    let generated = client.get(format!("{base}/healthz")).send().await.unwrap();
    let generated_id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(generated_id.len(), 36, "a UUID: {generated_id}");

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(server.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let mut log = String::new();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(server.wait().unwrap().success(), "{log}");

    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    assert!(lines.len() > 5, "{log}");
    let of_request = |id: &str| {
        lines
            .iter()
            .filter(|line| {
                line.to_string()
                    .contains(&format!(r#""request_id":"{id}""#))
            })
            .count()
    };
    assert!(of_request("client-chosen-id-77") > 0, "{log}");
    assert!(of_request(&generated_id) > 0, "{log}");

    let database_password = url::Url::parse(url.expose_secret())
        .unwrap()
        .password()
        .unwrap()
        .to_owned();
    for secret in [
        password,
        wrong_password,
        token.as_str(),
        &token[..20],
        "sk-never-logged-123",
        database_password.as_str(),
    ] {
        assert!(!log.contains(secret), "the log contains a secret: {secret}");
    }
}
