//! The login engine, apart from any protocol: a pending login (what it must meet,
//! whose browser it belongs to, where it returns), one resume per request that
//! loads everything once, and one [`NextStep`] saying what comes next. Front
//! doors (OpenID Connect today) turn their request into a [`PendingLogin`] and a
//! finished login back into their own answer; the HTTP layer only renders the
//! [`NextStep`].

pub mod context;
pub mod error;
pub mod identity;
pub mod next_step;
pub mod onboarding;
pub mod pending;
pub mod resume;

pub use context::LoginCtx;
pub use error::LoginError;
pub use identity::IdentityProof;
pub use next_step::{EnrollWith, Method, NextStep, Post, ProveWith, View};
pub use pending::{OidcReturn, PendingLogin, Return};
pub use resume::{Expect, Resumed, SignedIn, Visit, resume};
