//! The mailed one-time code (`[factors] email_otp`): six digits, single use,
//! valid for [`CODE_TTL`], bound to one pending login and its user.
//!
//! Only a SHA-256 digest of the code is kept (in the store, keyed by the login
//! and the user), and a presented code is compared in constant time. Checks
//! go through the same limiter as TOTP codes (counted before the code is
//! checked, per user, browser session and address); sending is limited per
//! user and per address whether or not the code is ever used. The mail is sent
//! in a task after the answer, so a slow mail server never holds up the page.
//! A mailed code proves `mfa`, never `phr`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::second_factor::{count_attempt, elevate, record_failure};
use super::session::BrowserSession;
use crate::auth::limiter::{self, Bucket};
use crate::auth::stepup::Factor;
use crate::db::users::User;
use crate::error::Failure;
use crate::login::LoginCtx;
use crate::mail::{Mail, Mailer};
use crate::secrets;

/// How long a mailed code stays valid.
pub const CODE_TTL: Duration = Duration::from_secs(5 * 60);
/// Codes mailed per user in [`SEND_WINDOW`].
pub const SENDS_PER_USER: u64 = 5;
/// Codes mailed per client address in [`SEND_WINDOW`].
const SENDS_PER_ADDRESS: u64 = 20;
const SEND_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The subject of the mailed code in English (`mail-code-subject`).
pub const SUBJECT: &str = "Your sign-in code";

#[derive(Serialize, Deserialize)]
struct Stored {
    digest: String,
}

fn key(login_id: &str, user_id: &str) -> String {
    format!("emailcode:{}:{user_id}", secrets::digest(login_id))
}

/// What became of a request for a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// A new code is on its way.
    Sent,
    /// A code for this login is still valid: none is sent (a reload of the page
    /// does not mail again).
    Pending,
    /// Too many codes were mailed lately.
    Limited,
}

/// Mails a code for this login unless one is still valid; `again` replaces a
/// valid one (the "send a new code" button). Sending is limited either way.
pub async fn send(
    ctx: &LoginCtx<'_>,
    login_id: &str,
    user: &User,
    session: &BrowserSession,
    again: bool,
) -> Result<Sent, Failure> {
    let key = key(login_id, &user.id);
    if !again && ctx.store.get_json::<Stored>(&key).await?.is_some() {
        return Ok(Sent::Pending);
    }
    let buckets = [
        Bucket::per(
            "email_code_send:user",
            &user.id,
            SENDS_PER_USER,
            SEND_WINDOW,
        ),
        Bucket::per(
            "email_code_send:addr",
            &limiter::address_subject(session.from),
            SENDS_PER_ADDRESS,
            SEND_WINDOW,
        ),
    ];
    let Some(sending) = limiter::admit(ctx.store, &buckets).await? else {
        ctx.audit
            .factor(
                Some(&user.id),
                &user.username,
                "email_otp_send",
                "limited",
                session.from,
            )
            .await?;
        return Ok(Sent::Limited);
    };
    // Every mailed code counts against the limit, used or not.
    sending.failed();
    let code = six_digits();
    let stored = Stored {
        digest: secrets::digest(&code),
    };
    ctx.store.put_json(&key, &stored, CODE_TTL).await?;
    ctx.audit
        .factor(
            Some(&user.id),
            &user.username,
            "email_otp_send",
            "success",
            session.from,
        )
        .await?;
    let w = crate::mail::Writer::to(ctx.settings, user);
    let message = crate::mail::sign_in_code(&w, user, &code, CODE_TTL.as_secs() / 60);
    deliver(ctx.mailer.clone(), message);
    Ok(Sent::Sent)
}

/// Six uniform digits from the CSPRNG: values at or above the largest multiple
/// of a million below 2^32 are drawn again, so no code is likelier than another.
fn six_digits() -> String {
    const LIMIT: u32 = 4_294_000_000;
    loop {
        let b = secrets::random_bytes(4);
        let n = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        if n < LIMIT {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// Sends in a task of its own: the answer never waits for the mail server, and
/// a failure is logged without the code.
fn deliver(mailer: Mailer, mail: Mail) {
    tokio::spawn(async move {
        if let Err(e) = mailer.send_notice(mail).await {
            tracing::warn!(error = %e, "sign-in code not delivered");
        }
    });
}

/// The outcome of a presented code.
pub enum Checked {
    /// The session now carries the proof; the browser gets a fresh cookie.
    Proven {
        cookie: String,
    },
    Invalid,
    LockedOut,
}

/// Checks a presented code for this login: counted first, compared in constant
/// time against the digest, and spent (taken from the store) exactly once.
pub async fn check(
    ctx: &LoginCtx<'_>,
    login_id: &str,
    cookie: &str,
    session: BrowserSession,
    user: &User,
    code: &str,
) -> Result<Checked, Failure> {
    const EVENT: &str = "email_otp";
    let Some(attempt) = count_attempt(ctx, user, &session, EVENT).await? else {
        return Ok(Checked::LockedOut);
    };
    let key = key(login_id, &user.id);
    let shaped = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
    let stored = ctx.store.get_json::<Stored>(&key).await?;
    let matches = shaped && stored.is_some_and(|s| secrets::digest_matches(code, &s.digest));
    // Taking it is what spends it: of two parallel posts of the right code
    // only the one that takes it is accepted.
    let spent = matches
        && ctx
            .store
            .take_json::<Stored>(&key)
            .await?
            .is_some_and(|s| secrets::digest_matches(code, &s.digest));
    if !spent {
        record_failure(ctx, user, &session, attempt, EVENT).await?;
        return Ok(Checked::Invalid);
    }
    attempt.take_back().await?;
    let from = session.from;
    let cookie = elevate(ctx, cookie, session, Factor::EmailOtp, false).await?;
    ctx.audit
        .factor(Some(&user.id), &user.username, EVENT, "success", from)
        .await?;
    Ok(Checked::Proven { cookie })
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_six_digits() {
        for _ in 0..200 {
            let c = super::six_digits();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
