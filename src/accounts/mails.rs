//! The mails of the self-service flows: plain 7-bit text with short lines.

use crate::db::users::User;

pub const RESET_SUBJECT: &str = "Reset your Portcullis password";
pub const PASSWORD_CHANGED_SUBJECT: &str = "Your Portcullis password was changed";
pub const SIGNUP_SUBJECT: &str = "Finish signing up for Portcullis";
pub const SIGNUP_EXISTS_SUBJECT: &str = "You already have a Portcullis account";

fn lifetime(ttl_secs: i64) -> String {
    if ttl_secs >= 7200 {
        format!("{} hours", ttl_secs / 3600)
    } else {
        format!("{} minutes", (ttl_secs / 60).max(1))
    }
}

/// The "forgot password" mail with its single-use link.
pub fn reset(user: &User, link: &str, ttl_secs: i64) -> String {
    format!(
        "Hello {name},\n\nsomeone asked to reset the password of your account\n\
{username}. Choose a new password here (the link works once and expires\n\
in {ttl}):\n\n{link}\n\n\
Your two-step verification stays as it is: the next sign-in that needs\n\
it still asks for your second factor.\n\n\
If you did not ask for this, ignore this mail: your password stays as it is.\n",
        name = user.full_name(),
        username = user.username,
        ttl = lifetime(ttl_secs),
    )
}

/// Tells the owner that the password changed, and how.
pub fn password_changed(user: &User, how: &str) -> String {
    format!(
        "Hello {name},\n\nthe password of your account {username} was changed {how}\n\
at {when}. Your browser sessions were signed out.\n\n\
If this was you, there is nothing to do. If it was not, use \"Forgot\n\
password\" on the sign-in page at once and tell your administrator.\n",
        name = user.full_name(),
        username = user.username,
        when = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
    )
}

/// The sign-up mail: a link to choose a password, which creates the account.
pub fn signup(first_name: &str, link: &str, ttl_secs: i64) -> String {
    format!(
        "Hello {first_name},\n\nsomeone (hopefully you) signed up for an account with\n\
this address. Choose your password here to create it (the link works once\n\
and expires in {ttl}):\n\n{link}\n\n\
If you did not sign up, ignore this mail: no account is created.\n",
        ttl = lifetime(ttl_secs),
    )
}

/// Sent instead of a sign-up link when the address already has an account.
pub fn signup_exists(user: &User, forgot: &str) -> String {
    format!(
        "Hello {name},\n\nsomeone tried to sign up with this address, which already\n\
has an account ({username}). No new account was created.\n\n\
If you forgot your password, choose a new one here:\n\n{forgot}\n\n\
If this was not you, you can ignore this mail.\n",
        name = user.full_name(),
        username = user.username,
    )
}
