//! Who is asking, by network address: every request gets an [`app::services::sign_in::ClientIp`]
//! for the sign-in throttles. It is the peer's address, or, when the app runs behind proxies
//! it trusts, the `X-Forwarded-For` entry that the outermost of them added: with `hops` trusted
//! proxies, the `hops`-th entry from the right (entries further left are whatever the client
//! chose to send, so they are never believed).

use app::services::sign_in::ClientIp;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// How many proxies in front of the app append to `X-Forwarded-For` and are trusted (0: the
/// peer is the client).
#[derive(Debug, Clone, Copy, Default)]
pub struct TrustedProxyHops(pub usize);

/// The middleware: puts the client's address on the request.
pub async fn add_client_ip(
    State(hops): State<TrustedProxyHops>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let ip = client_ip(peer, request.headers(), hops);
    request.extensions_mut().insert(ClientIp(ip));
    next.run(request).await
}

/// The client's address: see the module docs. Without a peer address (a server started without
/// connection info) every request counts as one client, which throttles more, never less.
fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, hops: TrustedProxyHops) -> IpAddr {
    let peer = peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if hops.0 == 0 {
        return peer;
    }
    // Several headers are one list, in order.
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    forwarded
        .len()
        .checked_sub(hops.0)
        .and_then(|index| forwarded[index].parse().ok())
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append("x-forwarded-for", value.parse().unwrap());
        }
        map
    }

    const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        let ip = client_ip(Some(PEER), &headers(&["1.2.3.4"]), TrustedProxyHops(0));
        assert_eq!(ip, PEER);
    }

    #[test]
    fn behind_one_proxy_the_entry_it_added_is_the_client_and_earlier_ones_are_ignored() {
        let spoofed = headers(&["6.6.6.6, 203.0.113.7"]);
        let ip = client_ip(Some(PEER), &spoofed, TrustedProxyHops(1));
        assert_eq!(ip, "203.0.113.7".parse::<IpAddr>().unwrap());
        let split = headers(&["6.6.6.6", "203.0.113.7"]);
        assert_eq!(client_ip(Some(PEER), &split, TrustedProxyHops(1)), ip);
    }

    #[test]
    fn behind_two_proxies_the_second_entry_from_the_right_is_the_client() {
        let chain = headers(&["6.6.6.6, 2001:db8::5, 10.0.0.9"]);
        let ip = client_ip(Some(PEER), &chain, TrustedProxyHops(2));
        assert_eq!(ip, "2001:db8::5".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn a_missing_short_or_garbled_header_falls_back_to_the_peer() {
        assert_eq!(
            client_ip(Some(PEER), &headers(&[]), TrustedProxyHops(1)),
            PEER
        );
        let short = headers(&["203.0.113.7"]);
        assert_eq!(client_ip(Some(PEER), &short, TrustedProxyHops(2)), PEER);
        let garbled = headers(&["not-an-ip"]);
        assert_eq!(client_ip(Some(PEER), &garbled, TrustedProxyHops(1)), PEER);
    }
}
