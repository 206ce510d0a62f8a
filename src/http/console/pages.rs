//! Console pages: the users table (tabs, search, bulk bar, add-user form) and
//! one user's page (edit, password, reset MFA, 2FA switch, delete).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{ctx, redirect_to_login, session};
use crate::admin::console::ConsoleSession;
use crate::db::user_admin::{self, AdminUser, Query, TwoFactorFilter};
use crate::http::errors::PageError;
use crate::http::html;
use crate::http::pages::esc;
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
const SCRIPT: &str = "document.addEventListener('submit',function(e){var f=e.target,m=f.getAttribute('data-confirm');\
if(f.id==='bulk'){var n=document.querySelectorAll('input[name=ids]:checked').length;if(!n){alert('Select at least one user.');e.preventDefault();return;}\
var a=f.querySelector('select[name=action]');m=a.options[a.selectedIndex].text+' for '+n+' user(s)?';}\
if(m&&!confirm(m)){e.preventDefault();}});\
var all=document.getElementById('select-all');if(all){all.addEventListener('change',function(){document.querySelectorAll('input[name=ids]').forEach(function(c){c.checked=all.checked;});});}";

/// A console page; `nonce` is the response's script nonce (`CspNonce::of`).
pub(crate) fn layout(
    state: &AppState,
    s: &ConsoleSession,
    nonce: &str,
    title: &str,
    active: &str,
    body: &str,
) -> String {
    let base = state.settings.issuer_path();
    let nav = |href: &str, name: &str, key: &str| {
        format!(
            "<a href=\"{base}{href}\"{}>{name}</a>",
            if key == active { " class=\"on\"" } else { "" }
        )
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta name=\"csrf-token\" content=\"{csrf}\"><title>{t} · Portcullis admin</title><style>{STYLE}</style></head><body>\
<header><strong>Portcullis admin</strong>{users}{import}<span class=\"who\">{who}</span>\
<form method=\"post\" action=\"{base}/admin/logout\"><input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\"><button>Sign out</button></form></header>\
<main>{body}</main><script nonce=\"{nonce}\">{SCRIPT}</script></body></html>",
        csrf = esc(&s.csrf),
        t = esc(title),
        users = nav("/admin/users", "Users", "users"),
        import = nav("/admin/import", "Import", "import"),
        who = esc(&s.username),
        nonce = esc(nonce),
    )
}

/// Fixed texts for the message after an action (never reflected from the URL).
pub(crate) fn flash(code: Option<&str>) -> String {
    let text = match code.unwrap_or_default() {
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
        _ => return String::new(),
    };
    format!("<div class=\"note\" id=\"flash\">{text}</div>")
}

#[derive(Deserialize)]
pub struct ListParams {
    tab: Option<String>,
    q: Option<String>,
    page: Option<u64>,
    msg: Option<String>,
    error: Option<String>,
}

fn factors_cell(u: &AdminUser) -> String {
    if u.factors.is_empty() {
        return "<span class=\"muted\">none</span>".into();
    }
    let mut parts: Vec<String> = u
        .factors
        .iter()
        .filter(|f| *f != "recovery_codes")
        .map(|f| f.to_uppercase())
        .collect();
    if u.recovery_codes_left > 0 {
        parts.push(format!("{} codes", u.recovery_codes_left));
    }
    esc(&parts.join(" · "))
}

pub async fn users(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: web::Query<ListParams>,
) -> Result<HttpResponse, PageError> {
    let Some(s) = session(&state, &req).await? else {
        return Ok(redirect_to_login(&state));
    };
    let tab = match p.tab.as_deref() {
        Some("enabled") => TwoFactorFilter::Enabled,
        Some("disabled") => TwoFactorFilter::Disabled,
        _ => TwoFactorFilter::All,
    };
    let tab_key = match tab {
        TwoFactorFilter::Enabled => "enabled",
        TwoFactorFilter::Disabled => "disabled",
        TwoFactorFilter::All => "all",
    };
    let q = p.q.clone().unwrap_or_default();
    let page = p.page.unwrap_or(1).max(1);
    let per_page = 25;
    let res = user_admin::search(
        &ctx(&state, &s).db,
        &Query {
            q: Some(q.clone()),
            two_factor: tab,
            page,
            per_page,
        },
    )
    .await?;
    let base = state.settings.issuer_path();
    let link = |t: &str, pg: u64| {
        format!(
            "{base}/admin/users?{}",
            serde_urlencoded::to_string([("tab", t), ("q", q.as_str()), ("page", &pg.to_string())])
                .unwrap_or_default()
        )
    };
    let tabs: String = [
        ("enabled", "2FA enabled"),
        ("disabled", "2FA disabled"),
        ("all", "All users"),
    ]
    .iter()
    .map(|(k, name)| {
        format!(
            "<a href=\"{}\" id=\"tab-{k}\"{}>{name}</a>",
            esc(&link(k, 1)),
            if *k == tab_key { " class=\"on\"" } else { "" }
        )
    })
    .collect();
    // The seed's tab rules: the enabled tab offers only disable, the disabled tab only enable.
    let mut actions = Vec::new();
    if tab != TwoFactorFilter::Enabled {
        actions.push(("enable_2fa", "Enable 2FA"));
    }
    if tab != TwoFactorFilter::Disabled {
        actions.push(("disable_2fa", "Disable 2FA"));
    }
    actions.push(("reset_mfa", "Reset MFA"));
    actions.push(("delete", "Delete users"));
    let options: String = actions
        .iter()
        .map(|(v, t)| format!("<option value=\"{v}\">{t}</option>"))
        .collect();
    let rows: String = res
        .items
        .iter()
        .map(|u| {
            format!(
                "<tr data-user=\"{name}\"><td><input type=\"checkbox\" name=\"ids\" value=\"{id}\" form=\"bulk\" aria-label=\"select {name}\"></td>\
<td><a href=\"{base}/admin/users/{id}\">{name}</a></td><td>{full}</td><td>{email}</td><td>{groups}</td>\
<td><span class=\"pill {cls}\">{tf}</span></td><td>{factors}</td><td class=\"muted\">{last}</td></tr>",
                id = esc(&u.user.id),
                name = esc(&u.user.username),
                full = esc(&u.user.full_name()),
                email = esc(&u.user.email),
                groups = esc(&u.groups.join(", ")),
                cls = if u.user.two_factor { "on2" } else { "off2" },
                tf = if u.user.two_factor { "on" } else { "off" },
                factors = factors_cell(u),
                last = u
                    .user
                    .last_login
                    .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "never".into()),
            )
        })
        .collect();
    let pages = res.total.div_ceil(per_page).max(1);
    let prev = if page > 1 {
        format!(
            "<a class=\"btn\" href=\"{}\">‹ Previous</a>",
            esc(&link(tab_key, page - 1))
        )
    } else {
        String::new()
    };
    let next = if page < pages {
        format!(
            "<a class=\"btn\" id=\"next-page\" href=\"{}\">Next ›</a>",
            esc(&link(tab_key, page + 1))
        )
    } else {
        String::new()
    };
    let error = match p.error.as_deref() {
        Some("tab") => "<div class=\"error\">That action is not available on this tab.</div>",
        Some("input") => {
            "<div class=\"error\">Check the fields: username and email are required, a password needs 8 characters.</div>"
        }
        Some("exists") => "<div class=\"error\">A user with that username or email exists.</div>",
        _ => "",
    };
    let body = format!(
        "<h1>Users</h1>{flash}{error}<div class=\"card\"><div class=\"tabs\">{tabs}</div>\
<div class=\"bar\"><form method=\"get\" action=\"{base}/admin/users\" class=\"bar m0\"><input type=\"hidden\" name=\"tab\" value=\"{tab_key}\">\
<input type=\"search\" name=\"q\" id=\"search\" value=\"{q}\" placeholder=\"Search name, email or username\" size=\"32\"><button class=\"quiet\">Search</button></form>\
<form method=\"post\" action=\"{base}/admin/users/bulk\" id=\"bulk\" class=\"bar push\">\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\"><input type=\"hidden\" name=\"tab\" value=\"{tab_key}\">\
<select name=\"action\" id=\"bulk-action\">{options}</select><button id=\"bulk-perform\">Perform</button></form></div>\
<table><thead><tr><th><input type=\"checkbox\" id=\"select-all\" aria-label=\"select all\"></th><th>Username</th><th>Name</th><th>Email</th><th>Groups</th><th>2FA</th><th>Factors</th><th>Last sign-in</th></tr></thead>\
<tbody>{rows}</tbody></table><div class=\"bar mt\"><span class=\"muted\" id=\"total\">{total} users · page {page} of {pages}</span>{prev}{next}</div></div>\
<div class=\"card\"><details id=\"add-user\"><summary>Add user</summary>\
<form method=\"post\" action=\"{base}/admin/users\" class=\"mt\"><input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\"><div class=\"grid\">\
<div><label for=\"first_name\">First name</label><input type=\"text\" id=\"first_name\" name=\"first_name\"></div>\
<div><label for=\"last_name\">Last name</label><input type=\"text\" id=\"last_name\" name=\"last_name\"></div>\
<div><label for=\"email\">Email</label><input type=\"email\" id=\"email\" name=\"email\" required></div>\
<div><label for=\"username\">Username</label><input type=\"text\" id=\"username\" name=\"username\" required></div>\
<div><label for=\"new-password\">Password (optional)</label><input type=\"password\" id=\"new-password\" name=\"password\" autocomplete=\"new-password\"></div></div>\
<p class=\"muted\">With a password the user gets a welcome mail; without one, a link to choose a password.</p><button id=\"create-user\">Create user</button></form></details></div>",
        flash = flash(p.msg.as_deref()),
        q = esc(&q),
        csrf = esc(&s.csrf),
        total = res.total,
    );
    Ok(html(
        StatusCode::OK,
        layout(&state, &s, &CspNonce::of(&req), "Users", "users", &body),
    ))
}

pub async fn user(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    p: web::Query<ListParams>,
) -> Result<HttpResponse, PageError> {
    let Some(s) = session(&state, &req).await? else {
        return Ok(redirect_to_login(&state));
    };
    let u = match user_admin::get(&ctx(&state, &s).db, &id).await {
        Ok(u) => u,
        Err(crate::db::DbError::NotFound) => {
            return Err(PageError::Status(
                StatusCode::NOT_FOUND,
                "No such user.".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let base = state.settings.issuer_path();
    let action = format!("{base}/admin/users/{}", esc(&u.user.id));
    let csrf = esc(&s.csrf);
    let form = |op: &str, confirm: Option<&str>, inner: &str, button: &str, cls: &str| {
        format!(
            "<form method=\"post\" action=\"{action}\"{c}><input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\"><input type=\"hidden\" name=\"op\" value=\"{op}\">{inner}<button class=\"{cls}\" id=\"op-{op}\">{button}</button></form>",
            c = confirm
                .map(|m| format!(" data-confirm=\"{}\"", esc(m)))
                .unwrap_or_default(),
        )
    };
    let field = |name: &str, label: &str, value: &str| {
        format!(
            "<div><label for=\"{name}\">{label}</label><input type=\"text\" id=\"{name}\" name=\"{name}\" placeholder=\"{v}\"></div>",
            v = esc(value)
        )
    };
    let edit = form(
        "edit",
        None,
        &format!(
            "<div class=\"grid\">{}{}{}{}{}</div><p class=\"muted\">Fields left empty stay unchanged.</p>",
            field("first_name", "First name", &u.user.first_name),
            field("last_name", "Last name", &u.user.last_name),
            field("display_name", "Display name", &u.user.display_name),
            field("email", "Email", &u.user.email),
            field("username", "Username", &u.user.username),
        ),
        "Save changes",
        "",
    );
    let password = form(
        "password",
        None,
        "<div class=\"grid\"><div><label for=\"password\">New password</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"new-password\" minlength=\"8\" required></div>\
<div><label for=\"password_confirm\">Repeat it</label><input type=\"password\" id=\"password_confirm\" name=\"password_confirm\" autocomplete=\"new-password\" minlength=\"8\" required></div></div><br>",
        "Save password",
        "",
    );
    let switch = if u.user.two_factor {
        form(
            "2fa-off",
            Some("Switch 2FA off for this user?"),
            "",
            "Disable 2FA",
            "quiet",
        )
    } else {
        form("2fa-on", None, "", "Enable 2FA", "")
    };
    let reset = form(
        "reset-mfa",
        Some(
            "Remove every second factor and recovery code of this user? They enroll again at the next sign-in.",
        ),
        "",
        "Reset MFA",
        "quiet",
    );
    let sign_out = form(
        "sign-out",
        Some("End every session of this user and revoke their tokens? They sign in again."),
        "",
        "Sign out everywhere",
        "quiet",
    );
    let status = if u.user.active {
        form(
            "disable",
            Some("Disable this user? They cannot sign in, and their sessions and tokens end."),
            "",
            "Disable user",
            "quiet",
        )
    } else {
        form("enable", None, "", "Enable user", "")
    };
    let delete = form(
        "delete",
        Some("Delete this user permanently? This cannot be undone."),
        "",
        "Delete user",
        "danger",
    );
    let error = match p.error.as_deref() {
        Some("input") => {
            "<div class=\"error\">Check the fields (a password needs 8 characters and both entries must match).</div>"
        }
        Some("exists") => "<div class=\"error\">Another user has that username or email.</div>",
        _ => "",
    };
    let body = format!(
        "<h1>{name}</h1>{flash}{error}<div class=\"card\"><p>{full} · {email}{inactive} · 2FA <span class=\"pill {cls}\">{tf}</span> · factors: {factors} · groups: {groups}</p>\
<div class=\"bar\">{switch}{reset}{sign_out}{status}{delete}</div></div><div class=\"card\"><h2>Edit</h2>{edit}</div><div class=\"card\"><h2>Reset password</h2>{password}</div>",
        name = esc(&u.user.username),
        flash = flash(p.msg.as_deref()),
        full = esc(&u.user.full_name()),
        email = esc(&u.user.email),
        inactive = if u.user.active {
            ""
        } else {
            " · <span class=\"pill off2\">disabled</span>"
        },
        cls = if u.user.two_factor { "on2" } else { "off2" },
        tf = if u.user.two_factor { "on" } else { "off" },
        factors = factors_cell(&u),
        groups = esc(&u.groups.join(", ")),
    );
    Ok(html(
        StatusCode::OK,
        layout(
            &state,
            &s,
            &CspNonce::of(&req),
            &u.user.username,
            "users",
            &body,
        ),
    ))
}
