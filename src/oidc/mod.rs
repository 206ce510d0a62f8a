//! OpenID Connect protocol logic, without actix: request parsing, the login state
//! machine, codes and tokens, ID tokens, discovery, userinfo.

pub mod authorize;
pub mod backchannel;
pub mod claims;
pub mod discovery;
pub mod email_code;
pub mod error;
pub mod factor_notice;
pub mod flow;
pub mod hint;
pub mod id_token;
pub mod interaction;
pub mod introspection;
pub mod login_policy;
pub mod logout;
pub mod own_client;
pub mod par;
pub mod password_login;
pub mod receiver_address;
pub mod registration;
pub mod revocation;
pub mod second_factor;
pub mod session;
pub mod step_up_challenge;
pub mod token;
pub mod userinfo;
pub mod webauthn_step;

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}
