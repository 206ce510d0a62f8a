//! The one place where domain errors become HTTP. JSON endpoints: status, the
//! RFC 6749 §5.2 body `{"error", "error_description"}`, the `WWW-Authenticate`
//! challenge (RFC 6749 §5.2 for clients, RFC 6750 §3 for bearer tokens) and
//! `Cache-Control: no-store`. Browser routes: an HTML error page
//! ([`PageError`]) with the status the error calls for.

use crate::accounts::account::AccountError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use super::ui::{PageMessage, Said};
use crate::db::DbError;
use crate::error::Failure;
use crate::keys::KeyError;
use crate::login::LoginError;
use crate::oidc::error::{
    AuthzErrorCode, BearerError, RegistrationError, TokenError, TokenErrorCode,
};
use crate::oidc::logout::LogoutError;
use crate::oidc::webauthn_step::CeremonyError;
use crate::store::StoreError;

/// A backend failure's status: 503 when a store cannot be reached, else 500.
pub fn failure_status(f: &Failure) -> StatusCode {
    match f {
        Failure::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The challenge for a client that authenticated, or tried to, with Basic.
const BASIC_CHALLENGE: &str = "Basic realm=\"portcullis\"";
/// The challenge for a request that carried no bearer token.
const BEARER_CHALLENGE: &str = "Bearer realm=\"portcullis\"";

/// A failure on a JSON endpoint (token, userinfo, registration …): RFC 6749 §5.2.
#[derive(Debug, thiserror::Error)]
#[error("{error}: {description}")]
pub struct JsonError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
    /// `WWW-Authenticate` value, for 401s.
    pub challenge: Option<String>,
}

impl JsonError {
    pub fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
            challenge: None,
        }
    }
    pub fn bad_request(error: &'static str, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error, description)
    }
    /// 400 `invalid_request` (RFC 6749 §5.2).
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::bad_request(TokenErrorCode::InvalidRequest.as_str(), description)
    }
    /// 403 `access_denied` (RFC 6749 §4.1.2.1).
    pub fn access_denied(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            AuthzErrorCode::AccessDenied.as_str(),
            description,
        )
    }
    /// 401 `invalid_token` (RFC 6750 §3.1), without a challenge yet.
    pub fn invalid_token(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            BearerError::INVALID_TOKEN,
            description,
        )
    }
    /// 413 `invalid_request`: a body over its limit, refused before it is read on.
    pub fn too_large(description: impl Into<String>) -> Self {
        Self::invalid_request(description).with_status(StatusCode::PAYLOAD_TOO_LARGE)
    }
    /// 401 `login_required` (OIDC Core §3.1.2.6): no signed-in session.
    pub fn login_required(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            AuthzErrorCode::LoginRequired.as_str(),
            description,
        )
    }
    /// 404 `not_found`: the admin API's unknown resource.
    pub fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", description)
    }
    /// 409 `conflict`: the admin API's clash with an existing resource.
    pub fn conflict(description: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", description)
    }
    pub fn with_challenge(mut self, challenge: impl Into<String>) -> Self {
        self.challenge = Some(challenge.into());
        self
    }
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

impl From<Failure> for JsonError {
    fn from(f: Failure) -> Self {
        f.log();
        let error = match f {
            Failure::Unavailable(_) => "temporarily_unavailable",
            Failure::Internal(_) => "server_error",
        };
        JsonError::new(failure_status(&f), error, f.public_message())
    }
}
impl From<StoreError> for JsonError {
    fn from(e: StoreError) -> Self {
        Failure::from(e).into()
    }
}
impl From<DbError> for JsonError {
    fn from(e: DbError) -> Self {
        Failure::from(e).into()
    }
}
impl From<KeyError> for JsonError {
    fn from(e: KeyError) -> Self {
        Failure::from(e).into()
    }
}

impl From<TokenError> for JsonError {
    fn from(e: TokenError) -> Self {
        let code = e.code().as_str();
        match e {
            TokenError::Failure(f) => f.into(),
            TokenError::InvalidClient {
                description,
                via_basic,
            } => {
                let e = JsonError::new(StatusCode::UNAUTHORIZED, code, description);
                if via_basic {
                    e.with_challenge(BASIC_CHALLENGE)
                } else {
                    e
                }
            }
            TokenError::InvalidRequest(d)
            | TokenError::InvalidGrant(d)
            | TokenError::UnauthorizedClient(d)
            | TokenError::UnsupportedGrantType(d)
            | TokenError::InvalidScope(d) => JsonError::bad_request(code, d),
        }
    }
}

impl From<BearerError> for JsonError {
    fn from(e: BearerError) -> Self {
        let code = e.as_str();
        match e {
            BearerError::Failure(f) => f.into(),
            BearerError::InvalidRequest(d) => {
                JsonError::new(StatusCode::UNAUTHORIZED, code, d).with_challenge(BEARER_CHALLENGE)
            }
            BearerError::InvalidToken {
                description,
                token_sent,
            } => {
                let challenge = if token_sent {
                    format!(
                        "{BEARER_CHALLENGE}, error=\"{code}\", error_description=\"{description}\""
                    )
                } else {
                    BEARER_CHALLENGE.to_owned()
                };
                JsonError::new(StatusCode::UNAUTHORIZED, code, description)
                    .with_challenge(challenge)
            }
            BearerError::InsufficientScope { description, scope } => {
                let challenge = format!(
                    "{BEARER_CHALLENGE}, error=\"{code}\", error_description=\"{description}\", scope=\"{scope}\""
                );
                JsonError::new(StatusCode::FORBIDDEN, code, description).with_challenge(challenge)
            }
        }
    }
}

impl From<RegistrationError> for JsonError {
    fn from(e: RegistrationError) -> Self {
        match e {
            RegistrationError::Metadata(m) => {
                JsonError::bad_request(m.code(), m.description().to_owned())
            }
            RegistrationError::Bearer(b) => b.into(),
        }
    }
}

/// A login step called from script (the WebAuthn calls): its page's message
/// as `invalid_request`.
impl From<LoginError> for JsonError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::Failure(f) => f.into(),
            other => JsonError::invalid_request(other.to_string()),
        }
    }
}

impl From<CeremonyError> for JsonError {
    fn from(e: CeremonyError) -> Self {
        match e {
            CeremonyError::Failure(f) => f.into(),
            CeremonyError::Refused(m) => JsonError::invalid_request(m),
        }
    }
}

/// A response that could not be built (a cookie or header value actix refuses).
impl From<actix_web::error::HttpError> for JsonError {
    fn from(e: actix_web::error::HttpError) -> Self {
        JsonError::invalid_request(e.to_string())
    }
}

impl ResponseError for JsonError {
    fn status_code(&self) -> StatusCode {
        self.status
    }
    fn error_response(&self) -> HttpResponse {
        let mut b = HttpResponse::build(self.status);
        b.insert_header(("Cache-Control", "no-store"));
        if let Some(c) = &self.challenge {
            b.insert_header(("WWW-Authenticate", c.clone()));
        }
        b.json(serde_json::json!({"error": self.error, "error_description": self.description}))
    }
}

/// A failure on a browser-facing route: an HTML error page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    Failure(#[from] Failure),
    /// A request we must not redirect back from (bad client or redirect URI).
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Status(StatusCode, String),
    /// A message of the bundles, shown in the visitor's language.
    #[error("{}", .1.key)]
    Said(StatusCode, Said),
}

impl PageError {
    /// 400 with a message of the bundles.
    pub fn bad_request(key: &'static str) -> Self {
        PageError::Said(StatusCode::BAD_REQUEST, Said::new(key))
    }
}

/// The message of a backend failure: nothing about what failed.
fn failure_said(f: &Failure) -> Said {
    Said::new(match f {
        Failure::Unavailable(_) => "err-unavailable",
        Failure::Internal(_) => "err-internal",
    })
}

/// What a refused login says; protocol details stay as they are, untranslated.
fn login_said(e: LoginError) -> Said {
    match e {
        LoginError::Failure(f) => failure_said(&f),
        LoginError::Expired => Said::new("err-login-expired"),
        LoginError::OtherBrowser => Said::new("err-login-other-browser"),
        LoginError::ClientGone => Said::new("err-client-gone"),
        LoginError::UnknownClient => Said::new("err-unknown-client"),
        LoginError::BadRedirect(d) => Said::new("err-bad-redirect").detail(d),
        LoginError::BadSamlRequest(d) => Said::new("err-bad-saml-request").detail(d),
        LoginError::UnknownRequestUri => Said::new("err-unknown-request-uri"),
        LoginError::TooMany => Said::new("err-too-many-requests"),
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError::Failure(e.into())
    }
}
impl From<DbError> for PageError {
    fn from(e: DbError) -> Self {
        PageError::Failure(e.into())
    }
}

/// A login that cannot go on: the page says why (400); never a redirect, since
/// the request may not be ours to answer.
impl From<LoginError> for PageError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::Failure(f) => PageError::Failure(f),
            LoginError::TooMany => PageError::Said(
                StatusCode::TOO_MANY_REQUESTS,
                Said::new("err-too-many-requests"),
            ),
            other => PageError::Said(StatusCode::BAD_REQUEST, login_said(other)),
        }
    }
}

/// RP-Initiated Logout 1.0 §3: a refused logout shows an error, never a redirect.
impl From<LogoutError> for PageError {
    fn from(e: LogoutError) -> Self {
        let key = match e {
            LogoutError::Failure(f) => return PageError::Failure(f),
            LogoutError::ForeignHint => "err-logout-foreign-hint",
            LogoutError::HintForOtherClient => "err-logout-hint-other-client",
            LogoutError::UnknownClient => "err-unknown-client",
            LogoutError::RedirectWithoutClient => "err-logout-redirect-without-client",
            LogoutError::UnregisteredRedirect => "err-logout-unregistered-redirect",
        };
        PageError::bad_request(key)
    }
}

/// A response that could not be built (a cookie or header value actix refuses).
impl From<actix_web::error::HttpError> for PageError {
    fn from(e: actix_web::error::HttpError) -> Self {
        PageError::BadRequest(e.to_string())
    }
}

/// An upstream sign-in that is refused: a page saying why (400), 503 when the
/// upstream cannot be reached; never a redirect.
impl From<crate::upstream::UpstreamError> for PageError {
    fn from(e: crate::upstream::UpstreamError) -> Self {
        use crate::upstream::UpstreamError as E;
        let bad = |said: Said| PageError::Said(StatusCode::BAD_REQUEST, said);
        match e {
            E::Failure(f) => PageError::Failure(f),
            E::Login(l) => l.into(),
            E::Unreachable(name) => PageError::Said(
                StatusCode::SERVICE_UNAVAILABLE,
                Said::new("err-upstream-unreachable").arg("name", name),
            ),
            E::Unknown(id) => PageError::Said(
                StatusCode::NOT_FOUND,
                Said::new("err-upstream-unknown").arg("name", id),
            ),
            E::BadState | E::NoState => bad(Said::new("err-upstream-bad-state")),
            E::OtherUpstream => bad(Said::new("err-upstream-other")),
            E::WrongIssuer(iss) => bad(Said::new("err-upstream-wrong-issuer").detail(iss)),
            E::Denied(d) => bad(Said::new("err-upstream-denied").detail(d)),
            E::BadToken(check) => {
                bad(Said::new("err-upstream-bad-token").arg("check", check.as_str()))
            }
            E::BadUserinfo(why) => bad(Said::new("err-upstream-bad-userinfo").arg("why", why)),
            E::Stale => bad(Said::new("err-upstream-stale")),
            E::NoAccount(d) => bad(Said::new("err-upstream-no-account").detail(d)),
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::Failure(f) => failure_status(f),
            PageError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PageError::Status(s, _) | PageError::Said(s, _) => *s,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (title_key, message) = match self {
            PageError::Failure(f) => {
                f.log();
                ("error-unavailable", PageMessage::Said(failure_said(f)))
            }
            PageError::BadRequest(m) => ("error-invalid-request", PageMessage::Text(m.clone())),
            PageError::Status(_, m) => ("error-title", PageMessage::Text(m.clone())),
            PageError::Said(status, said) => (
                if *status == StatusCode::BAD_REQUEST {
                    "error-invalid-request"
                } else {
                    "error-title"
                },
                PageMessage::Said(said.clone()),
            ),
        };
        // Rendered here in the default look; `ui::error_pages` renders it again
        // with the request's language and branding.
        let spec = super::ui::ErrorPageSpec { title_key, message };
        let mut resp = super::html(
            self.status_code(),
            spec.render(&super::ui::Chrome::fallback()),
        );
        resp.extensions_mut().insert(spec);
        resp
    }
}

#[cfg(test)]
mod tests;

/// How the account page answers a refused change: the status and the message
/// id of what it says (the page is shown again); a failure stays a failure.
/// A change that needs fresh proofs is sent through sign-in by the handler.
pub fn account_refusal(e: AccountError) -> Result<(StatusCode, &'static str), PageError> {
    Ok(match e {
        AccountError::Failure(f) => return Err(PageError::Failure(f)),
        AccountError::ProveAgain => (StatusCode::FORBIDDEN, "account-fresh-hint"),
        AccountError::WrongPassword => (StatusCode::BAD_REQUEST, "account-err-wrong-password"),
        AccountError::LockedOut => (StatusCode::TOO_MANY_REQUESTS, "account-err-locked-out"),
        AccountError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "account-err-busy"),
        AccountError::WeakPassword(_) => (StatusCode::BAD_REQUEST, "account-err-weak-password"),
        AccountError::LastFactor => (StatusCode::CONFLICT, "account-err-last-factor"),
        AccountError::WrongCode => (StatusCode::BAD_REQUEST, "account-err-wrong-code"),
        AccountError::NotFound => (StatusCode::NOT_FOUND, "account-err-not-found"),
    })
}
