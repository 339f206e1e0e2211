//! Bodies a server function cannot read get a 4xx that says what was wrong, never a 5xx:
//! truncated or mistyped JSON, bytes that are not UTF-8, absurd nesting, oversized bodies, and
//! form fields of the wrong type.

use crate::harness::spawn_app;
use app::domain::Role;

#[tokio::test]
async fn server_functions_answer_4xx_to_bodies_they_cannot_read() {
    let app = spawn_app().await;
    let client = app.signed_in(Role::Admin).await.client;
    let post_json = |body: Vec<u8>| {
        client
            .post(format!("{}/api/operations/task", app.address))
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let oversized = format!(r#"{{"task": "{}", "days": 1}}"#, "x".repeat(8_000_000));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", br#"{"task": "tag""#.to_vec()),
        ("mistyped", br#"{"task": 5, "days": 1}"#.to_vec()),
        ("missing field", br#"{"task": "tag"}"#.to_vec()),
        ("not JSON", b"task=tag".to_vec()),
        (
            "not UTF-8",
            b"{\"task\": \"\xff\xfe\", \"days\": 1}".to_vec(),
        ),
        ("nested", nested.into_bytes()),
        ("oversized", oversized.into_bytes()),
    ];
    for (case, body) in cases {
        let response = post_json(body).await.unwrap();
        let status = response.status();
        assert!(status.is_client_error(), "{case}: {status}");
        let text = response.text().await.unwrap();
        if status == 400 {
            assert!(
                text.contains("The request could not be read"),
                "{case}: {text}"
            );
        }
    }
    let wrong_field = client
        .post(format!("{}/api/metrics/apply-threshold", app.address))
        .header("Accept", "application/json")
        .form(&[
            ("task", "tag"),
            ("based_on", "x"),
            ("threshold", "0.5"),
            ("target_agreement", "0.9"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_field.status(), 400);
    // A well-formed request still works.
    let fine = post_json(br#"{"task": "tag", "days": 1}"#.to_vec())
        .await
        .unwrap();
    assert_eq!(fine.status(), 200);
}
