//! Authentication: passwords, second factors, levels (acr), and what a session has proven.

pub mod acr;
pub mod factor_rules;
pub mod limiter;
pub mod password;
pub mod policy;
pub mod sealing;
pub mod stepup;
pub mod totp;
pub mod webauthn;
