//! Failures of the infrastructure under a request. The HTTP layer maps them
//! (`crate::http::errors`): when the session store or the database cannot be
//! reached the answer is a clear 503: nothing is skipped and no factor is
//! waived (fail closed).

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
    pub(crate) fn log(&self) {
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

/// The HTTP layer's error responses, under the names older code used.
pub use crate::http::errors::{JsonError, PageError};
