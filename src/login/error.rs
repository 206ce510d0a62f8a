//! Why a login request cannot go on. The HTTP layer maps each to a page (or,
//! for the WebAuthn calls, to JSON) in one place; nothing here knows about
//! status codes.

use crate::db::DbError;
use crate::error::Failure;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// A backend failed: fail closed.
    #[error(transparent)]
    Failure(#[from] Failure),
    /// The pending login is unknown: it expired, or another tab finished it.
    #[error(
        "This sign-in request has expired or was already completed. Go back to the application and sign in again."
    )]
    Expired,
    /// The pending login belongs to another browser.
    #[error(
        "This sign-in was started in another browser. Go back to the application and sign in again from this one."
    )]
    OtherBrowser,
    /// The relying party was deleted while the login was pending.
    #[error("The client of this sign-in no longer exists.")]
    ClientGone,
    /// An authorization request that names no client of ours.
    #[error("Unknown or missing client_id.")]
    UnknownClient,
    /// A redirect URI we must not send the browser back to (RFC 6749 §4.1.2.1).
    #[error("{0}")]
    BadRedirect(String),
    /// A SAML request we cannot answer (unknown service provider, unregistered
    /// ACS URL, unreadable request): shown, never posted anywhere.
    #[error("{0}")]
    BadSamlRequest(String),
    /// A pushed request (RFC 9126) that is unknown, expired, used or another
    /// client's: its redirect URI is unknown, so nothing may redirect.
    #[error("The request_uri is unknown, expired, already used or not this client's.")]
    UnknownRequestUri,
    /// This address asked for more than it may in a while (429).
    #[error("Too many requests from this network. Wait a minute and try again.")]
    TooMany,
}

impl From<StoreError> for LoginError {
    fn from(e: StoreError) -> Self {
        LoginError::Failure(e.into())
    }
}

impl From<DbError> for LoginError {
    fn from(e: DbError) -> Self {
        LoginError::Failure(e.into())
    }
}
