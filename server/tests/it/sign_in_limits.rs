//! What sign-in attempts may cost: the throttles counted atomically per address and client
//! address, a person signing in while someone elsewhere guesses at their address, a flood of
//! sign-ins against a real `cojudge serve` process (memory and health), the cap on the typed
//! address, and where a sign-in link may lead. The test server trusts one proxy hop, so a
//! request's `X-Forwarded-For` names its client.

use crate::harness::{count_where, migrated_pool, spawn_app, ServeProcess, TestApp};
use app::domain::Role;
use secrecy::ExposeSecret;
use std::time::{Duration, Instant};

/// Posts the sign-in form from client address `ip`.
async fn sign_in_from(
    app: &TestApp,
    ip: &str,
    email: &str,
    password: &str,
    next: &str,
) -> reqwest::Response {
    app.client()
        .post(format!("{}/api/auth/login", app.address))
        .header("X-Forwarded-For", ip)
        .form(&[("email", email), ("password", password), ("next", next)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn fifty_simultaneous_wrong_guesses_have_at_most_five_passwords_checked() {
    let app = spawn_app().await;
    app.add_user("ann@example.org", Role::Annotator, "ann-password-1")
        .await;
    let guesses = (0..50).map(|n| {
        let app = &app;
        async move {
            sign_in_from(
                app,
                "203.0.113.9",
                "ann@example.org",
                &format!("guess-{n}"),
                "",
            )
            .await
            .status()
            .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|&&status| status == 401).count();
    let throttled = statuses.iter().filter(|&&status| status == 429).count();
    assert!(checked <= 5, "{checked} passwords checked: {statuses:?}");
    assert_eq!(checked + throttled, 50, "{statuses:?}");
    // Only the checked ones are kept as failures.
    let kept = count_where(&app.pool, "login_attempts", "email = 'ann@example.org'").await;
    assert_eq!(kept, checked as i64);
}

#[tokio::test]
async fn a_guesser_elsewhere_cannot_lock_a_person_out_of_their_account() {
    let app = spawn_app().await;
    app.add_user("bo@example.org", Role::Annotator, "bo-password-1")
        .await;
    let attacker = "198.51.100.66";
    for n in 0..10 {
        sign_in_from(&app, attacker, "bo@example.org", &format!("guess-{n}"), "").await;
    }
    let locked = sign_in_from(&app, attacker, "bo@example.org", "bo-password-1", "").await;
    assert_eq!(locked.status(), 429, "the guesser stays throttled");
    let bo = sign_in_from(&app, "192.0.2.10", "bo@example.org", "bo-password-1", "").await;
    assert!(bo.status().is_redirection(), "{:?}", bo.text().await);

    // Guesses from many addresses, one each, push the address over its ceiling: then an
    // address that has failed for it waits, and one that has not still gets through.
    for n in 0..25 {
        let ip = format!("198.51.100.{}", 100 + n);
        let guess = sign_in_from(&app, &ip, "bo@example.org", "guess", "").await;
        assert_eq!(guess.status(), 401, "guess {n}");
    }
    let again = sign_in_from(&app, "198.51.100.100", "bo@example.org", "guess", "").await;
    assert_eq!(again.status(), 429);
    let bo = sign_in_from(&app, "192.0.2.11", "bo@example.org", "bo-password-1", "").await;
    assert!(bo.status().is_redirection(), "{:?}", bo.text().await);
}

#[tokio::test]
async fn one_client_trying_many_addresses_is_throttled() {
    let app = spawn_app().await;
    for n in 0..50 {
        let email = format!("user{n}@example.org");
        let response = sign_in_from(&app, "203.0.113.50", &email, "guess", "").await;
        assert_eq!(response.status(), 401, "attempt {n}");
    }
    let next = sign_in_from(&app, "203.0.113.50", "user99@example.org", "guess", "").await;
    assert_eq!(next.status(), 429);
    assert!(next.headers().contains_key("retry-after"));
    let elsewhere = sign_in_from(&app, "203.0.113.51", "user99@example.org", "guess", "").await;
    assert_eq!(elsewhere.status(), 401);
}

#[tokio::test]
async fn a_huge_typed_address_is_cut_before_it_is_stored() {
    let app = spawn_app().await;
    let huge = format!("{}@example.org", "x".repeat(100_000));
    let response = sign_in_from(&app, "203.0.113.60", &huge, "guess", "").await;
    assert_eq!(response.status(), 401);
    let longest = sqlx::query_scalar::<_, i32>("SELECT max(length(email)) FROM login_attempts")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(longest, 254);
}

#[tokio::test]
async fn a_sign_in_link_never_leads_to_another_site() {
    let app = spawn_app().await;
    app.add_user("cy@example.org", Role::Annotator, "cy-password-1")
        .await;
    for (next, expected) in [
        ("/metrics/tag?x=1", "/metrics/tag?x=1"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("//evil.example", "/"),
        ("/a/..//evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/%09/evil.example", "/%09/evil.example"),
    ] {
        let response =
            sign_in_from(&app, "192.0.2.20", "cy@example.org", "cy-password-1", next).await;
        assert!(
            response.status().is_redirection(),
            "{next:?}: {}",
            response.status()
        );
        assert_eq!(response.headers()["location"], expected, "{next:?}");
    }
}

/// The bound the README states for a web process under a flood of sign-ins.
const FLOOD_MEMORY_BOUND: u64 = 256 * 1024 * 1024;

#[tokio::test]
async fn a_flood_of_sign_ins_keeps_memory_bounded_and_health_answering() {
    let (_pool, url) = migrated_pool().await;
    let server = ServeProcess::start(
        url.expose_secret(),
        &["--embedded-worker", "false", "--export-runner", "false"],
        &[
            ("COJUDGE_OPS_SAMPLE_SECS", "0"),
            ("COJUDGE_TRUSTED_PROXY_HOPS", "1"),
            ("RUST_LOG", "error"),
        ],
    )
    .await;
    let base = server.base.clone();
    let client = reqwest::Client::new();

    let flood = (0..200).map(|n| {
        let (client, base) = (client.clone(), base.clone());
        tokio::spawn(async move {
            let response = client
                .post(format!("{base}/api/auth/login"))
                .header("X-Forwarded-For", format!("10.{}.{}.1", n / 200, n % 200))
                .form(&[
                    ("email", format!("flood{n}@example.org")),
                    ("password", "a wrong password".to_owned()),
                ])
                .send()
                .await
                .unwrap();
            let retry_after = response.headers().get("retry-after").cloned();
            (response.status().as_u16(), retry_after)
        })
    });
    let flood = futures_util::future::join_all(flood);
    let probes = async {
        let mut latencies = Vec::new();
        tokio::time::sleep(Duration::from_millis(200)).await;
        for _ in 0..20 {
            let started = Instant::now();
            let health = client.get(format!("{base}/healthz")).send().await.unwrap();
            assert_eq!(health.status(), 200);
            latencies.push(started.elapsed());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        latencies
    };
    let (answers, mut latencies) = tokio::join!(flood, probes);
    let peak = server.peak_memory();
    drop(server);

    let answers: Vec<_> = answers.into_iter().map(Result::unwrap).collect();
    let checked = answers.iter().filter(|(status, _)| *status == 401).count();
    let busy = answers.iter().filter(|(status, _)| *status == 503).count();
    assert_eq!(checked + busy, 200, "{answers:?}");
    assert!(checked > 0);
    assert!(answers
        .iter()
        .filter(|(status, _)| *status == 503)
        .all(|(_, retry_after)| retry_after.is_some()));
    assert!(
        peak < FLOOD_MEMORY_BOUND,
        "peak memory {} MiB ({checked} checked, {busy} turned away)",
        peak / (1024 * 1024)
    );
    latencies.sort();
    let p90 = latencies[17];
    assert!(
        p90 <= Duration::from_millis(100),
        "/healthz p90 {p90:?} under the flood: {latencies:?}"
    );
}
