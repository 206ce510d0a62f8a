//! Portcullis: an OpenID Connect provider that asks for a second factor only when
//! the relying party or the server's policy needs one.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod accounts;
pub mod admin;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod directory;
pub mod error;
pub mod http;
pub mod i18n;
pub mod keys;
pub mod login;
pub mod mail;
pub mod memory;
pub mod metrics;
pub mod oidc;
pub mod readiness;
pub mod resource_server;
pub mod saml;
pub mod secrets;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod upstream;
