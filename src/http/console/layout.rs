//! The frame of every console page (`templates/console/base.html`): style,
//! confirmation script, navigation, and the fixed message after an action.
//! The console speaks English only, and its `<html lang>` says so.

use actix_web::HttpRequest;

use crate::admin::console::ConsoleSession;
use crate::http::security_headers::CspNonce;
use crate::http::state::AppState;

/// Inlined in every console page; allowed by its hash (see `security_headers`).
pub(crate) const STYLE: &str = "
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f3f4f6;color:#111827}
header{background:#1e293b;color:#fff;padding:.7rem 1.5rem;display:flex;gap:1.5rem;align-items:center}
header a{color:#cbd5e1;text-decoration:none}header a.on,header a:hover{color:#fff}header .who{margin-left:auto;color:#94a3b8}
header form{margin:0}header button{background:none;border:1px solid #475569;color:#e2e8f0;border-radius:6px;padding:.25rem .6rem;cursor:pointer}
main{max-width:72rem;margin:1.5rem auto;padding:0 1rem}.card{background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:1.25rem;margin-bottom:1rem}
h1{font-size:1.3rem;margin:0 0 1rem}.tabs{display:flex;gap:.25rem;border-bottom:1px solid #e5e7eb;margin-bottom:1rem}
.tabs a{padding:.5rem .9rem;text-decoration:none;color:#4b5563;border-bottom:2px solid transparent}.tabs a.on{color:#1d4ed8;border-color:#1d4ed8;font-weight:600}
.bar{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;margin-bottom:.75rem}
input[type=text],input[type=email],input[type=password],input[type=search],select,input[type=number]{padding:.45rem .6rem;border:1px solid #d1d5db;border-radius:7px;font-size:.95rem}
button,.btn{padding:.45rem .9rem;border:0;border-radius:7px;background:#1d4ed8;color:#fff;font-weight:600;cursor:pointer;text-decoration:none;font-size:.9rem}
button.danger{background:#b91c1c}button.quiet{background:#e5e7eb;color:#111827}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:.5rem .45rem;border-bottom:1px solid #f1f5f9;vertical-align:middle}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:#6b7280}tr:hover td{background:#f8fafc}
.pill{display:inline-block;padding:.05rem .5rem;border-radius:99px;font-size:.8rem;font-weight:600}.on2{background:#dcfce7;color:#166534}.off2{background:#fee2e2;color:#991b1b}
.muted{color:#6b7280;font-size:.85rem}.note{background:#eff6ff;color:#1e3a8a;border-radius:8px;padding:.6rem .8rem;margin-bottom:1rem}
.error{background:#fef2f2;color:#991b1b;border-radius:8px;padding:.6rem .8rem;margin-bottom:1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.6rem}label{display:block;font-size:.85rem;font-weight:600;margin-bottom:.2rem}
.progress{height:14px;background:#e5e7eb;border-radius:99px;overflow:hidden}.progress>div{height:100%;background:#16a34a;width:0;transition:width .3s}
details summary{cursor:pointer;font-weight:600}
.m0{margin:0}.push{margin:0 0 0 auto}.mt{margin-top:.75rem}
";

/// Confirmation dialogs: any form with `data-confirm` asks first.
pub(crate) const SCRIPT: &str = "document.addEventListener('submit',function(e){var f=e.target,m=f.getAttribute('data-confirm');\
if(f.id==='bulk'){var n=document.querySelectorAll('input[name=ids]:checked').length;if(!n){alert('Select at least one user.');e.preventDefault();return;}\
var a=f.querySelector('select[name=action]');m=a.options[a.selectedIndex].text+' for '+n+' user(s)?';}\
if(m&&!confirm(m)){e.preventDefault();}});\
var all=document.getElementById('select-all');if(all){all.addEventListener('change',function(){document.querySelectorAll('input[name=ids]').forEach(function(c){c.checked=all.checked;});});}";

/// The sections in the header: (path below the issuer, name, key).
const NAV: [(&str, &str, &str); 3] = [
    ("/admin/users", "Users", "users"),
    ("/admin/apps", "Applications", "apps"),
    ("/admin/import", "Import", "import"),
];

/// What the frame of a console page prints: every field is escaped by the
/// template.
pub(crate) struct Frame {
    /// The issuer's path, prefixed to every link and form.
    pub base: String,
    /// The console session's CSRF token (forms and `<meta name="csrf-token">`).
    pub csrf: String,
    /// The signed-in administrator.
    pub who: String,
    /// The response's script nonce (`CspNonce::of`).
    pub nonce: String,
    pub title: String,
    /// The key of the section in [`NAV`] to mark as current.
    pub active: &'static str,
}

impl Frame {
    pub fn new(
        state: &AppState,
        s: &ConsoleSession,
        req: &HttpRequest,
        title: &str,
        active: &'static str,
    ) -> Self {
        Self {
            base: state.settings.issuer_path(),
            csrf: s.csrf.clone(),
            who: s.username.clone(),
            nonce: CspNonce::of(req),
            title: title.to_owned(),
            active,
        }
    }

    pub fn nav(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        &NAV
    }
}

/// Fixed texts for the message after an action (never reflected from the URL).
pub(crate) fn flash(code: Option<&str>) -> Option<&'static str> {
    Some(match code.unwrap_or_default() {
        "created" => "User created; the welcome or set-password mail is on its way.",
        "updated" => "Changes saved.",
        "deleted" => "User deleted.",
        "password" => "Password set; the user's sessions and tokens were ended.",
        "mfa" => "Second factors removed: the user enrolls again at the next sign-in.",
        "signed-out" => "The user's sessions and tokens were ended.",
        "disabled" => "User disabled; their sessions and tokens were ended.",
        "enabled" => "User enabled.",
        "2fa-on" => "2FA switched on.",
        "2fa-off" => "2FA switched off.",
        "bulk" => "Bulk action done.",
        _ => return None,
    })
}
