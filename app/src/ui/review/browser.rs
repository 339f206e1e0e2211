//! The few browser facilities the review page needs, behind plain functions: random ids for
//! idempotent answers, a clock, a sleep, and a beacon that outlives the page. They are called
//! only from event handlers and effects, which run in the browser.

use std::time::Duration;

/// A random RFC 4122 version-4 UUID from the browser's cryptographic generator (available on
/// plain-HTTP origins too, unlike `crypto.randomUUID`).
pub fn random_uuid() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .map(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).is_ok())
        .unwrap_or(false);
    if !filled {
        for byte in bytes.iter_mut() {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    format_uuid(bytes)
}

fn format_uuid(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Resolves after `duration`.
pub async fn sleep(duration: Duration) {
    let (done, wait) = futures_channel::oneshot::channel::<()>();
    leptos::prelude::set_timeout(
        move || {
            let _ = done.send(());
        },
        duration,
    );
    let _ = wait.await;
}

/// Posts `fields` as a form to `url` in a way that survives the page being closed.
pub fn send_beacon(url: &str, fields: &[(&str, &str)]) {
    let Ok(params) = web_sys::UrlSearchParams::new() else {
        return;
    };
    for (name, value) in fields {
        params.append(name, value);
    }
    if let Some(window) = web_sys::window() {
        let _ = window
            .navigator()
            .send_beacon_with_opt_url_search_params(url, Some(&params));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuids_carry_version_4_and_the_rfc_variant() {
        let id = super::format_uuid([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(
            super::format_uuid([0; 16]),
            "00000000-0000-4000-8000-000000000000"
        );
    }
}
