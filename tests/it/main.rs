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
mod code_flow;
mod databases;
mod fail_closed;
mod helpers;
mod login_security;
mod policy;
mod protocol_errors;
mod redis_server;
mod repositories;
mod smtp_server;
mod step_up;
mod store;
mod webdriver;
