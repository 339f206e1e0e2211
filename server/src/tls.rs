//! TLS for the connections cojudge makes (Postgres through sqlx, the judge's endpoint through
//! reqwest): one rustls crypto provider for the whole process, chosen at start-up. The build
//! carries two (`ring`, which sqlx uses, and `aws-lc-rs`, which reqwest 0.13 brings); with both
//! compiled in and none chosen, rustls cannot pick one and panics at the first connection that
//! asks it for the process's provider. `ring` it is.

/// Installs `ring` as the process's rustls provider; a second call changes nothing.
pub fn install_crypto_provider() {
    // An error only says that a provider is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
