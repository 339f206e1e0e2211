//! Prometheus metrics: `GET /metrics` on the web port (queue depth per state counted when
//! scraped, HTTP requests by route pattern), the judge worker's calls and tokens, and the
//! worker's own metrics port. The registry is per process and the tests share it, so counters
//! are compared before and after.

use crate::harness::spawn_app;
use crate::judge_support::{all_tag, queue_items, run_until_drained, settings};
use fake_openai::FakeOpenAi;

/// The value of the sample `name{labels}` in a Prometheus text body (0 when absent).
fn sample(body: &str, name_and_labels: &str) -> f64 {
    body.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (key, value) = line.rsplit_once(' ')?;
            (key == name_and_labels).then(|| value.parse().ok())?
        })
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_show_the_queues_and_the_requests_by_route() {
    let app = spawn_app().await;
    queue_items(&app.pool, "interest", "obs", 7, |_| false).await;
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let health = client
            .get(format!("{}/healthz", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
    }
    let unknown = client
        .get(format!("{}/api/v1/tasks/interest/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);

    let response = client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let body = response.text().await.unwrap();
    assert_eq!(
        sample(
            &body,
            r#"cojudge_queue_items{task="interest",state="queued"}"#
        ),
        7.0,
        "{body}"
    );
    assert_eq!(
        sample(
            &body,
            r#"cojudge_queue_items{task="interest",state="human_review"}"#
        ),
        0.0
    );
    assert!(
        sample(
            &body,
            r#"cojudge_http_requests_total{method="GET",route="/healthz",status="200"}"#
        ) >= 3.0
    );
    // Routes are labelled by pattern, not by the task's name.
    assert!(
        sample(
            &body,
            r#"cojudge_http_requests_total{method="GET",route="/api/v1/tasks/{task}/metrics",status="401"}"#
        ) >= 1.0,
        "{body}"
    );
    assert!(body.contains("cojudge_http_request_duration_seconds_bucket{"));
}

#[tokio::test]
async fn the_judge_worker_counts_its_calls_and_tokens() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_answerer(|_| all_tag("pass", 0.97));
    let scrape = || async {
        reqwest::get(format!("{}/metrics", app.address))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let judged = r#"cojudge_judge_calls_total{task="tag",outcome="judged"}"#;
    let prompt = r#"cojudge_judge_tokens_total{task="tag",kind="prompt"}"#;
    let before = scrape().await;
    queue_items(&app.pool, "tag", "obs", 12, |_| false).await;
    let report = run_until_drained(&app.pool, settings(Some(fake.base_url()))).await;
    assert_eq!(report.judged, 12);
    let after = scrape().await;
    assert!(
        sample(&after, judged) - sample(&before, judged) >= 12.0,
        "{after}"
    );
    assert!(sample(&after, prompt) > sample(&before, prompt));
    assert!(
        sample(
            &after,
            r#"cojudge_judge_call_duration_seconds_count{task="tag"}"#
        ) >= 12.0
    );
}

#[tokio::test]
async fn a_worker_serves_metrics_and_health_on_its_own_port() {
    let app = spawn_app().await;
    queue_items(&app.pool, "explanation", "obs", 2, |_| false).await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let stop = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(cojudge::observability::scrape::serve(
        addr,
        app.pool.clone(),
        stop.clone().cancelled_owned(),
    ));
    let client = reqwest::Client::new();
    let mut body = String::new();
    for _ in 0..50 {
        if let Ok(response) = client.get(format!("http://{addr}/metrics")).send().await {
            body = response.text().await.unwrap();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        sample(
            &body,
            r#"cojudge_queue_items{task="explanation",state="queued"}"#
        ),
        2.0,
        "{body}"
    );
    let ready = client
        .get(format!("http://{addr}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    stop.cancel();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn requests_with_made_up_methods_add_no_metric_series() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let scrape = || async {
        reqwest::get(format!("{}/metrics", app.address))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    // Series other tests may add meanwhile carry a standard method; only `other` is counted.
    let other_series = |body: &str| {
        body.lines()
            .filter(|line| !line.starts_with('#') && line.contains(r#"method="other""#))
            .count()
    };
    let methods = |body: &str| {
        body.split(r#"method=""#)
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_owned)
            .collect::<std::collections::BTreeSet<_>>()
    };
    let send = |method: String| {
        let request = client.request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}/healthz", app.address),
        );
        async move { request.send().await.unwrap().status() }
    };
    // One made-up method first, so that the `other` series exist before counting.
    assert_eq!(send("WARMUP".to_owned()).await, 405);
    let before = scrape().await;
    for round in 0..1_000 {
        send(format!("RANDOM{round}")).await;
    }
    let after = scrape().await;
    assert_eq!(other_series(&after), other_series(&before), "{after}");
    let standard = [
        "GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "other",
    ];
    assert!(
        methods(&after)
            .iter()
            .all(|method| standard.contains(&method.as_str())),
        "{:?}",
        methods(&after)
    );
    let other = r#"cojudge_http_requests_total{method="other",route="/healthz",status="405"}"#;
    assert!(
        sample(&after, other) - sample(&before, other) >= 1_000.0,
        "{after}"
    );
}
