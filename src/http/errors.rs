//! The one place where protocol errors become HTTP: status, the RFC 6749 §5.2
//! body `{"error", "error_description"}`, the `WWW-Authenticate` challenge
//! (RFC 6749 §5.2 for clients, RFC 6750 §3 for bearer tokens) and
//! `Cache-Control: no-store`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::db::DbError;
use crate::error::Failure;
use crate::keys::KeyError;
use crate::oidc::error::{BearerError, RegistrationError, TokenError};
use crate::store::StoreError;

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
        JsonError::new(f.status(), error, f.public_message())
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

#[cfg(test)]
mod tests;
