//! What comes next in a login, decided once per request from the session's proofs
//! and the account's factors, as a pure function. It is recomputed at every step,
//! so no ordering of requests (back button, reused URLs, two tabs) can make it
//! claim a level that was not met; the HTTP layer only renders the answer.

use crate::auth::factor_rules::{self, Permit};
use crate::auth::stepup::{self, Freshness, Missing, Proof};
use crate::oidc::flow::{Capabilities, Target};

/// The second-factor method a page was asked for (`?method=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Totp,
    WebAuthn,
    /// A one-time code mailed to the account's address.
    Email,
}

impl Method {
    /// Any value but `webauthn` and `email` asks for the code form.
    pub fn parse(value: &str) -> Self {
        match value {
            "webauthn" => Method::WebAuthn,
            "email" => Method::Email,
            _ => Method::Totp,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Totp => "totp",
            Method::WebAuthn => "webauthn",
            Method::Email => "email",
        }
    }
}

/// How the page of a step was asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct View {
    pub method: Option<Method>,
    /// The page comes back with a message (a wrong code, an expired form): it
    /// shows the form itself, not the choice between factors.
    pub retry: bool,
}

/// Which page proves an enrolled factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProveWith {
    /// The account has several kinds: the user picks one.
    Choice,
    Totp,
    /// The form for a code mailed to the account's address.
    Email,
    /// The security-key page; `totp_instead` links to the code form.
    Key {
        totp_instead: bool,
    },
}

/// Which page adds a factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrollWith {
    /// The authenticator-app page; `key_instead` links to the security-key one.
    /// A post is taken only for a kind the page offers.
    Totp {
        key_instead: bool,
    },
    Key {
        totp_instead: bool,
    },
}

/// A login that met its level: the acr it names and the proofs behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proven {
    pub acr: String,
    pub evidence: Vec<Proof>,
}

/// The next thing a login does. `F` is what a finished login carries: the proofs
/// from [`decide`], the URL the browser goes to from [`super::resume()`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep<F = String> {
    /// No (counting) password: the login form.
    ShowLogin,
    /// Prove an enrolled second factor (a security key when `webauthn_only`).
    /// `before_enrolling`: the level needs a kind of factor the account lacks,
    /// and one of its factors must be proven before another is added.
    Prove {
        webauthn_only: bool,
        before_enrolling: bool,
        show: ProveWith,
    },
    /// Add a factor (only a security key when `webauthn_only`), as `permit`
    /// allows: the account's first factor, or one more after a recent proof.
    Enroll {
        webauthn_only: bool,
        permit: Permit,
        show: EnrollWith,
    },
    /// The level is met, but a self-registered client has not been allowed
    /// what it asks for (OpenID Connect Core §3.1.2.4): the user decides.
    Consent,
    /// Done (or refused): leave the login.
    Finish(F),
}

/// What a form post or a WebAuthn call submits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Post {
    TotpCode,
    EmailCode,
    TotpEnrollment,
    KeyRegistration,
    KeyCheck,
    /// Allow or deny a client on the consent page.
    Consent,
}

impl<F> NextStep<F> {
    /// Whether this step takes `post`. Decided server-side from the recomputed
    /// step: a post never relies on what the page offered.
    pub fn takes(&self, post: Post) -> bool {
        matches!(
            (self, post),
            (
                NextStep::Prove {
                    webauthn_only: false,
                    ..
                },
                Post::TotpCode | Post::EmailCode
            ) | (
                NextStep::Enroll {
                    webauthn_only: false,
                    show: EnrollWith::Totp { .. } | EnrollWith::Key { totp_instead: true },
                    ..
                },
                Post::TotpEnrollment
            ) | (
                NextStep::Enroll {
                    show: EnrollWith::Key { .. } | EnrollWith::Totp { key_instead: true },
                    ..
                },
                Post::KeyRegistration
            ) | (NextStep::Prove { .. }, Post::KeyCheck)
                | (NextStep::Consent, Post::Consent)
        )
    }

    /// The factor rules' permit of an enrollment step.
    pub fn permit(&self) -> Option<Permit> {
        match self {
            NextStep::Enroll { permit, .. } => Some(*permit),
            _ => None,
        }
    }

    pub fn map_finish<G>(self, f: impl FnOnce(F) -> G) -> NextStep<G> {
        match self {
            NextStep::ShowLogin => NextStep::ShowLogin,
            NextStep::Prove {
                webauthn_only,
                before_enrolling,
                show,
            } => NextStep::Prove {
                webauthn_only,
                before_enrolling,
                show,
            },
            NextStep::Enroll {
                webauthn_only,
                permit,
                show,
            } => NextStep::Enroll {
                webauthn_only,
                permit,
                show,
            },
            NextStep::Consent => NextStep::Consent,
            NextStep::Finish(x) => NextStep::Finish(f(x)),
        }
    }
}

/// The next step towards `target` for a session holding `proofs`.
pub fn decide(
    target: &Target,
    proofs: &[Proof],
    caps: &Capabilities,
    fresh: &Freshness,
    view: View,
) -> NextStep<Proven> {
    match stepup::missing(proofs, target.level, fresh) {
        Missing::Nothing => match stepup::evidence(proofs, target.level, fresh) {
            Some(evidence) => NextStep::Finish(Proven {
                acr: target.acr.clone(),
                evidence,
            }),
            None => NextStep::ShowLogin,
        },
        Missing::Password => NextStep::ShowLogin,
        Missing::SecondFactor { webauthn_only } => {
            let has = if webauthn_only {
                caps.has_webauthn
            } else {
                caps.can_prove_any()
            };
            if has {
                return prove(webauthn_only, false, caps, view);
            }
            match factor_rules::may_add_factor(caps.enrolled(), proofs, fresh) {
                Ok(permit) => NextStep::Enroll {
                    webauthn_only,
                    permit,
                    show: enroll_with(webauthn_only, caps, view),
                },
                // A password alone never adds a factor to an account that has one:
                // first a proof of a factor it already has (any kind will do).
                // `choose_target` only picks such a target when the account has
                // a factor usable here; otherwise this step cannot be passed.
                // A mailed code does not back a new factor beside an app or a
                // key, so only those are offered then.
                Err(_) => {
                    let backing = Capabilities {
                        has_email: caps.has_email && !caps.has_totp && !caps.has_webauthn,
                        ..*caps
                    };
                    prove(false, true, &backing, view)
                }
            }
        }
    }
}

fn prove(
    webauthn_only: bool,
    before_enrolling: bool,
    caps: &Capabilities,
    view: View,
) -> NextStep<Proven> {
    let key = ProveWith::Key {
        totp_instead: !webauthn_only && caps.has_totp,
    };
    let kinds = [caps.has_totp, caps.has_webauthn, caps.has_email]
        .iter()
        .filter(|k| **k)
        .count();
    let show = if webauthn_only {
        key
    } else {
        match view.method {
            Some(Method::Email) if caps.has_email => ProveWith::Email,
            Some(Method::WebAuthn) if caps.has_webauthn => key,
            Some(Method::Totp) if caps.has_totp => ProveWith::Totp,
            _ if kinds >= 2 && view.method.is_none() && !view.retry => ProveWith::Choice,
            // A code posted without a method came from the TOTP form.
            _ if caps.has_totp => ProveWith::Totp,
            _ if caps.has_webauthn => key,
            _ => ProveWith::Email,
        }
    };
    NextStep::Prove {
        webauthn_only,
        before_enrolling,
        show,
    }
}

fn enroll_with(webauthn_only: bool, caps: &Capabilities, view: View) -> EnrollWith {
    if webauthn_only
        || !caps.can_enroll_totp
        || (view.method == Some(Method::WebAuthn) && caps.can_enroll_webauthn)
    {
        // Another kind instead is only ever offered for the first factor, and
        // only a kind that may be added here.
        EnrollWith::Key {
            totp_instead: !webauthn_only && caps.can_enroll_totp,
        }
    } else {
        EnrollWith::Totp {
            key_instead: caps.can_enroll_webauthn,
        }
    }
}

#[cfg(test)]
mod tests;
