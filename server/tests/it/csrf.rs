//! State-changing requests from another origin are refused before they reach a handler.

use crate::harness::spawn_app;
use app::domain::Role;

#[tokio::test]
async fn a_sign_in_posted_from_another_origin_is_refused() {
    let app = spawn_app().await;
    app.add_user("ann@example.org", Role::Annotator, "ann-password-1")
        .await;

    let response = app
        .client()
        .post(format!("{}/api/auth/login", app.address))
        .header("Origin", "https://evil.example")
        .form(&[
            ("email", "ann@example.org"),
            ("password", "ann-password-1"),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    assert!(response.cookies().next().is_none());
}

#[tokio::test]
async fn a_sign_in_posted_from_the_app_itself_is_accepted() {
    let app = spawn_app().await;
    app.add_user("ann@example.org", Role::Annotator, "ann-password-1")
        .await;

    let response = app
        .client()
        .post(format!("{}/api/auth/login", app.address))
        .header("Origin", &app.address)
        .form(&[
            ("email", "ann@example.org"),
            ("password", "ann-password-1"),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();

    assert!(
        response.status().is_redirection(),
        "status {}",
        response.status()
    );
}

#[tokio::test]
async fn a_cross_site_logout_is_refused() {
    let app = spawn_app().await;
    let response = app
        .client()
        .post(format!("{}/api/auth/logout", app.address))
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}
