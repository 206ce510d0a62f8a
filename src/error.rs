//! Failures of the infrastructure under a request, and how the HTTP layer shows
//! them to browsers (an HTML page); JSON endpoints map them in `crate::http::errors`. When the
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

    pub(crate) fn log(&self) {
        match self {
            Failure::Unavailable(m) => tracing::warn!(reason = %m, "request failed closed: 503"),
            Failure::Internal(m) => tracing::error!(reason = %m, "request failed: 500"),
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

/// JSON errors are mapped to HTTP in `crate::http::errors`; re-exported here
/// for the code that still names them by this path.
pub use crate::http::errors::JsonError;
