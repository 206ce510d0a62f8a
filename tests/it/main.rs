//! One integration binary: helpers spawn the real server on a free port; files are
//! named after flows and security properties.

mod admin_api;
mod admin_browser;
mod admin_console;
mod admin_groups;
mod admin_helpers;
mod admin_import;
mod admin_mail;
mod admin_repositories;
mod anonymous_state_is_bounded;
mod browser_webauthn;
mod client_cli;
mod client_configuration;
mod client_repository;
mod code_flow;
mod databases;
mod fail_closed;
mod helpers;
mod key_rotation;
mod login_security;
mod logout;
mod policy;
mod protocol_errors;
mod redis_server;
mod refresh_token_rotation;
mod registration;
mod repositories;
mod revocation_introspection;
mod secrets_stay_out_of_logs;
mod smtp_server;
mod step_up;
mod step_up_challenge;
mod store;
mod token_helpers;
mod webauthn;
mod webdriver;
