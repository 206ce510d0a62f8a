//! Server-rendered pages: plain HTML forms that work without JavaScript
//! (except WebAuthn). Every dynamic value goes through [`esc`].

use askama::Template;

use super::ui::{Chrome, ErrorPage};

pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Inlined in every page; allowed by its hash (see `security_headers`), so it
/// must stay a fixed text. Pages use classes, never `style` attributes, and the
/// sheet names no element ids (pages are told apart by their ids).
pub(crate) const STYLE: &str = "
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f3f4f6;color:#111827}
main{max-width:26rem;margin:0 auto;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.1),0 8px 24px rgba(0,0,0,.06);padding:2rem}
.top{max-width:26rem;margin:6vh auto 1rem;padding:0 1rem;text-align:center}
.logo{max-height:3rem;max-width:100%}
.client-logo{display:block;max-height:2.5rem;max-width:60%;margin:0 auto 1rem}
.foot{max-width:26rem;margin:1rem auto 2rem;padding:0 1rem;text-align:center;font-size:.85rem;color:#4b5563}
.foot a{margin:0 .5rem;color:#374151}.foot span{display:block;margin-top:.4rem}
h1{font-size:1.35rem;margin:0 0 .25rem}
p.sub{color:#4b5563;margin:0 0 1.5rem}
a{color:var(--primary,#1d4ed8)}
label{display:block;font-weight:600;font-size:.9rem;margin:.9rem 0 .3rem}
input[type=text],input[type=password],input[type=email]{width:100%;padding:.6rem .75rem;border:1px solid #6b7280;border-radius:8px;font-size:1rem}
input:focus,button:focus,a:focus{outline:3px solid var(--primary,#1d4ed8);outline-offset:2px}
input[aria-invalid=true]{border-color:#991b1b}
button,.button{display:inline-block;width:100%;margin-top:1.25rem;padding:.7rem;border:0;border-radius:8px;background:var(--primary,#1d4ed8);color:#fff;font-size:1rem;font-weight:600;cursor:pointer;text-align:center;text-decoration:none}
.error{background:#fef2f2;color:#991b1b;border:1px solid #fecaca;border-radius:8px;padding:.6rem .8rem;margin-bottom:1rem}
.note{background:#eff6ff;color:#1e3a8a;border-radius:8px;padding:.6rem .8rem;margin-bottom:1rem}
.brand{font-weight:700;font-size:1.1rem;letter-spacing:.02em;color:var(--primary,#1d4ed8)}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px;overflow-wrap:anywhere}
.sub.mt{margin-top:1rem}.button.secondary{background:#374151}
.center{text-align:center}.two-cols{columns:2;font-size:1.05rem}.danger-text{color:#991b1b}
@media (max-width:30rem){main{border-radius:0;padding:1.25rem}.top{margin-top:1rem}}
";

pub fn layout(title: &str, body: &str) -> String {
    layout_with_head(title, "", body)
}

pub fn layout_with_head(title: &str, head: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">{head}\
<title>{t} · Portcullis</title><style>{STYLE}</style></head>\
<body><main><div class=\"brand\">Portcullis</div>{body}</main></body></html>",
        t = esc(title)
    )
}

/// An error page in English with the built-in look, for callers without a
/// request at hand; [`crate::http::ui::error_pages`] renders the ones that
/// [`crate::http::errors::PageError`] makes in the request's language.
pub fn error_page(title: &str, message: &str) -> String {
    let chrome = Chrome::fallback();
    ErrorPage {
        chrome: &chrome,
        title,
        message,
    }
    .render()
    .unwrap_or_else(|_| title.to_owned())
}

pub(super) fn error_box(error: Option<&str>) -> String {
    error
        .map(|e| format!("<div class=\"error\" role=\"alert\">{}</div>", esc(e)))
        .unwrap_or_default()
}

/// The login form (inputs `username` and `password`).
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginForm<'a> {
    pub chrome: &'a Chrome,
    pub action: &'a str,
    pub csrf: &'a str,
    pub client_name: &'a str,
    /// The relying party's own logo (`logo_uri`), on its login page only.
    pub client_logo: Option<&'a str>,
    pub username: &'a str,
    pub error: Option<&'a str>,
    /// The "forgot password" page.
    pub forgot_href: &'a str,
    /// The sign-up page, when sign-up is on.
    pub signup_href: Option<&'a str>,
}

pub struct TotpForm<'a> {
    pub action: &'a str,
    pub csrf: &'a str,
    pub error: Option<&'a str>,
    /// This code confirms an existing factor before a security key is added.
    pub before_enrolling: bool,
}

/// Says why a factor is asked for before another is added.
const BEFORE_ENROLLING: &str = "<div class=\"note\" id=\"prove-existing-factor\">This sign-in needs a security key, which your account does not have yet. Before one can be added, confirm it's you with your authenticator app (or a recovery code).</div>";

/// Says plainly that an account with no second factor is getting its first one.
const FIRST_FACTOR: &str = "<div class=\"note\" id=\"first-factor\">Your account has no second factor yet: you are setting up its first one now. Only continue if you just signed in yourself.</div>";

/// The TOTP step-up form (input `code`).
pub fn totp(f: &TotpForm<'_>) -> String {
    layout(
        "Two-step verification",
        &format!(
            "<h1>Two-step verification</h1><p class=\"sub\">Enter the 6-digit code from your authenticator app.</p>{note}{err}\
<form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
<label for=\"code\">Code</label>\
<input type=\"text\" id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"16\" required autofocus>\
<button type=\"submit\">Verify</button></form>\
<p class=\"sub mt\">Lost your device? Enter one of your recovery codes instead.</p>",
            note = if f.before_enrolling {
                BEFORE_ENROLLING
            } else {
                ""
            },
            err = error_box(f.error),
            action = esc(f.action),
            csrf = esc(f.csrf),
        ),
    )
}

pub struct EnrollTotp<'a> {
    pub action: &'a str,
    pub csrf: &'a str,
    pub otpauth: &'a str,
    pub secret_b32: &'a str,
    pub qr_svg: &'a str,
    pub error: Option<&'a str>,
    /// A link to enroll a security key instead, when that is possible.
    pub security_key_href: Option<&'a str>,
    /// The account has no second factor: this is its first (trust on first use).
    pub first_factor: bool,
}

/// TOTP enrollment: QR code, the secret as text, and the `otpauth://` URI in
/// `data-otpauth`; confirmed with a code.
pub fn enroll_totp(f: &EnrollTotp<'_>) -> String {
    let grouped: Vec<String> = f
        .secret_b32
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    layout(
        "Set up two-step verification",
        &format!(
            "<h1>Set up two-step verification</h1>{first}<p class=\"sub\">This sign-in needs a second factor. Scan the code with an authenticator app (Google Authenticator, Aegis, 1Password …), then enter the 6-digit code it shows.</p>{err}\
<div id=\"totp-enroll\" class=\"center\" data-otpauth=\"{uri}\">{qr}</div>\
<p>Can't scan? Enter this key by hand:<br><code id=\"totp-secret\">{secret}</code></p>\
<form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
<label for=\"code\">Code from the app</label>\
<input type=\"text\" id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"6\" required autofocus>\
<button type=\"submit\">Confirm</button></form>{alt}",
            alt = f
                .security_key_href
                .map(|h| format!("<p class=\"sub mt\"><a href=\"{}\">Use a security key or passkey instead</a></p>", esc(h)))
                .unwrap_or_default(),
            first = if f.first_factor { FIRST_FACTOR } else { "" },
            err = error_box(f.error),
            uri = esc(f.otpauth),
            qr = f.qr_svg,
            secret = esc(&grouped.join(" ")),
            action = esc(f.action),
            csrf = esc(f.csrf),
        ),
    )
}

/// Shown once, right after enrollment.
pub fn recovery_codes(codes: &[String], continue_to: &str) -> String {
    let items: String = codes
        .iter()
        .map(|c| format!("<li><code>{}</code></li>", esc(c)))
        .collect();
    layout(
        "Save your recovery codes",
        &format!(
            "<h1>Save your recovery codes</h1><div class=\"note\">Two-step verification is on. If you lose your device, each of these codes signs you in once. They are shown only now: print them or store them in a password manager.</div>\
<ol id=\"recovery-codes\" class=\"two-cols\">{items}</ol>\
<a class=\"button\" href=\"{next}\">I have saved them, continue</a>",
            next = esc(continue_to),
        ),
    )
}

/// After a recovery code was spent: how many remain.
pub fn recovery_used(remaining: u64, continue_to: &str) -> String {
    let advice = if remaining <= 3 {
        " You are running low: ask an administrator to reset your two-step verification, or set up a new device."
    } else {
        ""
    };
    layout(
        "Recovery code used",
        &format!(
            "<h1>Recovery code used</h1><div class=\"note\">You signed in with a recovery code. <strong id=\"recovery-remaining\">{remaining}</strong> recovery codes remain.{advice}</div>\
<a class=\"button\" href=\"{next}\">Continue</a>",
            next = esc(continue_to),
        ),
    )
}

/// The page's own script for WebAuthn: POST begin with the CSRF
/// header, call the browser API, POST the credential in WebAuthn's JSON form,
/// follow the returned redirect. Cancels and errors are shown, not swallowed.
const WEBAUTHN_JS: &str = r#"(function(){
var el=document.getElementById('webauthn'),btn=document.getElementById('webauthn-start'),msg=document.getElementById('webauthn-message');
var csrf=document.querySelector('meta[name="csrf-token"]').content;
function dec(s){s=s.replace(/-/g,'+').replace(/_/g,'/');while(s.length%4)s+='=';var b=atob(s),a=new Uint8Array(b.length);for(var i=0;i<b.length;i++)a[i]=b.charCodeAt(i);return a.buffer;}
function enc(buf){var a=new Uint8Array(buf),s='';for(var i=0;i<a.length;i++)s+=String.fromCharCode(a[i]);return btoa(s).replace(/\+/g,'-').replace(/\//g,'_').replace(/=+$/,'');}
function post(url,body){return fetch(url,{method:'POST',credentials:'same-origin',headers:{'Content-Type':'application/json','X-CSRF-Token':csrf},body:JSON.stringify(body||{})}).then(function(r){return r.json().catch(function(){return {};}).then(function(j){if(!r.ok)throw new Error(j.error_description||j.error||('HTTP '+r.status));return j;});});}
function run(){msg.textContent='';btn.disabled=true;
 if(!window.PublicKeyCredential){msg.textContent='This browser does not support security keys.';btn.disabled=false;return;}
 post(el.dataset.webauthnBegin).then(function(opts){var pk=opts.publicKey;pk.challenge=dec(pk.challenge);
  if(el.dataset.mode==='register'){pk.user.id=dec(pk.user.id);(pk.excludeCredentials||[]).forEach(function(c){c.id=dec(c.id);});
   return navigator.credentials.create({publicKey:pk}).then(function(c){return {id:c.id,rawId:enc(c.rawId),type:c.type,extensions:c.getClientExtensionResults(),response:{attestationObject:enc(c.response.attestationObject),clientDataJSON:enc(c.response.clientDataJSON)}};});}
  (pk.allowCredentials||[]).forEach(function(c){c.id=dec(c.id);});
  return navigator.credentials.get({publicKey:pk}).then(function(c){return {id:c.id,rawId:enc(c.rawId),type:c.type,extensions:c.getClientExtensionResults(),response:{authenticatorData:enc(c.response.authenticatorData),clientDataJSON:enc(c.response.clientDataJSON),signature:enc(c.response.signature),userHandle:c.response.userHandle?enc(c.response.userHandle):null}};});
 }).then(function(body){return post(el.dataset.webauthnFinish,body);}).then(function(res){window.location.assign(res.redirect);})
 .catch(function(e){msg.textContent=(e&&e.name==='NotAllowedError')?'The request was cancelled or timed out. Try again.':('Security key error: '+(e&&e.message?e.message:e));btn.disabled=false;});}
btn.addEventListener('click',run);
if(el.dataset.autostart==='true'){run();}
})();"#;

pub struct WebauthnPage<'a> {
    pub register: bool,
    /// Registering the account's first second factor (trust on first use).
    pub first_factor: bool,
    pub begin: &'a str,
    pub finish: &'a str,
    pub csrf: &'a str,
    /// The response's script nonce (`CspNonce::of`): the page's script needs it.
    pub nonce: &'a str,
    /// Another way to pass this step (href, label).
    pub alternative: Option<(&'a str, &'a str)>,
}

pub fn webauthn(p: &WebauthnPage<'_>) -> String {
    let (title, intro, button) = if p.register {
        (
            "Add a security key",
            if p.first_factor {
                "This sign-in needs a security key or passkey. Register one now: your browser will ask you to touch the key or confirm with your fingerprint, face or PIN."
            } else {
                "You confirmed it's you with your existing second factor. This sign-in needs a security key or passkey as well: register one now, and your browser will ask you to touch the key or confirm with your fingerprint, face or PIN."
            },
            "Register security key",
        )
    } else {
        (
            "Use your security key",
            "Confirm with your security key or passkey to continue.",
            "Use security key",
        )
    };
    let alt = p
        .alternative
        .map(|(href, label)| {
            format!(
                "<p class=\"sub mt\"><a href=\"{}\">{}</a></p>",
                esc(href),
                esc(label)
            )
        })
        .unwrap_or_default();
    layout_with_head(
        title,
        &format!("<meta name=\"csrf-token\" content=\"{}\">", esc(p.csrf)),
        &format!(
            "<h1>{title}</h1>{first}<p class=\"sub\">{intro}</p>\
<div id=\"webauthn\" data-mode=\"{mode}\" data-webauthn-begin=\"{begin}\" data-webauthn-finish=\"{finish}\">\
<p id=\"webauthn-message\" class=\"danger-text\" role=\"alert\"></p>\
<button type=\"button\" id=\"webauthn-start\">{button}</button></div>\
<noscript><div class=\"error\">Security keys need JavaScript enabled.</div></noscript>{alt}<script nonce=\"{nonce}\">{WEBAUTHN_JS}</script>",
            mode = if p.register {
                "register"
            } else {
                "authenticate"
            },
            first = if p.register && p.first_factor {
                FIRST_FACTOR
            } else {
                ""
            },
            begin = esc(p.begin),
            finish = esc(p.finish),
            nonce = esc(p.nonce),
        ),
    )
}

/// A user with several usable factors chooses one (`method=` links).
/// The second factors a sign-in may be confirmed with: a link to each.
pub struct Choice<'a> {
    pub webauthn: Option<&'a str>,
    pub totp: Option<&'a str>,
    pub email: Option<&'a str>,
}

pub fn factor_choice(c: &Choice<'_>) -> String {
    let link = |href: Option<&str>, class: &str, text: &str| {
        href.map(|h| format!("<a class=\"{class}\" href=\"{}\">{text}</a>", esc(h)))
            .unwrap_or_default()
    };
    layout(
        "Two-step verification",
        &format!(
            "<h1>Two-step verification</h1><p class=\"sub\">Choose how to confirm it's you.</p>{w}{t}{e}",
            w = link(c.webauthn, "button", "Use a security key or passkey"),
            t = link(
                c.totp,
                "button secondary",
                "Enter a code from your authenticator app"
            ),
            e = link(c.email, "button secondary", "Email me a code"),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrollment_page_carries_the_contract_attributes() {
        let html = enroll_totp(&EnrollTotp {
            action: "/e",
            csrf: "c",
            otpauth: "otpauth://totp/Portcullis:a?secret=X&issuer=Portcullis",
            secret_b32: "ABCDEFGH",
            qr_svg: "<svg></svg>",
            error: None,
            security_key_href: Some("/x?method=webauthn"),
            first_factor: true,
        });
        assert!(html.contains("id=\"first-factor\""));
        assert!(html.contains("method=webauthn"));
        assert!(html.contains(
            "data-otpauth=\"otpauth://totp/Portcullis:a?secret=X&amp;issuer=Portcullis\""
        ));
        assert!(html.contains("ABCD EFGH"));
        assert!(html.contains("name=\"code\""));
        assert!(html.contains("<svg"));
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }

    #[test]
    fn login_form_has_the_contract_inputs() {
        let chrome = Chrome::fallback();
        let html = LoginForm {
            chrome: &chrome,
            action: "/x",
            csrf: "t<",
            client_name: "Jira",
            client_logo: None,
            username: "",
            error: Some("Bad"),
            forgot_href: "/forgot-password",
            signup_href: None,
        }
        .render()
        .unwrap();
        assert!(html.contains("name=\"username\""));
        assert!(html.contains("name=\"password\""));
        assert!(html.contains("type=\"hidden\" name=\"csrf_token\" value=\"t&#60;\""));
        assert!(html.contains("aria-describedby=\"login-error\""));
        assert!(html.contains("Bad"));
        assert!(html.contains("<html lang=\"en\">"));
    }

    #[test]
    fn error_page_escapes_its_message() {
        let html = error_page("Oops", "<script>alert(1)</script>");
        assert!(!html.contains("<script>"));
        assert!(html.contains("Oops"));
    }
}
