//! A relying party's own logo and name (`logo_uri`, `client_name`) appear on
//! its login page and nowhere else; the page's policy lets that image load.

use crate::helpers::*;

fn logo_src(html: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("#client-logo").unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("src").map(str::to_owned))
}

#[tokio::test]
async fn the_logo_shows_on_its_clients_login_page_only() {
    let app = spawn_app().await;
    let made = cli(
        &app,
        &[
            "client",
            "create",
            "--name",
            "Acme Service Desk",
            "--redirect-uri",
            "http://127.0.0.1:9/callback",
            "--logo-uri",
            "https://cdn.acme.example/logo.png",
        ],
    )
    .unwrap();
    let acme = TestClient {
        client_id: made["client_id"].as_str().unwrap().to_owned(),
        secret: made["client_secret"].as_str().map(str::to_owned),
        redirect_uri: "http://127.0.0.1:9/callback".into(),
    };
    let other = app.client(false).await;

    let browser = Browser::new(&app);
    let r = browser
        .http
        .get(app.url(&format!("/authorize?{}", AuthParams::new(&acme).query())))
        .send()
        .await
        .unwrap();
    let login = r.headers()["location"].to_str().unwrap().to_owned();
    let r = browser
        .http
        .get(browser.absolute(&login))
        .send()
        .await
        .unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = r.text().await.unwrap();
    assert_eq!(
        logo_src(&html).as_deref(),
        Some("https://cdn.acme.example/logo.png"),
        "{html}"
    );
    assert!(html.contains("Acme Service Desk"));
    assert!(
        csp.contains("img-src 'self' https://cdn.acme.example;"),
        "{csp}"
    );

    // Another client's login page shows neither, and its policy allows no such image.
    let r = browser
        .http
        .get(app.url(&format!("/authorize?{}", AuthParams::new(&other).query())))
        .send()
        .await
        .unwrap();
    let login = r.headers()["location"].to_str().unwrap().to_owned();
    let r = browser
        .http
        .get(browser.absolute(&login))
        .send()
        .await
        .unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = r.text().await.unwrap();
    assert_eq!(logo_src(&html), None);
    assert!(!html.contains("cdn.acme.example"));
    assert!(!html.contains("Acme Service Desk"));
    assert!(!csp.contains("cdn.acme.example"), "{csp}");

    // A logo that is not a web URL is refused.
    let err = cli(
        &app,
        &[
            "client",
            "create",
            "--name",
            "Bad",
            "--redirect-uri",
            "http://127.0.0.1:9/callback",
            "--logo-uri",
            "javascript:alert(1)",
        ],
    )
    .unwrap_err();
    assert!(err.contains("--logo-uri"), "{err}");
}

#[tokio::test]
async fn branding_comes_from_the_ui_settings() {
    let dir = tempfile::tempdir().unwrap();
    let css = dir.path().join("brand.css");
    std::fs::write(&css, "main{border-top:4px solid #7a1f2b}").unwrap();
    let app = spawn_with(Options {
        toml: format!(
            "[ui]\nproduct_name = \"Acme Login\"\nlogo_url = \"https://cdn.acme.example/acme.svg\"\nprimary_color = \"#7a1f2b\"\ncustom_css = \"{}\"\n[ui.footer_links]\nPrivacy = \"https://acme.example/privacy\"\nImprint = \"https://acme.example/imprint\"\n",
            css.display()
        ),
        ..Options::default()
    })
    .await;
    let client = app.client(false).await;
    let page = Browser::new(&app)
        .authorize(&AuthParams::new(&client))
        .await;
    let html = page.html();
    assert!(
        html.contains("<title>Sign in · Acme Login</title>"),
        "{html}"
    );
    assert!(
        html.contains("src=\"https://cdn.acme.example/acme.svg\""),
        "{html}"
    );
    assert!(html.contains(">Privacy</a>") && html.contains("https://acme.example/imprint"));
    assert_eq!(first_attr(html, "rel"), Some("stylesheet".into()));
    let theme = reqwest::get(app.url("/ui/theme.css")).await.unwrap();
    assert_eq!(theme.headers()["content-type"], "text/css; charset=utf-8");
    let text = theme.text().await.unwrap();
    assert!(text.contains("--primary:#7a1f2b"), "{text}");
    assert!(text.contains("border-top:4px solid #7a1f2b"), "{text}");
}
