//! What the mails say, in the recipient's language: each text comes from the
//! Fluent bundles (`mail-*` messages), laid out by `templates/mail.txt`.

use askama::Template;

use crate::auth::factor_rules::FactorChange;
use crate::config::Settings;
use crate::db::users::User;
use crate::i18n::Lang;

use super::Mail;

/// The language of `user`'s mails: theirs once known, else `ui.default_locale`.
pub fn lang_for(settings: &Settings, user: &User) -> Lang {
    user.locale.unwrap_or(settings.ui.default_locale)
}

/// A plain-text mail: a greeting, paragraphs, the product's name at the end.
#[derive(Template)]
#[template(path = "mail.txt")]
struct Letter<'a> {
    hello: &'a str,
    paragraphs: &'a [String],
    product: &'a str,
}

/// One language and product, and the messages to write with.
#[derive(Debug, Clone, Copy)]
pub struct Writer<'a> {
    pub lang: Lang,
    pub product: &'a str,
}

impl<'a> Writer<'a> {
    pub fn new(settings: &'a Settings, lang: Lang) -> Self {
        Self {
            lang,
            product: &settings.ui.product_name,
        }
    }

    /// For mails to `user`, in their language.
    pub fn to(settings: &'a Settings, user: &User) -> Self {
        Self::new(settings, lang_for(settings, user))
    }

    /// The message `key` with its arguments; `product` is always there.
    pub fn t(&self, key: &str, args: &[(&'static str, &str)]) -> String {
        let mut all = vec![("product", self.product)];
        all.extend_from_slice(args);
        self.lang.t_args(key, &all)
    }

    /// A mail to `to_name` at `to_email`.
    pub fn mail(
        &self,
        to_name: &str,
        to_email: &str,
        subject: String,
        paragraphs: &[String],
    ) -> Mail {
        let hello = if to_name.trim().is_empty() {
            self.t("mail-hello-anonymous", &[])
        } else {
            self.t("mail-hello", &[("name", to_name)])
        };
        let paragraphs: Vec<String> = paragraphs.iter().map(|p| wrap(p)).collect();
        let body = Letter {
            hello: &hello,
            paragraphs: &paragraphs,
            product: self.product,
        }
        .render()
        .unwrap_or_else(|_| paragraphs.join("\n\n"));
        Mail {
            to_name: to_name.to_owned(),
            to_email: to_email.to_owned(),
            subject,
            body: body + "\n",
        }
    }
}

/// Short lines, as mail is read best (and English stays 7-bit text that needs
/// no transfer encoding); a line that fits, or one long word, stays as it is.
fn wrap(text: &str) -> String {
    const WIDTH: usize = 72;
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.chars().count() <= WIDTH {
            out.push_str(line);
            continue;
        }
        let mut width = 0;
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            let n = word.chars().count();
            if width > 0 && width + 1 + n > WIDTH {
                out.push('\n');
                width = 0;
            } else if width > 0 {
                out.push(' ');
                width += 1;
            }
            out.push_str(word);
            width += n;
        }
    }
    out
}

/// `n` hours, or minutes below two hours, in words of the language.
pub fn lifetime(w: &Writer<'_>, ttl_secs: i64) -> String {
    if ttl_secs >= 7200 {
        w.lang.t_count("mail-hours", "n", (ttl_secs / 3600) as u64)
    } else {
        w.lang
            .t_count("mail-minutes", "n", (ttl_secs / 60).max(1) as u64)
    }
}

fn now_text() -> String {
    chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The mail telling an account's owner that its second factors changed: what
/// happened, when, and what to do if it was not them. `by_admin`: an
/// administrator made the change.
pub fn factor_notice(w: &Writer<'_>, change: FactorChange, user: &User, by_admin: bool) -> Mail {
    let (subject, what) = match change {
        FactorChange::TotpAdded => ("mail-totp-added-subject", "mail-totp-added"),
        FactorChange::SecurityKeyAdded => ("mail-key-added-subject", "mail-key-added"),
        FactorChange::TotpRemoved => ("mail-totp-removed-subject", "mail-totp-removed"),
        FactorChange::SecurityKeyRemoved => ("mail-key-removed-subject", "mail-key-removed"),
        FactorChange::RecoveryCodesRenewed => ("mail-codes-renewed-subject", "mail-codes-renewed"),
        FactorChange::AllRemoved => ("mail-all-removed-subject", "mail-all-removed"),
        FactorChange::RecoveryCodeUsed { .. } => ("mail-code-used-subject", "mail-code-used"),
    };
    let mut what = w.t(what, &[]);
    if let FactorChange::RecoveryCodeUsed { remaining } = change {
        what.push(' ');
        what.push_str(&w.lang.t_count("mail-codes-remaining", "n", remaining));
    }
    if by_admin {
        what.push('\n');
        what.push_str(&w.t("mail-by-admin", &[]));
    }
    let facts = w.t(
        "mail-account-when",
        &[("username", &user.username), ("when", &now_text())],
    );
    let name = user.full_name();
    w.mail(
        &name,
        &user.email,
        w.t(subject, &[]),
        &[what, facts, w.t("mail-not-you-factor", &[])],
    )
}

/// The mail telling an account's owner that, after their password, wrong
/// second-factor codes locked the second step for a while: whoever typed them
/// knows the password.
pub fn second_factor_locked(w: &Writer<'_>, user: &User) -> Mail {
    let minutes = (crate::auth::limiter::FAILURE_WINDOW.as_secs() / 60).to_string();
    let what = w.t(
        "mail-locked",
        &[
            ("n", &crate::oidc::second_factor::MAX_FAILURES.to_string()),
            ("minutes", &minutes),
        ],
    );
    let facts = w.t(
        "mail-account-when",
        &[("username", &user.username), ("when", &now_text())],
    );
    w.mail(
        &user.full_name(),
        &user.email,
        w.t("mail-locked-subject", &[]),
        &[what, facts, w.t("mail-locked-not-you", &[])],
    )
}

/// The onboarding mail: a single-use link to choose a password.
pub fn onboarding(w: &Writer<'_>, user: &User, link: &str, ttl_secs: i64) -> Mail {
    let name = user.full_name();
    w.mail(
        &name,
        &user.email,
        w.t("mail-onboarding-subject", &[]),
        &[
            w.t("mail-account-created", &[("username", &user.username)]),
            w.t("mail-onboarding-link", &[("ttl", &lifetime(w, ttl_secs))]),
            link.to_owned(),
            w.t("mail-unexpected", &[]),
        ],
    )
}

/// The welcome mail when the administrator set a password.
pub fn welcome(w: &Writer<'_>, user: &User, sign_in_at: &str) -> Mail {
    let name = user.full_name();
    w.mail(
        &name,
        &user.email,
        w.t("mail-welcome-subject", &[]),
        &[
            w.t("mail-account-created", &[("username", &user.username)]),
            w.t("mail-welcome-sign-in", &[("url", sign_in_at)]),
        ],
    )
}

/// The "forgot password" mail with its single-use link.
pub fn reset(w: &Writer<'_>, user: &User, link: &str, ttl_secs: i64) -> Mail {
    let name = user.full_name();
    w.mail(
        &name,
        &user.email,
        w.t("mail-reset-subject", &[]),
        &[
            w.t(
                "mail-reset",
                &[
                    ("username", &user.username),
                    ("ttl", &lifetime(w, ttl_secs)),
                ],
            ),
            link.to_owned(),
            w.t("mail-reset-factors-stay", &[]),
            w.t("mail-reset-not-you", &[]),
        ],
    )
}

/// How a password was changed, for [`password_changed`].
#[derive(Debug, Clone, Copy)]
pub enum PasswordChangedBy {
    AccountPage,
    ForgotLink,
}

/// Tells the owner that the password changed, and how.
pub fn password_changed(w: &Writer<'_>, user: &User, how: PasswordChangedBy) -> Mail {
    let key = match how {
        PasswordChangedBy::AccountPage => "mail-password-changed-account",
        PasswordChangedBy::ForgotLink => "mail-password-changed-link",
    };
    let name = user.full_name();
    w.mail(
        &name,
        &user.email,
        w.t("mail-password-changed-subject", &[]),
        &[
            w.t(key, &[("username", &user.username), ("when", &now_text())]),
            w.t("mail-password-changed-not-you", &[]),
        ],
    )
}

/// The sign-up mail: a link to choose a password, which creates the account.
/// Whoever signs up may type any address and any name, so the name typed is
/// never put into the mail (nor its To header): the greeting is plain, and the
/// mail says only what this server writes.
pub fn signup(w: &Writer<'_>, to_email: &str, link: &str, ttl_secs: i64) -> Mail {
    w.mail(
        "",
        to_email,
        w.t("mail-signup-subject", &[]),
        &[
            w.t("mail-signup", &[("ttl", &lifetime(w, ttl_secs))]),
            link.to_owned(),
            w.t("mail-signup-not-you", &[]),
        ],
    )
}

/// Sent instead of a sign-up link when the address already has an account.
pub fn signup_exists(w: &Writer<'_>, user: &User, forgot: &str) -> Mail {
    let name = user.full_name();
    w.mail(
        &name,
        &user.email,
        w.t("mail-signup-exists-subject", &[]),
        &[
            w.t("mail-signup-exists", &[("username", &user.username)]),
            w.t("mail-signup-exists-forgot", &[]),
            forgot.to_owned(),
            w.t("mail-signup-exists-not-you", &[]),
        ],
    )
}

/// The mailed sign-in code.
pub fn sign_in_code(w: &Writer<'_>, user: &User, code: &str, minutes: u64) -> Mail {
    let name = user.full_name();
    w.mail(
        &name,
        &user.email,
        w.t("mail-code-subject", &[]),
        &[
            w.t("mail-code-is", &[]),
            format!("    {code}"),
            w.lang.t_count("mail-code-expires", "minutes", minutes),
            w.t("mail-code-not-you", &[]),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn long_lines_wrap_at_words_and_short_ones_stay() {
        assert_eq!(wrap("    123456"), "    123456");
        let long = "word ".repeat(30);
        let wrapped = wrap(long.trim());
        assert!(
            wrapped.lines().all(|l| l.chars().count() <= 72),
            "{wrapped}"
        );
        assert_eq!(wrapped.replace('\n', " "), long.trim());
    }
}
