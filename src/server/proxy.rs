//! Where a request came from when Upmentor runs behind a TLS proxy (nginx, Caddy, a load
//! balancer). `X-Forwarded-For`, `-Proto` and `-Host` are believed only from the addresses in
//! `UPMENTOR_TRUSTED_PROXIES`: from anyone else they are just text a client wrote.

use super::AppState;
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap},
    middleware::Next,
    response::Response,
};
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The client of a request, as far as it can be trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    /// The browser's address: the connection's peer, or (through a trusted proxy) the nearest
    /// address in `X-Forwarded-For` that is not one of our proxies. `None` without a connection
    /// (a request made inside the process).
    pub ip: Option<IpAddr>,
    /// The browser used https (a trusted proxy said so in `X-Forwarded-Proto`).
    pub https: bool,
    /// The host the browser asked for: `Host`, or a trusted proxy's `X-Forwarded-Host`.
    pub host: Option<String>,
}

/// One entry of `UPMENTOR_TRUSTED_PROXIES`: an address (`10.0.0.5`, `::1`) or a range in CIDR
/// form (`10.0.0.0/8`).
pub fn parse_proxy(entry: &str) -> Result<IpNet, String> {
    let entry = entry.trim();
    entry
        .parse::<IpNet>()
        .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{entry:?} is neither an address nor a CIDR range"))
}

/// The value our nearest proxy wrote: the last one (proxies append).
fn nearest_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(name).iter().last().and_then(|v| v.to_str().ok()).and_then(|v| v.rsplit(',').next()).map(str::trim).filter(|v| !v.is_empty())
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`), as some load balancers write it.
fn parse_hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| entry.strip_prefix('[').and_then(|e| e.strip_suffix(']')).and_then(|e| e.parse().ok()))
        .map(|ip: IpAddr| ip.to_canonical())
}

/// Works out the client of a request that arrived from `peer` with `headers`.
///
/// Each proxy appends the address it received the request from to `X-Forwarded-For`, so the
/// entries are read from the right and our own proxies skipped; what a client wrote itself
/// stands further left and is never reached while a proxy of ours added an entry after it.
/// Source: MDN, "X-Forwarded-For: Security and privacy concerns".
pub fn client_of(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Client {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_string);
    // An IPv4 client of a dual-stack socket arrives as ::ffff:a.b.c.d.
    let peer = peer.map(|ip| ip.to_canonical());
    let Some(peer) = peer.filter(is_trusted) else {
        return Client { ip: peer, https: false, host };
    };
    // From the right: our proxies' entries, then the client our outermost proxy saw. An entry
    // that cannot be read ends the walk (what stands left of it is not ours to believe).
    let entries: Vec<&str> =
        headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).collect();
    let mut ip = peer;
    for entry in entries.iter().rev() {
        let Some(hop) = parse_hop(entry) else { break };
        ip = hop;
        if !is_trusted(&hop) {
            break;
        }
    }
    let https = nearest_value(headers, "x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let host = nearest_value(headers, "x-forwarded-host").map(str::to_string).or(host);
    Client { ip: Some(ip), https, host }
}

/// Middleware: adds the request's [`Client`] to its extensions, for the origin check, limits
/// and logs. Everything logged while the request runs carries the client's address, and each
/// request is logged once (at `debug`, or `warn` when it fails on our side) with its status and
/// time. A browser that reached a trusted proxy over https gets its cookies marked `Secure` even
/// when no https public address is configured.
pub async fn resolve_client(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    use tracing::Instrument;
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let client = client_of(peer, req.headers(), &state.config.trusted_proxies);
    let https = client.https;
    let address = client.ip.map(|ip| ip.to_string()).unwrap_or_default();
    // Invitation links and calendar feeds are secrets: their token stays out of the logs.
    let path = match req.uri().path() {
        p if p.starts_with("/invite/") => "/invite/…",
        p if p.starts_with("/calendar/feed/") => "/calendar/feed/…",
        p if p.starts_with("/reset/") => "/reset/…",
        p if p.starts_with("/unsubscribe/") => "/unsubscribe/…",
        p => p,
    };
    let span = tracing::info_span!("request", client = %address, method = %req.method(), path = %path);
    req.extensions_mut().insert(client);
    let started = std::time::Instant::now();
    async move {
        let mut res = next.run(req).await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if res.status().is_server_error() {
            tracing::warn!(status = res.status().as_u16(), ms, "request failed");
        } else {
            tracing::debug!(status = res.status().as_u16(), ms, "request");
        }
        if https && !state.config.secure_cookies() {
            mark_cookies_secure(res.headers_mut());
        }
        res
    }
    .instrument(span)
    .await
}

/// Adds `Secure` to every `Set-Cookie` that lacks it.
fn mark_cookies_secure(headers: &mut HeaderMap) {
    let cookies: Vec<header::HeaderValue> = headers.get_all(header::SET_COOKIE).iter().cloned().collect();
    if cookies.is_empty() {
        return;
    }
    headers.remove(header::SET_COOKIE);
    for cookie in cookies {
        let secure = cookie.to_str().is_ok_and(|c| c.split(';').any(|part| part.trim().eq_ignore_ascii_case("secure")));
        let value = if secure {
            cookie
        } else {
            let mut bytes = cookie.as_bytes().to_vec();
            bytes.extend_from_slice(b"; Secure");
            header::HeaderValue::from_bytes(&bytes).unwrap_or(cookie)
        };
        headers.append(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let trusted = vec![parse_proxy("10.0.0.0/8").unwrap(), parse_proxy("127.0.0.1").unwrap()];
        let h = headers(&[
            ("host", "127.0.0.1:3000"),
            ("x-forwarded-for", "6.6.6.6, 203.0.113.9"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "mentoring.example.test"),
        ]);
        let via_proxy = client_of(Some("10.1.2.3".parse().unwrap()), &h, &trusted);
        assert_eq!(via_proxy.ip, Some("203.0.113.9".parse().unwrap()), "the address our proxy saw, not what the client wrote");
        assert!(via_proxy.https);
        assert_eq!(via_proxy.host.as_deref(), Some("mentoring.example.test"));

        let direct = client_of(Some("198.51.100.7".parse().unwrap()), &h, &trusted);
        assert_eq!(direct, Client { ip: Some("198.51.100.7".parse().unwrap()), https: false, host: Some("127.0.0.1:3000".into()) });

        let chain = headers(&[("x-forwarded-for", "203.0.113.9, 10.0.0.2")]);
        assert_eq!(client_of(Some("127.0.0.1".parse().unwrap()), &chain, &trusted).ip, Some("203.0.113.9".parse().unwrap()), "two proxies of ours");
        let ported = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9:51234")]);
        assert_eq!(client_of(Some("10.0.0.1".parse().unwrap()), &ported, &trusted).ip, Some("203.0.113.9".parse().unwrap()), "an entry with a port");
        let garbled = headers(&[("x-forwarded-for", "6.6.6.6, unknown")]);
        assert_eq!(client_of(Some("10.0.0.1".parse().unwrap()), &garbled, &trusted).ip, Some("10.0.0.1".parse().unwrap()), "nothing left of an unreadable entry is believed");
        let mapped = client_of(Some("::ffff:127.0.0.1".parse().unwrap()), &h, &trusted);
        assert_eq!(mapped.ip, Some("203.0.113.9".parse().unwrap()), "a dual-stack socket's IPv4 proxy is still trusted");
        let appended = headers(&[("x-forwarded-host", "evil.example, mentoring.example.test"), ("x-forwarded-proto", "http, https")]);
        let c = client_of(Some("10.0.0.1".parse().unwrap()), &appended, &trusted);
        assert_eq!((c.host.as_deref(), c.https), (Some("mentoring.example.test"), true), "the nearest proxy's values");
    }

    #[test]
    fn cookies_are_marked_secure_once() {
        let mut h = headers(&[("set-cookie", "upmentor_session=abc; HttpOnly; Path=/"), ("set-cookie", "other=1; Secure")]);
        mark_cookies_secure(&mut h);
        let cookies: Vec<&str> = h.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(cookies, vec!["upmentor_session=abc; HttpOnly; Path=/; Secure", "other=1; Secure"]);
    }

    #[test]
    fn proxy_entries_are_addresses_or_ranges() {
        assert!(parse_proxy("10.0.0.0/8").is_ok() && parse_proxy(" ::1 ").is_ok() && parse_proxy("192.168.1.4").is_ok());
        assert!(parse_proxy("proxy.local").unwrap_err().contains("neither"));
    }
}

/// The site's address as the browser reached it: the configured public address, or else the
/// scheme and host of `client`'s request (through a trusted proxy, what the proxy said), or
/// else the listening address. For links a person copies elsewhere (a calendar feed).
pub fn site_base(config: &super::config::Config, client: Option<&Client>) -> String {
    match (&config.public_url, client) {
        (None, Some(Client { host: Some(host), https, .. })) => format!("{}://{host}", if *https { "https" } else { "http" }),
        _ => config.public_base(),
    }
}
