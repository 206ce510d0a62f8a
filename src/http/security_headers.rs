//! Security headers on every response: pages, error pages, JSON and redirects.
//!
//! - `Content-Security-Policy` (CSP Level 3): scripts run only with this
//!   response's nonce (fresh per response, so injected markup cannot guess it),
//!   the pages' two fixed stylesheets by their SHA-256 hashes, no plugins, no
//!   `<base>`, no framing, and forms that lead only to us or to the party the
//!   page answers to (see [`allow_form_target`]).
//! - `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` for browsers that
//!   predate `frame-ancestors`, and `Referrer-Policy: same-origin`: no other site
//!   learns an interaction id or a set-password token from a `Referer`, while a
//!   same-origin form post keeps its `Origin` header (with `no-referrer` browsers
//!   send `Origin: null`).
//! - `Strict-Transport-Security` when the issuer is https (RFC 6797 §6.1).

use std::sync::LazyLock;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, web};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::http::state::AppState;

/// One year, without `includeSubDomains`: the issuer's siblings are not ours to pin.
const HSTS: &str = "max-age=31536000";

/// The script nonce of one response (CSP3 §6.7.2.3): 128 random bits.
#[derive(Clone)]
pub struct CspNonce(String);

impl CspNonce {
    /// The nonce that the response to `req` announces; every inline `<script>` of
    /// the page carries it. Empty outside the middleware (then no policy is sent).
    pub fn of(req: &HttpRequest) -> String {
        req.extensions()
            .get::<CspNonce>()
            .map(|n| n.0.clone())
            .unwrap_or_default()
    }
}

/// Origins beyond our own that the forms of one response may lead to.
#[derive(Clone, Default)]
struct FormTargets(Vec<String>);

/// Lets the forms of `resp` lead to where `url` points. Chromium applies
/// `form-action` to every redirect that follows a form submission, so a page
/// whose form ends in a redirect to a relying party (the authorization
/// response, RFC 6749 §4.1.2; a post-logout redirect) or posts to one (a SAML
/// ACS URL) names that party here. Anything that is not a plain origin or a
/// private-use scheme is ignored, and the policy stays `'self'`.
pub fn allow_form_target(resp: &mut HttpResponse, url: &str) {
    let Some(source) = source_expression(url) else {
        return;
    };
    let mut ext = resp.extensions_mut();
    match ext.get_mut::<FormTargets>() {
        Some(t) if t.0.contains(&source) => {}
        Some(t) => t.0.push(source),
        None => {
            ext.insert(FormTargets(vec![source]));
        }
    }
}

/// Images of one response from origins beyond our own: a relying party's logo
/// on its login page.
#[derive(Clone, Default)]
struct ImageSources(Vec<String>);

/// Lets the page of `resp` show an image from where `url` points (an http(s)
/// origin; anything else is ignored).
pub fn allow_image(resp: &mut HttpResponse, url: &str) {
    let Some(source) = web_origin(url) else {
        return;
    };
    let mut ext = resp.extensions_mut();
    match ext.get_mut::<ImageSources>() {
        Some(i) if i.0.contains(&source) => {}
        Some(i) => i.0.push(source),
        None => {
            ext.insert(ImageSources(vec![source]));
        }
    }
}

/// The origin of an absolute http(s) URL.
fn web_origin(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| u.origin().ascii_serialization())
}

/// A CSP source expression for `url`: its origin, or for a private-use URI
/// scheme (RFC 8252 §7.1), whose origin is opaque, the scheme alone.
fn source_expression(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let origin = u.origin();
    if origin.is_tuple() {
        return Some(origin.ascii_serialization());
    }
    // Schemes that would run or embed content instead of reaching an application.
    const NEVER: &[&str] = &["javascript", "data", "blob", "filesystem", "about", "file"];
    (!NEVER.contains(&u.scheme())).then(|| format!("{}:", u.scheme()))
}

/// `'sha256-…'` of each stylesheet the pages inline: fixed texts, so hashes
/// allow them without `'unsafe-inline'` and without threading a nonce through
/// pages that are rendered where no request is at hand (error pages).
static STYLE_HASHES: LazyLock<String> = LazyLock::new(|| {
    [super::pages::STYLE, super::console::STYLE]
        .iter()
        .map(|css| {
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(css.as_bytes()))
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
});

fn policy(nonce: &str, targets: &[String], images: &[String]) -> String {
    let mut form_action = String::from("'self'");
    for t in targets {
        form_action.push(' ');
        form_action.push_str(t);
    }
    let mut img = String::from("'self'");
    for i in images {
        img.push(' ');
        img.push_str(i);
    }
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}'; style-src 'self' {styles}; \
img-src {img}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action {form_action}",
        styles = *STYLE_HASHES,
    )
}

/// The middleware (`actix_web::middleware::from_fn`), outermost. Handler and
/// extractor errors reach it as responses (actix renders them inside the route),
/// and so does the default 404, so error pages get the headers too.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let nonce = crate::secrets::random_token(16);
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut res = next.call(req).await?.map_into_boxed_body();
    let state = res.request().app_data::<web::Data<AppState>>().cloned();
    let mut targets = res
        .response()
        .extensions()
        .get::<FormTargets>()
        .cloned()
        .unwrap_or_default();
    if let Some(state) = &state
        && let Some(target) = interaction_target(state, &res).await
        && !targets.0.contains(&target)
    {
        targets.0.push(target);
    }
    let mut images = res
        .response()
        .extensions()
        .get::<ImageSources>()
        .cloned()
        .unwrap_or_default();
    // The configured logo, on every page.
    if let Some(logo) = state
        .as_ref()
        .and_then(|s| s.settings.ui.logo_url.as_deref())
        .and_then(web_origin)
        && !images.0.contains(&logo)
    {
        images.0.push(logo);
    }
    let https = state.is_some_and(|s| s.settings.secure_cookies());
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&policy(&nonce, &targets.0, &images.0)) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if https {
        h.insert(
            HeaderName::from_static("strict-transport-security"),
            HeaderValue::from_static(HSTS),
        );
    }
    Ok(res)
}

/// Every page under `/interaction/{id}` belongs to one pending authorization
/// request, and its forms end, after a redirect or two, at that request's
/// `redirect_uri`: the origin that page's `form-action` must allow. Read here,
/// once, for the HTML pages only, so that each page (login, second factor,
/// enrollment, and pages still to come) needs no code of its own for it.
async fn interaction_target(state: &AppState, res: &ServiceResponse<BoxBody>) -> Option<String> {
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    let req = res.request();
    if !html || !req.match_pattern()?.starts_with("/interaction/{id}") {
        return None;
    }
    // Only the browser that started the request gets it (another gets an error page).
    let visit = super::extract::visit_of(state, req);
    let pending =
        crate::login::resume::pending(&state.login_ctx(), req.match_info().get("id")?, &visit)
            .await
            .ok()?;
    source_expression(pending.destination())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_targets_are_origins_or_private_schemes() {
        assert_eq!(
            source_expression("https://rp.example:8443/cb?x=1").as_deref(),
            Some("https://rp.example:8443")
        );
        assert_eq!(
            source_expression("com.example.app:/oauth2redirect").as_deref(),
            Some("com.example.app:")
        );
        assert_eq!(source_expression("javascript:alert(1)"), None);
        assert_eq!(source_expression("data:text/html,x"), None);
        assert_eq!(source_expression("not a url"), None);
    }

    #[test]
    fn the_policy_never_allows_inline_script() {
        let p = policy("abc", &["https://rp.example".into()], &[]);
        assert!(p.contains("script-src 'nonce-abc';"));
        assert!(!p.contains("unsafe-inline"));
        assert!(p.ends_with("form-action 'self' https://rp.example"));
        assert!(p.contains("frame-ancestors 'none'"));
    }
}
