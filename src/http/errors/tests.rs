use actix_web::body::to_bytes;

use super::*;
use crate::oidc::registration::metadata::MetadataError;

fn parts(e: impl Into<JsonError>) -> (u16, &'static str, Option<String>) {
    let e = e.into();
    (e.status.as_u16(), e.error, e.challenge)
}

#[test]
fn token_errors_are_400_but_invalid_client_401() {
    for (e, code) in [
        (TokenError::InvalidRequest("d".into()), "invalid_request"),
        (TokenError::InvalidGrant("d".into()), "invalid_grant"),
        (
            TokenError::UnauthorizedClient("d".into()),
            "unauthorized_client",
        ),
        (
            TokenError::UnsupportedGrantType("d".into()),
            "unsupported_grant_type",
        ),
        (TokenError::InvalidScope("d".into()), "invalid_scope"),
    ] {
        assert_eq!(parts(e), (400, code, None));
    }
    assert_eq!(
        parts(TokenError::invalid_client("d", false)),
        (401, "invalid_client", None)
    );
    // RFC 6749 §5.2: a client that tried Basic is challenged with Basic.
    assert_eq!(
        parts(TokenError::invalid_client("d", true)),
        (
            401,
            "invalid_client",
            Some("Basic realm=\"portcullis\"".into())
        )
    );
}

#[test]
fn failures_fail_closed() {
    let unavailable = TokenError::from(Failure::Unavailable("redis down".into()));
    let (status, code, _) = parts(unavailable);
    assert_eq!((status, code), (503, "temporarily_unavailable"));
    let internal = BearerError::from(Failure::Internal("bug".into()));
    assert_eq!(parts(internal), (500, "server_error", None));
    let e = JsonError::from(RegistrationError::from(Failure::Unavailable("db".into())));
    assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!e.description.contains("db"), "no internals on the wire");
}

#[test]
fn bearer_errors_carry_rfc6750_challenges() {
    assert_eq!(
        parts(BearerError::InvalidRequest(
            "a bearer token is required".into()
        )),
        (
            401,
            "invalid_request",
            Some("Bearer realm=\"portcullis\"".into())
        )
    );
    assert_eq!(
        parts(BearerError::invalid_token("expired", true)),
        (
            401,
            "invalid_token",
            Some(
                "Bearer realm=\"portcullis\", error=\"invalid_token\", error_description=\"expired\""
                    .into()
            )
        )
    );
    assert_eq!(
        parts(BearerError::invalid_token("a token is required", false)),
        (
            401,
            "invalid_token",
            Some("Bearer realm=\"portcullis\"".into())
        )
    );
    assert_eq!(
        parts(BearerError::InsufficientScope {
            description: "no openid".into(),
            scope: "openid",
        }),
        (
            403,
            "insufficient_scope",
            Some(
                "Bearer realm=\"portcullis\", error=\"insufficient_scope\", \
                 error_description=\"no openid\", scope=\"openid\""
                    .into()
            )
        )
    );
}

#[test]
fn registration_metadata_errors_are_400() {
    let e = RegistrationError::from(MetadataError::InvalidRedirectUri("d".into()));
    assert_eq!(parts(e), (400, "invalid_redirect_uri", None));
    let e = RegistrationError::from(MetadataError::InvalidClientMetadata("d".into()));
    assert_eq!(parts(e), (400, "invalid_client_metadata", None));
}

#[actix_web::test]
async fn the_response_is_rfc6749_json_never_cached() {
    let e = JsonError::from(TokenError::invalid_client("unknown client", true));
    let r = e.error_response();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let h = r.headers();
    assert_eq!(h.get("Cache-Control").unwrap(), "no-store");
    assert_eq!(
        h.get("WWW-Authenticate").unwrap(),
        "Basic realm=\"portcullis\""
    );
    let body: serde_json::Value =
        serde_json::from_slice(&to_bytes(r.into_body()).await.unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"error": "invalid_client", "error_description": "unknown client"})
    );
}
