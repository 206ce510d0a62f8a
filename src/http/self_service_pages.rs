//! The pages of "forgot password" and sign-up. Each answers every address the
//! same way: the page after posting never depends on the account.

use askama::Template;

use super::ui::Chrome;

/// "Forgot password": input `email`.
#[derive(Template)]
#[template(path = "forgot.html")]
pub struct ForgotPage<'a> {
    pub chrome: &'a Chrome,
    pub action: &'a str,
    pub csrf: &'a str,
    pub email: &'a str,
    pub error: Option<String>,
}

/// Sign-up: inputs `email`, `first_name`, `last_name`.
#[derive(Template)]
#[template(path = "signup.html")]
pub struct SignupPage<'a> {
    pub chrome: &'a Chrome,
    pub action: &'a str,
    pub csrf: &'a str,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub error: Option<String>,
}

/// The one answer to every accepted request, whatever the address; `what` is
/// the message id of what was mailed.
#[derive(Template)]
#[template(path = "mail_sent.html")]
pub struct MailSentPage<'a> {
    pub chrome: &'a Chrome,
    pub what: &'static str,
}

/// Over the request limit of the client or email address.
#[derive(Template)]
#[template(path = "too_many.html")]
pub struct TooManyPage<'a> {
    pub chrome: &'a Chrome,
}

/// A signed-up account exists now.
#[derive(Template)]
#[template(path = "account_created.html")]
pub struct AccountCreatedPage<'a> {
    pub chrome: &'a Chrome,
    pub username: &'a str,
}

/// Choosing a password from a mailed link: inputs `password`, `password_confirm`.
#[derive(Template)]
#[template(path = "set_password.html")]
pub struct SetPasswordPage<'a> {
    pub chrome: &'a Chrome,
    pub action: &'a str,
    pub csrf: &'a str,
    pub username: &'a str,
    /// A sign-up's first and last name, shown for the mailbox's owner to
    /// confirm or correct: whoever asked for the link typed them.
    pub names: Option<(&'a str, &'a str)>,
    pub error: Option<String>,
}

/// A title and one paragraph; `id` marks a note that says something happened.
#[derive(Template)]
#[template(path = "notice.html")]
pub struct NoticePage<'a> {
    pub chrome: &'a Chrome,
    pub title: &'a str,
    pub id: Option<&'a str>,
    pub text: &'a str,
}
