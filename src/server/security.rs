//! Response hardening and cross-origin refusal, applied to every route.

use super::{proxy::Client, AppState};
use axum::{
    body::Body,
    extract::State,
    http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The policy for pages: only our own scripts (the hydration script carries the per-response
/// nonce), WebAssembly compilation for the browser half, nothing framed.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// For everything that is not a page (API replies, files): nothing may run or embed it.
const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// For the studio's preview worker: it may load our own scripts and instantiate our
/// WebAssembly, and nothing else. A worker takes the policy its script was served with, not the page's.
const WORKER_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; base-uri 'none'";

/// One year, as browsers and the HSTS preload list expect (RFC 6797 leaves the figure open).
const HSTS: &str = "max-age=31536000";

/// Whether a response may be kept by the browser or a proxy: only the built files (styles,
/// scripts, WebAssembly, images, fonts). Pages carry a per-response nonce and, signed in, a
/// person's data; server-function answers and calendar files are a person's data.
fn may_be_stored(headers: &HeaderMap) -> bool {
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    ["text/css", "text/javascript", "application/javascript", "application/wasm", "image/", "font/"]
        .iter()
        .any(|allowed| kind.starts_with(allowed))
}

pub async fn security_headers(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let hashed = state.assets.is_hashed(req.uri().path());
    let worker = req.uri().path() == crate::programmes::studio_worker::WORKER_SCRIPT;
    let mut res = next.run(req).await;
    if worker {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(WORKER_CSP));
        // Not named by its content: asked again on each start, so a new build's page never
        // meets an old build's worker script.
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    // Served whole or as a 304, a file named by its content is the same file for good.
    if hashed && (res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED) {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(super::assets::IMMUTABLE));
        // The brotli or gzip copy went to a browser that asked for it: a shared cache must not
        // hand that copy, for a year, to one that did not.
        res.headers_mut().append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    let headers = res.headers_mut();
    if state.config.secure_cookies() {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    if !headers.contains_key(header::CACHE_CONTROL) && !may_be_stored(headers) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DEFAULT_CSP));
    }
    res
}

/// Whether a browser's `Origin` is this site. With a public address (`UPMENTOR_PUBLIC_URL`,
/// what a browser behind a TLS proxy sends) that address only: a page whose own name points at
/// the app (DNS rebinding) is not this site. Without one, the host the request was addressed to
/// (`Host` directly, or a trusted proxy's `X-Forwarded-Host`).
pub fn same_site(origin: &str, public_origin: Option<&str>, client: Option<&Client>) -> bool {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    if let Some(public) = public_origin {
        return public == origin;
    }
    let Some((_, host)) = origin.split_once("://") else { return false };
    client.and_then(|c| c.host.as_deref()).is_some_and(|h| h.eq_ignore_ascii_case(host))
}

/// Refuses state-changing requests that a browser sent from another site. Browsers always
/// send `Origin` on such requests; tools without it (curl, tests) are not a CSRF vector.
pub async fn same_origin_only(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    if let Some(origin) = headers.get(header::ORIGIN) {
        let client = req.extensions().get::<Client>();
        let public = state.config.public_origin();
        if !origin.to_str().is_ok_and(|o| same_site(o, public.as_deref(), client)) {
            return refuse();
        }
    } else if let Some(site) = headers.get("sec-fetch-site").and_then(|s| s.to_str().ok()) {
        if site != "same-origin" && site != "none" {
            return refuse();
        }
    }
    next.run(req).await
}

/// The one place a server function's error becomes an HTTP status: the server-function layer
/// answers every error with 500 and the error in the body; this reads the `AppError` there and
/// sets the status it stands for (401, 403, 404, 409, 422, 429; 400 for a request that could not
/// be decoded; 500 only for our own faults). Pages get the same status from `ErrorNotice`.
pub async fn server_fn_status(req: Request<Body>, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR || !res.headers().contains_key("serverfnerror") {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<crate::error::AppError>(&bytes) {
        parts.status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn refuse() -> Response {
    (StatusCode::FORBIDDEN, "Cross-origin requests that change data are refused.").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_address_and_the_requested_host_are_this_site() {
        let client = Client { ip: None, https: false, host: Some("127.0.0.1:3000".into()) };
        let public = Some("https://mentoring.example.test");
        assert!(same_site("https://mentoring.example.test", public, Some(&client)), "through the TLS proxy");
        assert!(same_site("HTTPS://Mentoring.Example.Test/", public, Some(&client)));
        assert!(!same_site("http://127.0.0.1:3000", public, Some(&client)), "with a public address, only it");
        assert!(same_site("http://127.0.0.1:3000", None, Some(&client)), "without one, the requested host");
        assert!(!same_site("https://evil.example", public, Some(&client)));
        assert!(!same_site("https://mentoring.example.test.evil.example", public, Some(&client)));
        assert!(!same_site("null", public, Some(&client)));
        assert!(!same_site("https://127.0.0.1:3000.evil", None, Some(&client)));
        assert!(!same_site("http://127.0.0.1:3000", None, None), "no host known: refused");
    }

    #[test]
    fn only_built_files_may_be_stored() {
        let with = |kind: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_str(kind).unwrap());
            may_be_stored(&h)
        };
        for kind in ["text/css", "text/javascript; charset=utf-8", "application/wasm", "image/svg+xml", "font/woff2"] {
            assert!(with(kind), "{kind}");
        }
        for kind in ["text/html; charset=utf-8", "application/json", "text/calendar; charset=utf-8", "text/plain"] {
            assert!(!with(kind), "{kind}");
        }
        assert!(!may_be_stored(&HeaderMap::new()), "no type: not stored");
    }

    #[test]
    fn page_policy_allows_only_the_nonce_and_wasm() {
        let csp = page_csp("abc");
        assert!(csp.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }
}
