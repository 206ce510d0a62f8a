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
    /// As [`UpstreamError::BadState`], for a state that names no sign-in at
    /// all (expired, spent or made up): anyone can send one, so it is audited
    /// only now and then.
    #[error(
        "This answer from the identity provider does not belong to a sign-in started in this browser, or was already used. Go back to the application and sign in again."
    )]
    NoState,
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
    #[error("The identity provider's ID token was refused: {0}.")]
    BadToken(BadIdToken),
    /// Userinfo answered for another subject than the ID token's, or could not
    /// be read (OIDC Core §5.3.2: its `sub` must match). The word says which:
    /// `subject`, `signature` or `unreadable`.
    #[error("The identity provider's user information was refused ({0}).")]
    BadUserinfo(&'static str),
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
            UpstreamError::BadState | UpstreamError::NoState => "bad_state",
            UpstreamError::OtherUpstream => "other_upstream",
            UpstreamError::WrongIssuer(_) => "wrong_issuer",
            UpstreamError::Denied(_) => "denied",
            UpstreamError::BadToken(_) => "bad_id_token",
            UpstreamError::BadUserinfo(_) => "bad_userinfo",
            UpstreamError::Stale => "stale",
            UpstreamError::NoAccount(_) => "no_account",
        }
    }
}

/// Which check of an upstream ID token failed (OIDC Core §3.1.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadIdToken {
    /// The token endpoint's answer had none.
    Missing,
    Signature,
    Audience,
    Issuer,
    Nonce,
    Expired,
    /// Any other defect (malformed, unsupported algorithm, bad `azp` …).
    Invalid,
}

impl BadIdToken {
    /// The word the audit log records as `detail.check`.
    pub fn as_str(self) -> &'static str {
        match self {
            BadIdToken::Missing => "missing",
            BadIdToken::Signature => "signature",
            BadIdToken::Audience => "aud",
            BadIdToken::Issuer => "iss",
            BadIdToken::Nonce => "nonce",
            BadIdToken::Expired => "exp",
            BadIdToken::Invalid => "invalid",
        }
    }
}

impl std::fmt::Display for BadIdToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BadIdToken::Missing => "the answer carries no ID token",
            BadIdToken::Signature => "its signature does not verify",
            BadIdToken::Audience => "it was issued to another client (aud)",
            BadIdToken::Issuer => "it names another issuer (iss)",
            BadIdToken::Nonce => "its nonce does not match this sign-in",
            BadIdToken::Expired => "it has expired",
            BadIdToken::Invalid => "it is not valid",
        })
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
