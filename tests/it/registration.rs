//! Dynamic client registration (RFC 7591) as a real relying party does it: the
//! openidconnect crate discovers the endpoint, registers, and the new client then
//! signs a user in.

use openidconnect::core::{
    CoreApplicationType, CoreClientAuthMethod, CoreClientRegistrationRequest,
    CoreClientRegistrationResponse, CoreGrantType, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreRegisterErrorResponseType, CoreResponseType,
};
use openidconnect::registration::EmptyAdditionalClientMetadata;
use openidconnect::{
    AccessToken, AuthenticationContextClass, ClientContactEmail, ClientName, HttpRequest,
    HttpResponse, IssuerUrl, LogoUrl, RedirectUrl, RegistrationUrl, ResponseTypes,
};
use portcullis::db::clients;
use serde_json::{Value, json};

use crate::helpers::*;

pub const INITIAL_TOKEN: &str = "initial-access-token-for-the-tests";
pub const REDIRECT: &str = "http://127.0.0.1:9/wiki/callback";

/// A server with registration enabled; `extra` continues the `[registration]`
/// table (and may open further tables).
pub async fn spawn_registration(extra: &str) -> TestApp {
    spawn_with(Options {
        toml: format!("[registration]\ninitial_access_token = \"{INITIAL_TOKEN}\"\n{extra}"),
        ..Options::default()
    })
    .await
}

/// openidconnect's HTTP client: it implements `AsyncHttpClient` for any
/// `Fn(HttpRequest) -> impl Future<Output = Result<HttpResponse, E>>`.
pub async fn oidc_http(request: HttpRequest) -> Result<HttpResponse, reqwest::Error> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let response = http.execute(request.try_into()?).await?;
    let status = response.status();
    let headers = response.headers().clone();
    let mut out = HttpResponse::new(response.bytes().await?.to_vec());
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    Ok(out)
}

pub async fn discover(app: &TestApp) -> CoreProviderMetadata {
    CoreProviderMetadata::discover_async(IssuerUrl::new(app.issuer.clone()).unwrap(), &oidc_http)
        .await
        .unwrap()
}

/// A confidential web client, registered the way a relying party would.
pub async fn register_wiki(app: &TestApp) -> CoreClientRegistrationResponse {
    let endpoint = discover(app).await.registration_endpoint().unwrap().clone();
    CoreClientRegistrationRequest::new(
        vec![RedirectUrl::new(REDIRECT.into()).unwrap()],
        EmptyAdditionalClientMetadata {},
    )
    .set_initial_access_token(Some(AccessToken::new(INITIAL_TOKEN.into())))
    .set_client_name(Some(ClientName::new("Wiki".into()).into()))
    .set_application_type(Some(CoreApplicationType::Web))
    .set_grant_types(Some(vec![
        CoreGrantType::AuthorizationCode,
        CoreGrantType::RefreshToken,
    ]))
    .set_response_types(Some(vec![ResponseTypes::new(vec![CoreResponseType::Code])]))
    .set_token_endpoint_auth_method(Some(CoreClientAuthMethod::ClientSecretBasic))
    .set_id_token_signed_response_alg(Some(CoreJwsSigningAlgorithm::EcdsaP256Sha256))
    .set_default_acr_values(Some(vec![AuthenticationContextClass::new("pwd".into())]))
    .set_require_auth_time(Some(true))
    .set_contacts(Some(vec![ClientContactEmail::new(
        "ops@wiki.example".into(),
    )]))
    .set_logo_uri(Some(
        LogoUrl::new("https://wiki.example/logo.png".into())
            .unwrap()
            .into(),
    ))
    .register_async(&endpoint, &oidc_http)
    .await
    .unwrap()
}

pub fn test_client(r: &CoreClientRegistrationResponse, redirect_uri: &str) -> TestClient {
    TestClient {
        client_id: r.client_id().to_string(),
        secret: r.client_secret().map(|s| s.secret().clone()),
        redirect_uri: redirect_uri.into(),
    }
}

/// Signs `user` in with `client` in a fresh browser; returns the landing at the client.
pub async fn login(app: &TestApp, client: &TestClient, user: &TestUser) -> (AuthParams, Landing) {
    let browser = Browser::new(app);
    let params = AuthParams::new(client);
    let page = browser.authorize(&params).await;
    let back = browser.allow(browser.login(&page, user).await).await;
    (params, back)
}

fn jwt_header(jwt: &str) -> Value {
    use base64::Engine;
    let part = jwt.split('.').next().unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_client_registered_with_openidconnect_signs_a_user_in() {
    let app = spawn_registration("").await;
    let meta = discover(&app).await;
    assert_eq!(
        meta.registration_endpoint().unwrap().as_str(),
        app.url("/register")
    );

    let reg = register_wiki(&app).await;
    let secret = reg.client_secret().unwrap().secret().clone();
    assert!(secret.len() >= 43, "a 256-bit secret");
    let token = reg.registration_access_token().unwrap().secret().clone();
    assert!(token.len() >= 43);
    assert_eq!(
        reg.registration_client_uri().unwrap().as_str(),
        app.url(&format!("/register/{}", reg.client_id().as_str()))
    );
    assert_eq!(
        reg.client_secret_expires_at().unwrap().timestamp(),
        0,
        "0: the secret does not expire"
    );
    assert!(reg.client_id_issued_at().is_some());
    assert_eq!(
        reg.client_name().unwrap().get(None).unwrap().as_str(),
        "Wiki"
    );
    assert_eq!(
        reg.id_token_signed_response_alg(),
        Some(&CoreJwsSigningAlgorithm::EcdsaP256Sha256)
    );
    assert_eq!(reg.require_auth_time(), Some(true));

    // Stored as digests only, and marked as self-registered.
    let stored = clients::find(&app.state.db, reg.client_id().as_str())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.profile.dynamic);
    assert_ne!(stored.secret_hash.as_deref(), Some(secret.as_str()));
    assert_ne!(
        stored.profile.registration_token_hash.as_deref(),
        Some(token.as_str())
    );
    assert!(stored.verify_secret(&secret));
    assert!(stored.registration_token_matches(&token));
    assert_eq!(stored.profile.contacts, vec!["ops@wiki.example"]);
    assert_eq!(
        stored.grant_types,
        vec!["authorization_code", "refresh_token"]
    );

    let client = test_client(&reg, REDIRECT);
    let user = app.user("alice").await;
    let (params, back) = login(&app, &client, &user).await;
    let body: Value = app.token_response(&client, &params, &back).await;
    let id_token = body["id_token"].as_str().unwrap();
    let claims = app
        .verify_id_token(&client, id_token, Some(&params.nonce))
        .await;
    assert_eq!(claims.subject().as_str(), user.id);
    assert_eq!(claims.auth_context_ref().unwrap().as_str(), "pwd");
    assert!(claims.auth_time().is_some(), "require_auth_time");
    assert_eq!(jwt_header(id_token)["alg"], "ES256", "the registered alg");
}

#[tokio::test]
async fn a_native_public_client_with_a_private_use_scheme_signs_in_with_pkce() {
    let app = spawn_registration("").await;
    let redirect = "com.example.wiki:/oauth2redirect";
    let reg = CoreClientRegistrationRequest::new(
        vec![RedirectUrl::new(redirect.into()).unwrap()],
        EmptyAdditionalClientMetadata {},
    )
    .set_initial_access_token(Some(AccessToken::new(INITIAL_TOKEN.into())))
    .set_application_type(Some(CoreApplicationType::Native))
    .set_token_endpoint_auth_method(Some(CoreClientAuthMethod::None))
    .register_async(
        &RegistrationUrl::new(app.url("/register")).unwrap(),
        &oidc_http,
    )
    .await
    .unwrap();
    assert!(reg.client_secret().is_none(), "public: no secret");
    assert!(reg.client_secret_expires_at().is_none());
    let client = test_client(&reg, redirect);
    let user = app.user("bob").await;
    let (params, back) = login(&app, &client, &user).await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["sub"], user.id);
    assert_eq!(claims["aud"], client.client_id);
}

#[tokio::test]
async fn registration_needs_the_initial_access_token() {
    // Not configured: not offered, and refused.
    let off = spawn_app().await;
    assert!(discover(&off).await.registration_endpoint().is_none());
    let http = reqwest::Client::new();
    let body = json!({"redirect_uris": [REDIRECT]});
    let resp = http
        .post(off.url("/register"))
        .bearer_auth("anything")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(
        resp.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert!(clients::list(&off.state.db).await.unwrap().is_empty());

    let app = spawn_registration("").await;
    let request = CoreClientRegistrationRequest::new(
        vec![RedirectUrl::new(REDIRECT.into()).unwrap()],
        EmptyAdditionalClientMetadata {},
    );
    let endpoint = RegistrationUrl::new(app.url("/register")).unwrap();
    for token in [None, Some("wrong"), Some(&INITIAL_TOKEN[1..])] {
        let err = request
            .clone()
            .set_initial_access_token(token.map(|t| AccessToken::new(t.into())))
            .register_async(&endpoint, &oidc_http)
            .await
            .unwrap_err();
        match err {
            openidconnect::registration::ClientRegistrationError::Response(status, body, _) => {
                assert_eq!(status, 401, "{token:?}");
                let v: Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(v["error"], "invalid_token");
            }
            other => panic!("expected a 401, got {other:?}"),
        }
    }
    let resp = http
        .post(app.url("/register"))
        .bearer_auth("wrong")
        .json(&body)
        .send()
        .await
        .unwrap();
    let challenge = resp.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    let resp = http
        .post(app.url("/register"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.headers()["www-authenticate"],
        "Bearer realm=\"portcullis\""
    );
    assert!(clients::list(&app.state.db).await.unwrap().is_empty());
}

/// Posts raw client metadata with the initial access token.
pub async fn post_registration(app: &TestApp, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/register"))
        .bearer_auth(INITIAL_TOKEN)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// A client registered with `metadata` (its `redirect_uris` hold [`REDIRECT`]).
pub async fn register(app: &TestApp, metadata: Value) -> TestClient {
    let resp = post_registration(app, &metadata).await;
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    TestClient {
        client_id: v["client_id"].as_str().unwrap().to_owned(),
        secret: v["client_secret"].as_str().map(str::to_owned),
        redirect_uri: REDIRECT.to_owned(),
    }
}

#[tokio::test]
async fn every_invalid_registration_is_refused_with_the_rfc_7591_error() {
    let app = spawn_registration("").await;
    let web = |uri: &str| json!({"redirect_uris": [uri]});
    let with = |key: &str, value: Value| {
        let mut b = json!({"redirect_uris": [REDIRECT]});
        b[key] = value;
        b
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({}), "invalid_redirect_uri", "at least one"),
        (
            web("https://rp.example/cb#section"),
            "invalid_redirect_uri",
            "fragment",
        ),
        (web("/callback"), "invalid_redirect_uri", "absolute"),
        (web("http://rp.example/cb"), "invalid_redirect_uri", "https"),
        (
            web("https://me:pw@rp.example/cb"),
            "invalid_redirect_uri",
            "credentials",
        ),
        (web("com.example.app:/cb"), "invalid_redirect_uri", "native"),
        (
            json!({"redirect_uris": ["myapp:/cb"], "application_type": "native"}),
            "invalid_redirect_uri",
            "reverse-domain",
        ),
        (
            with(
                "post_logout_redirect_uris",
                json!(["http://rp.example/bye"]),
            ),
            "invalid_redirect_uri",
            "post_logout_redirect_uris",
        ),
        (
            with("grant_types", json!(["implicit"])),
            "invalid_client_metadata",
            "implicit",
        ),
        (
            with("grant_types", json!(["client_credentials"])),
            "invalid_client_metadata",
            "client_credentials",
        ),
        (
            with("response_types", json!(["token"])),
            "invalid_client_metadata",
            "only code",
        ),
        (
            with("grant_types", json!(["refresh_token"])),
            "invalid_client_metadata",
            "disagree",
        ),
        (
            with("response_types", json!([])),
            "invalid_client_metadata",
            "disagree",
        ),
        (
            with("token_endpoint_auth_method", json!("private_key_jwt")),
            "invalid_client_metadata",
            "token_endpoint_auth_method",
        ),
        (
            with("default_acr_values", json!(["gold"])),
            "invalid_client_metadata",
            "gold",
        ),
        (
            with("default_max_age", json!(-5)),
            "invalid_client_metadata",
            "default_max_age",
        ),
        (
            with("id_token_signed_response_alg", json!("none")),
            "invalid_client_metadata",
            "id_token_signed_response_alg",
        ),
        (
            with("id_token_encrypted_response_alg", json!("RSA-OAEP")),
            "invalid_client_metadata",
            "encryption",
        ),
        (
            with("userinfo_signed_response_alg", json!("none")),
            "invalid_client_metadata",
            "userinfo",
        ),
        (
            with("subject_type", json!("pairwise")),
            "invalid_client_metadata",
            "subject_type",
        ),
        (
            with("application_type", json!("tv")),
            "invalid_client_metadata",
            "application_type",
        ),
        (
            with("client_name", json!("  ")),
            "invalid_client_metadata",
            "client_name",
        ),
        (
            with("require_auth_time", json!("yes")),
            "invalid_client_metadata",
            "require_auth_time",
        ),
        (
            with("logo_uri", json!("javascript:alert(1)")),
            "invalid_client_metadata",
            "logo_uri",
        ),
        (
            with("logo_uri", json!("http://cdn.rp.example/logo.png")),
            "invalid_client_metadata",
            "https",
        ),
        (
            with("client_name", json!("x".repeat(101))),
            "invalid_client_metadata",
            "100 characters",
        ),
        (
            with("client_name", json!("Jira\u{202e}moc.evil")),
            "invalid_client_metadata",
            "invisible",
        ),
        (
            with("client_name", json!("Jira\nSign in to your bank")),
            "invalid_client_metadata",
            "control",
        ),
        (
            with("policy_uri", json!("policy")),
            "invalid_client_metadata",
            "policy_uri",
        ),
        (
            with("contacts", json!(["nobody"])),
            "invalid_client_metadata",
            "contacts",
        ),
        (
            with("redirect_uris", json!(REDIRECT)),
            "invalid_client_metadata",
            "redirect_uris",
        ),
        (json!([REDIRECT]), "invalid_client_metadata", "JSON object"),
    ];
    for (body, error, hint) in &cases {
        let resp = post_registration(&app, body).await;
        assert_eq!(resp.status(), 400, "{body}");
        assert_eq!(resp.headers()["cache-control"], "no-store");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"], *error, "{body}: {v}");
        let description = v["error_description"].as_str().unwrap();
        assert!(description.contains(hint), "{body}: {description}");
    }
    let resp = reqwest::Client::new()
        .post(app.url("/register"))
        .bearer_auth(INITIAL_TOKEN)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_client_metadata"
    );
    let huge = json!({"redirect_uris": [REDIRECT], "client_name": "x".repeat(70_000)});
    let resp = post_registration(&app, &huge).await;
    assert_eq!(resp.status(), 413);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_client_metadata"
    );

    // openidconnect reads these as its typed registration errors.
    let err = CoreClientRegistrationRequest::new(
        vec![RedirectUrl::new("https://rp.example/cb#frag".into()).unwrap()],
        EmptyAdditionalClientMetadata {},
    )
    .set_initial_access_token(Some(AccessToken::new(INITIAL_TOKEN.into())))
    .register_async(
        &RegistrationUrl::new(app.url("/register")).unwrap(),
        &oidc_http,
    )
    .await
    .unwrap_err();
    match err {
        openidconnect::registration::ClientRegistrationError::ServerResponse(e) => {
            assert_eq!(
                *e.error(),
                CoreRegisterErrorResponseType::InvalidRedirectUri
            );
        }
        other => panic!("expected invalid_redirect_uri, got {other:?}"),
    }
    assert!(
        clients::list(&app.state.db).await.unwrap().is_empty(),
        "nothing was registered"
    );
}

#[tokio::test]
async fn unknown_metadata_is_ignored_and_registered_values_are_returned() {
    let app = spawn_registration("").await;
    let resp = post_registration(
        &app,
        &json!({
            "redirect_uris": [REDIRECT, "https://rp.example/cb"],
            "post_logout_redirect_uris": ["https://rp.example/bye"],
            "client_name": "Intranet",
            "token_endpoint_auth_method": "client_secret_post",
            "scope": "openid email phone address",
            "default_acr_values": ["mfa"],
            "default_max_age": 600,
            "policy_uri": "https://rp.example/policy",
            "tos_uri": "https://rp.example/tos",
            "software_id": "4NRB1-0XZABZI9E6-5SM3R",
            "frobnicate": {"level": 11},
        }),
    )
    .await;
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v["scope"], "openid email",
        "unsupported scopes are not registered"
    );
    assert_eq!(v["token_endpoint_auth_method"], "client_secret_post");
    assert_eq!(v["grant_types"], json!(["authorization_code"]));
    assert_eq!(v["response_types"], json!(["code"]));
    assert_eq!(v["default_acr_values"], json!(["mfa"]));
    assert_eq!(v["default_max_age"], 600);
    assert_eq!(
        v["post_logout_redirect_uris"],
        json!(["https://rp.example/bye"])
    );
    assert_eq!(v["tos_uri"], "https://rp.example/tos");
    assert!(v.get("software_id").is_none() && v.get("frobnicate").is_none());
    let stored = clients::find(&app.state.db, v["client_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.scopes, vec!["openid", "email"]);
    assert_eq!(stored.profile.default_max_age, Some(600));
    assert_eq!(
        stored.profile.policy_uri.as_deref(),
        Some("https://rp.example/policy")
    );
}

#[tokio::test]
async fn the_registered_default_max_age_applies_to_requests_without_max_age() {
    let app = spawn_registration("").await;
    let resp = post_registration(
        &app,
        &json!({"redirect_uris": [REDIRECT], "default_max_age": 0, "scope": "openid"}),
    )
    .await;
    let v: Value = resp.json().await.unwrap();
    let client = TestClient {
        client_id: v["client_id"].as_str().unwrap().into(),
        secret: v["client_secret"].as_str().map(String::from),
        redirect_uri: REDIRECT.into(),
    };
    let user = app.user("carol").await;
    let browser = Browser::new(&app);
    let page = browser.authorize(&AuthParams::new(&client)).await;
    browser
        .allow(browser.login(&page, &user).await)
        .await
        .code();
    // default_max_age 0: every request without max_age needs a fresh password…
    let again = browser.authorize(&AuthParams::new(&client)).await;
    assert!(
        form_with(again.html(), "password")
            .get("password")
            .is_some()
    );
    // …while an explicit max_age overrides the default (OIDC Registration §2).
    let relaxed = browser
        .authorize(&AuthParams::new(&client).set("max_age", "3600"))
        .await;
    assert!(relaxed.params().contains_key("code"), "{relaxed:?}");
    // Scopes the client did not register are not granted.
    let (params, back) = login(&app, &client, &user).await;
    let resp = app
        .exchange(&client, &back.code(), Some(&params.verifier))
        .await;
    assert_eq!(resp.json::<Value>().await.unwrap()["scope"], "openid");
}

/// A registered client that copies the account page's name and callback is
/// never taken for the account page's own client, which its registrant would
/// then manage.
#[tokio::test]
async fn a_look_alike_of_the_account_pages_client_is_not_adopted() {
    let app = spawn_registration("").await;
    let name = "Portcullis account page";
    let answer = post_registration(
        &app,
        &json!({
            "client_name": name,
            "redirect_uris": [format!("{}/account/callback", app.issuer)],
            "token_endpoint_auth_method": "none",
        }),
    )
    .await;
    assert_eq!(answer.status(), 201);
    let look_alike = answer.json::<Value>().await.unwrap()["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = Browser::new(&app).get("/account").await;
    assert!(page.html().contains("name=\"password\""), "{}", page.html());
    let own: Vec<_> = clients::list(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.name == name && c.client_id != look_alike)
        .collect();
    assert_eq!(own.len(), 1, "the account page made a client of its own");
    assert!(!own[0].profile.dynamic);
}
