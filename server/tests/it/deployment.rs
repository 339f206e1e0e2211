//! The example deployment (docker-compose.yml), read as text: no machine here runs a Docker
//! engine, so these check what the file says rather than a running stack.

fn compose_file() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docker-compose.yml"
    ))
    .unwrap()
}

#[test]
fn the_database_password_has_no_default_and_must_be_set() {
    let compose = compose_file();
    let uses: Vec<&str> = compose
        .match_indices("${POSTGRES_PASSWORD")
        .map(|(at, _)| &compose[at..at + compose[at..].find('}').unwrap()])
        .collect();
    assert!(uses.len() >= 2, "{uses:?}");
    assert!(
        uses.iter()
            .all(|used| used.starts_with("${POSTGRES_PASSWORD:?")),
        "every use refuses to start without a password: {uses:?}"
    );
}

#[test]
fn the_proxy_does_not_publish_metrics_and_the_web_trusts_its_one_hop() {
    let compose = compose_file();
    let caddy = &compose[compose.find("content: |").unwrap()..];
    let metrics = caddy.find("handle /metrics*").expect("a /metrics handler");
    let refused = caddy[metrics..].find("respond 404").unwrap() + metrics;
    let proxied = caddy.find("reverse_proxy").unwrap();
    assert!(metrics < refused && refused < proxied, "{caddy}");
    assert!(compose.contains("COJUDGE_TRUSTED_PROXY_HOPS: \"1\""));
}
