//! One integration binary: helpers spawn the real server on a free port; files are
//! named after flows and security properties.

mod browser_webauthn;
mod client_cli;
mod client_configuration;
mod client_repository;
mod code_flow;
mod databases;
mod fail_closed;
mod helpers;
mod login_security;
mod policy;
mod protocol_errors;
mod redis_server;
mod registration;
mod repositories;
mod step_up;
mod store;
mod webauthn;
mod webdriver;
