//! Why an upstream sign-in is refused. Each becomes a page saying so
//! (`http/errors.rs`) and an audit event; none creates or links anything.

use crate::db::DbError;
use crate::error::Failure;
use crate::login::LoginError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error(transparent)]
    Failure(#[from] Failure),
    #[error(transparent)]
    Login(#[from] LoginError),
    /// No `[[upstream]]` has this id.
    #[error("There is no identity provider {0:?} here.")]
    Unknown(String),
    /// Discovery, keys or the token endpoint did not answer in time (503).
    #[error("The identity provider {0} cannot be reached right now. Try again in a moment.")]
    Unreachable(String),
    /// The state is unknown, expired, already used, or not this browser's.
    #[error(
        "This answer from the identity provider does not belong to a sign-in started in this browser, or was already used. Go back to the application and sign in again."
    )]
    BadState,
    /// The answer came back to another upstream's callback.
    #[error(
        "This answer was sent to another identity provider's address. Go back to the application and sign in again."
    )]
    OtherUpstream,
    /// RFC 9207: the callback's `iss` names another issuer.
    #[error("The answer names another issuer than {0}: it is refused.")]
    WrongIssuer(String),
    /// The upstream answered with an error (the user cancelled, or it refused).
    #[error("The identity provider did not sign you in: {0}")]
    Denied(String),
    /// The ID token failed a check (signature, aud, iss, nonce, expiry).
    #[error("The identity provider's ID token was refused: {0}")]
    BadToken(String),
    /// The upstream's sign-in is older than the application accepts.
    #[error(
        "The identity provider did not sign you in recently enough for this application. Sign in there again."
    )]
    Stale,
    /// No account here for this upstream user, and none may be made.
    #[error("{0}")]
    NoAccount(String),
}

impl UpstreamError {
    /// The short word the audit log records.
    pub fn reason(&self) -> &'static str {
        match self {
            UpstreamError::Failure(_) => "failure",
            UpstreamError::Login(_) => "login_expired",
            UpstreamError::Unknown(_) => "unknown_upstream",
            UpstreamError::Unreachable(_) => "unreachable",
            UpstreamError::BadState => "bad_state",
            UpstreamError::OtherUpstream => "other_upstream",
            UpstreamError::WrongIssuer(_) => "wrong_issuer",
            UpstreamError::Denied(_) => "denied",
            UpstreamError::BadToken(_) => "bad_id_token",
            UpstreamError::Stale => "stale",
            UpstreamError::NoAccount(_) => "no_account",
        }
    }
}

impl From<StoreError> for UpstreamError {
    fn from(e: StoreError) -> Self {
        UpstreamError::Failure(e.into())
    }
}

impl From<DbError> for UpstreamError {
    fn from(e: DbError) -> Self {
        UpstreamError::Failure(e.into())
    }
}
