//! Failures of the infrastructure under a request, and how the HTTP layer shows
//! them: an HTML page for browsers, RFC 6749 §5.2 JSON for API clients. When the
//! session store or the database cannot be reached the answer is a clear 503:
//! nothing is skipped and no factor is waived (fail closed).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::db::DbError;
use crate::keys::KeyError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(m) => {
                Failure::Unavailable(format!("session store unavailable: {m}"))
            }
            StoreError::Corrupt(m) => Failure::Internal(format!("corrupt stored value: {m}")),
        }
    }
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unavailable(m) => Failure::Unavailable(format!("database unavailable: {m}")),
            other => Failure::Internal(other.to_string()),
        }
    }
}

impl From<KeyError> for Failure {
    fn from(e: KeyError) -> Self {
        Failure::Internal(e.to_string())
    }
}

impl Failure {
    pub fn status(&self) -> StatusCode {
        match self {
            Failure::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn log(&self) {
        match self {
            Failure::Unavailable(m) => {
                crate::metrics::backend_error(backend_of(m), "unavailable");
                tracing::warn!(reason = %m, "request failed closed: 503")
            }
            Failure::Internal(m) => {
                crate::metrics::backend_error(backend_of(m), "internal");
                tracing::error!(reason = %m, "request failed: 500")
            }
        }
    }

    /// The message a user may see: no internals.
    pub fn public_message(&self) -> &'static str {
        match self {
            Failure::Unavailable(_) => {
                "The sign-in service is temporarily unavailable (a backing store cannot be reached). Please try again shortly."
            }
            Failure::Internal(_) => "Something went wrong on our side.",
        }
    }
}

/// Which backend a failure came from, by the prefix its `From` gave it.
fn backend_of(message: &str) -> &'static str {
    if message.starts_with("session store") || message.starts_with("corrupt stored") {
        "store"
    } else if message.starts_with("database") {
        "database"
    } else {
        "other"
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

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::Failure(f) => f.status(),
            PageError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PageError::Status(s, _) => *s,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (title, message) = match self {
            PageError::Failure(f) => {
                f.log();
                ("Unavailable", f.public_message().to_owned())
            }
            PageError::BadRequest(m) => ("Invalid request", m.clone()),
            PageError::Status(_, m) => ("Error", m.clone()),
        };
        HttpResponse::build(self.status_code())
            .insert_header(("Cache-Control", "no-store"))
            .content_type("text/html; charset=utf-8")
            .body(crate::http::pages::error_page(title, &message))
    }
}

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
