//! The pages of "forgot password" and sign-up. Each answers every address the
//! same way: the page after posting never depends on the account.

use super::pages::{esc, layout};

fn error_box(error: Option<&str>) -> String {
    error
        .map(|e| format!("<div class=\"error\" role=\"alert\">{}</div>", esc(e)))
        .unwrap_or_default()
}

/// "Forgot password": input `email`.
pub fn forgot(action: &str, csrf: &str, email: &str, error: Option<&str>) -> String {
    layout(
        "Forgot your password?",
        &format!(
            "<h1>Forgot your password?</h1><p class=\"sub\">Enter the email address of your account. We'll mail you a link to choose a new password.</p>{err}\
<form method=\"post\" action=\"{action}\" id=\"forgot-password\">\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
<label for=\"email\">Email address</label>\
<input type=\"email\" id=\"email\" name=\"email\" value=\"{email}\" autocomplete=\"email\" autocapitalize=\"none\" maxlength=\"254\" required autofocus>\
<button type=\"submit\">Send the link</button></form>\
<p class=\"sub mt\">Your two-step verification stays as it is: a new password never removes it.</p>",
            err = error_box(error),
            action = esc(action),
            csrf = esc(csrf),
            email = esc(email),
        ),
    )
}

pub struct SignupForm<'a> {
    pub action: &'a str,
    pub csrf: &'a str,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub error: Option<&'a str>,
}

/// Sign-up: inputs `email`, `first_name`, `last_name`.
pub fn signup(f: &SignupForm<'_>) -> String {
    layout(
        "Create an account",
        &format!(
            "<h1>Create an account</h1><p class=\"sub\">We'll mail you a link to choose your password; the account is created when you do.</p>{err}\
<form method=\"post\" action=\"{action}\" id=\"signup\">\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
<label for=\"email\">Email address</label>\
<input type=\"email\" id=\"email\" name=\"email\" value=\"{email}\" autocomplete=\"email\" autocapitalize=\"none\" maxlength=\"254\" required autofocus>\
<label for=\"first_name\">First name</label>\
<input type=\"text\" id=\"first_name\" name=\"first_name\" value=\"{first}\" autocomplete=\"given-name\" maxlength=\"100\" required>\
<label for=\"last_name\">Last name</label>\
<input type=\"text\" id=\"last_name\" name=\"last_name\" value=\"{last}\" autocomplete=\"family-name\" maxlength=\"100\" required>\
<button type=\"submit\">Sign up</button></form>",
            err = error_box(f.error),
            action = esc(f.action),
            csrf = esc(f.csrf),
            email = esc(f.email),
            first = esc(f.first_name),
            last = esc(f.last_name),
        ),
    )
}

/// The one answer to every accepted request, whatever the address.
pub fn check_your_mail(what: &str) -> String {
    layout(
        "Check your mail",
        &format!(
            "<h1>Check your mail</h1><div class=\"note\" id=\"check-your-mail\">{}</div>\
<p class=\"sub\">The mail can take a few minutes. Check your spam folder too.</p>",
            esc(what)
        ),
    )
}

/// Over the request limit of the client or email address.
pub fn too_many() -> String {
    layout(
        "Too many requests",
        "<h1>Too many requests</h1><p>Too many requests were made for this address or from your network. Please wait an hour and try again.</p>",
    )
}
