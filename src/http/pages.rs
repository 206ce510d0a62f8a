//! Server-rendered pages: plain HTML forms that work without JavaScript
//! (CONTRACT §4). Every dynamic value goes through [`esc`].

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

const STYLE: &str = "
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f3f4f6;color:#111827}
main{max-width:26rem;margin:8vh auto;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.1),0 8px 24px rgba(0,0,0,.06);padding:2rem}
h1{font-size:1.35rem;margin:0 0 .25rem}
p.sub{color:#6b7280;margin:0 0 1.5rem}
label{display:block;font-weight:600;font-size:.9rem;margin:.9rem 0 .3rem}
input[type=text],input[type=password],input[type=email]{width:100%;padding:.6rem .75rem;border:1px solid #d1d5db;border-radius:8px;font-size:1rem}
input:focus{outline:2px solid #2563eb;border-color:#2563eb}
button,.button{display:inline-block;width:100%;margin-top:1.25rem;padding:.7rem;border:0;border-radius:8px;background:#1d4ed8;color:#fff;font-size:1rem;font-weight:600;cursor:pointer;text-align:center;text-decoration:none}
.error{background:#fef2f2;color:#991b1b;border:1px solid #fecaca;border-radius:8px;padding:.6rem .8rem;margin-bottom:1rem}
.note{background:#eff6ff;color:#1e3a8a;border-radius:8px;padding:.6rem .8rem;margin-bottom:1rem}
.brand{font-weight:700;letter-spacing:.02em;color:#1d4ed8;margin-bottom:1rem}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}
";

pub fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{t} · Portcullis</title><style>{STYLE}</style></head>\
<body><main><div class=\"brand\">Portcullis</div>{body}</main></body></html>",
        t = esc(title)
    )
}

pub fn error_page(title: &str, message: &str) -> String {
    layout(
        title,
        &format!("<h1>{}</h1><p>{}</p>", esc(title), esc(message)),
    )
}

fn error_box(error: Option<&str>) -> String {
    error
        .map(|e| format!("<div class=\"error\" role=\"alert\">{}</div>", esc(e)))
        .unwrap_or_default()
}

pub struct LoginForm<'a> {
    pub action: &'a str,
    pub csrf: &'a str,
    pub client_name: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
}

pub fn login(f: &LoginForm<'_>) -> String {
    layout(
        "Sign in",
        &format!(
            "<h1>Sign in</h1><p class=\"sub\">to continue to {client}</p>{err}\
<form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
<label for=\"username\">Username</label>\
<input type=\"text\" id=\"username\" name=\"username\" value=\"{user}\" autocomplete=\"username\" autocapitalize=\"none\" required autofocus>\
<label for=\"password\">Password</label>\
<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required>\
<button type=\"submit\">Sign in</button></form>",
            client = esc(f.client_name),
            err = error_box(f.error),
            action = esc(f.action),
            csrf = esc(f.csrf),
            user = esc(f.username),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }

    #[test]
    fn login_form_has_the_contract_inputs() {
        let html = login(&LoginForm {
            action: "/x",
            csrf: "t<",
            client_name: "Jira",
            username: "",
            error: Some("Bad"),
        });
        assert!(html.contains("name=\"username\""));
        assert!(html.contains("name=\"password\""));
        assert!(html.contains("type=\"hidden\" name=\"csrf_token\" value=\"t&lt;\""));
        assert!(html.contains("Bad"));
    }
}
