//! Errors named as the RFCs name them: authorization (RFC 6749 §4.1.2.1, OIDC
//! Core §3.1.2.6, RFC 9470), token (RFC 6749 §5.2), bearer (RFC 6750 §3.1) and
//! registration (RFC 7591 §3.2.2). The HTTP layer maps them to responses.

use serde::Serialize;

use super::registration::metadata::MetadataError;
use crate::db::DbError;
use crate::error::Failure;
use crate::keys::KeyError;
use crate::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthzErrorCode {
    InvalidRequest,
    UnauthorizedClient,
    AccessDenied,
    UnsupportedResponseType,
    InvalidScope,
    ServerError,
    TemporarilyUnavailable,
    InteractionRequired,
    LoginRequired,
    ConsentRequired,
    RequestNotSupported,
    RequestUriNotSupported,
    UnmetAuthenticationRequirements,
}

impl AuthzErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InteractionRequired => "interaction_required",
            Self::LoginRequired => "login_required",
            Self::ConsentRequired => "consent_required",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
            Self::UnmetAuthenticationRequirements => "unmet_authentication_requirements",
        }
    }
}

/// An error to send back to the client's redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthzError {
    pub code: AuthzErrorCode,
    pub description: String,
}

impl AuthzError {
    pub fn new(code: AuthzErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
        }
    }
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(AuthzErrorCode::InvalidRequest, description)
    }
}

/// Error codes of the token endpoint (RFC 6749 §5.2), which revocation
/// (RFC 7009 §2.2.1) and introspection (RFC 7662 §2.3) answer with too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    TemporarilyUnavailable,
    ServerError,
}

impl TokenErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::ServerError => "server_error",
        }
    }
}

impl std::fmt::Display for TokenErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused token, revocation or introspection request.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("invalid_request: {0}")]
    InvalidRequest(String),
    /// RFC 6749 §5.2: a client that tried the Basic scheme is answered with
    /// 401 and a Basic challenge.
    #[error("invalid_client: {description}")]
    InvalidClient {
        description: String,
        via_basic: bool,
    },
    #[error("invalid_grant: {0}")]
    InvalidGrant(String),
    #[error("unauthorized_client: {0}")]
    UnauthorizedClient(String),
    #[error("unsupported_grant_type: {0}")]
    UnsupportedGrantType(String),
    #[error("invalid_scope: {0}")]
    InvalidScope(String),
    /// The database or the store failed: temporarily_unavailable (503) or
    /// server_error (500), never a token issued on a guess.
    #[error(transparent)]
    Failure(#[from] Failure),
}

impl TokenError {
    pub fn invalid_client(description: impl Into<String>, via_basic: bool) -> Self {
        Self::InvalidClient {
            description: description.into(),
            via_basic,
        }
    }

    pub fn code(&self) -> TokenErrorCode {
        match self {
            Self::InvalidRequest(_) => TokenErrorCode::InvalidRequest,
            Self::InvalidClient { .. } => TokenErrorCode::InvalidClient,
            Self::InvalidGrant(_) => TokenErrorCode::InvalidGrant,
            Self::UnauthorizedClient(_) => TokenErrorCode::UnauthorizedClient,
            Self::UnsupportedGrantType(_) => TokenErrorCode::UnsupportedGrantType,
            Self::InvalidScope(_) => TokenErrorCode::InvalidScope,
            Self::Failure(Failure::Unavailable(_)) => TokenErrorCode::TemporarilyUnavailable,
            Self::Failure(Failure::Internal(_)) => TokenErrorCode::ServerError,
        }
    }
}

/// Errors of a request with a bearer token (RFC 6750 §3.1): userinfo, and the
/// registration endpoints' access tokens (RFC 7591 §3, RFC 7592 §2).
#[derive(Debug, thiserror::Error)]
pub enum BearerError {
    /// No token where one is needed: a bare challenge.
    #[error("invalid_request: {0}")]
    InvalidRequest(String),
    /// A token that is not (or no longer) good. Without `token_sent` the
    /// challenge stays bare (§3.1: no error code for a request that had none).
    #[error("invalid_token: {description}")]
    InvalidToken {
        description: String,
        token_sent: bool,
    },
    /// A good token whose scope does not cover the request (§3.1: 403); the
    /// scope it needs goes into the challenge.
    #[error("insufficient_scope: {description}")]
    InsufficientScope {
        description: String,
        scope: &'static str,
    },
    #[error(transparent)]
    Failure(#[from] Failure),
}

impl BearerError {
    pub const INVALID_TOKEN: &'static str = "invalid_token";

    pub fn invalid_token(description: impl Into<String>, token_sent: bool) -> Self {
        Self::InvalidToken {
            description: description.into(),
            token_sent,
        }
    }

    /// The wire code, as RFC 6750 §3.1 names it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidToken { .. } => Self::INVALID_TOKEN,
            Self::InsufficientScope { .. } => "insufficient_scope",
            Self::Failure(Failure::Unavailable(_)) => "temporarily_unavailable",
            Self::Failure(Failure::Internal(_)) => "server_error",
        }
    }
}

/// A refused registration or client configuration request: the metadata errors
/// of RFC 7591 §3.2.2, or the bearer errors of the access token.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error("{}: {}", .0.code(), .0.description())]
    Metadata(MetadataError),
    #[error(transparent)]
    Bearer(#[from] BearerError),
}

impl From<MetadataError> for RegistrationError {
    fn from(e: MetadataError) -> Self {
        Self::Metadata(e)
    }
}

impl From<Failure> for RegistrationError {
    fn from(f: Failure) -> Self {
        Self::Bearer(BearerError::Failure(f))
    }
}

macro_rules! via_failure {
    ($($target:ty),*) => {$(
        impl From<StoreError> for $target {
            fn from(e: StoreError) -> Self {
                Failure::from(e).into()
            }
        }
        impl From<DbError> for $target {
            fn from(e: DbError) -> Self {
                Failure::from(e).into()
            }
        }
        impl From<KeyError> for $target {
            fn from(e: KeyError) -> Self {
                Failure::from(e).into()
            }
        }
    )*};
}
via_failure!(TokenError, BearerError);
