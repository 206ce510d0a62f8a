//! Self-service sign-up: offered only when enabled, the same answer for every
//! address, nothing created for a domain outside the list, and the account
//! created only when the mailed link is followed and a password chosen.

use portcullis::db::user_admin;

use crate::helpers::{
    AuthParams, Backend, Browser, Landing, Options, TestApp, TestUser, form_with, spawn_app,
    spawn_with,
};
use crate::self_service_helpers::{link_path, set_password_at, settled_outbox, wait_for_mails};

const SUBJECT: &str = "Finish signing up for Portcullis";

async fn open_signup() -> TestApp {
    open_signup_on(Backend::Memory).await
}

async fn open_signup_on(backend: Backend) -> TestApp {
    spawn_with(Options {
        backend,
        toml: "[signup]\nenabled = true\nallowed_domains = [\"customer.example\"]\n".into(),
        ..Options::default()
    })
    .await
}

/// Follows the login page's sign-up link and posts the form.
async fn sign_up(app: &TestApp, browser: &Browser, email: &str) -> Landing {
    sign_up_as(app, browser, email, ("Sam", "Sample")).await
}

async fn sign_up_as(
    app: &TestApp,
    browser: &Browser,
    email: &str,
    (first, last): (&str, &str),
) -> Landing {
    let client = app.client(false).await;
    let login = browser.authorize(&AuthParams::new(&client)).await;
    let doc = scraper::Html::parse_document(login.html());
    let sel = scraper::Selector::parse("a[href*=signup]").unwrap();
    let href = doc
        .select(&sel)
        .next()
        .expect("a sign-up link on the login page")
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    let page = browser.get(&href).await;
    assert_eq!(page.status(), 200);
    let form = form_with(page.html(), "email")
        .set("email", email)
        .set("first_name", first)
        .set("last_name", last);
    browser.submit(&form).await
}

async fn exists(app: &TestApp, email: &str) -> bool {
    user_admin::find_by_email(&app.state.db, email)
        .await
        .unwrap()
        .is_some()
}

#[tokio::test]
async fn sign_up_is_not_offered_unless_enabled() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let login = browser.authorize(&AuthParams::new(&client)).await;
    assert!(!login.html().contains("signup"));
    assert_eq!(browser.get("/signup").await.status(), 404);
}

#[tokio::test]
async fn an_allowed_address_gets_an_account_once_the_link_is_followed() {
    allowed_address_gets_an_account(Backend::Memory).await;
}

#[tokio::test]
async fn a_sign_up_waits_in_redis_until_its_link_is_followed() {
    allowed_address_gets_an_account(Backend::Redis).await;
}

async fn allowed_address_gets_an_account(backend: Backend) {
    let app = open_signup_on(backend).await;
    let browser = Browser::new(&app);
    let answer = sign_up(&app, &browser, "sam@customer.example").await;
    assert_eq!(answer.status(), 200);
    let mail = wait_for_mails(&app, "sam@customer.example", SUBJECT, 1).await;
    assert_eq!(mail.len(), 1);
    assert!(
        !exists(&app, "sam@customer.example").await,
        "created before the link"
    );

    let link = link_path(&mail[0], "/signup/");
    let password = "sam's sign-up password";
    let done = set_password_at(&browser, &link, password).await;
    assert_eq!(done.status(), 200, "{}", done.html());
    assert!(done.html().contains("id=\"account-created\""));
    assert!(exists(&app, "sam@customer.example").await);

    // The link works once.
    let again = browser.get(&link).await;
    assert_eq!(again.status(), 400);

    // The account signs in with its address as username.
    let client = app.client(false).await;
    let fresh = Browser::new(&app);
    let user = TestUser {
        id: String::new(),
        username: "sam@customer.example".into(),
        password: password.into(),
    };
    let page = fresh.authorize(&AuthParams::new(&client)).await;
    assert!(matches!(
        fresh.login(&page, &user).await,
        Landing::Left { .. }
    ));
}

#[tokio::test]
async fn a_sign_up_from_a_disallowed_domain_creates_nothing_and_answers_the_same() {
    let app = open_signup().await;
    let browser = Browser::new(&app);
    let allowed = sign_up(&app, &browser, "ok@customer.example").await;
    let refused = sign_up(&app, &browser, "mallory@elsewhere.example").await;
    let lookalike = sign_up(&app, &browser, "mallory@evil.customer.example").await;
    for other in [&refused, &lookalike] {
        assert_eq!(other.status(), allowed.status());
        assert_eq!(
            other.html(),
            allowed.html(),
            "the answer tells the domains apart"
        );
    }
    let outbox = settled_outbox(&app).await;
    assert_eq!(outbox.len(), 1, "only the allowed address is mailed");
    assert!(!exists(&app, "mallory@elsewhere.example").await);
    assert!(!exists(&app, "mallory@evil.customer.example").await);
}

#[tokio::test]
async fn an_address_with_an_account_gets_the_same_answer_and_no_second_account() {
    let app = open_signup().await;
    let browser = Browser::new(&app);
    let fresh = sign_up(&app, &browser, "new@customer.example").await;
    users_create(&app, "old", "old@customer.example").await;
    let taken = sign_up(&app, &browser, "old@customer.example").await;
    assert_eq!(taken.html(), fresh.html());
    let notice = wait_for_mails(
        &app,
        "old@customer.example",
        "You already have a Portcullis account",
        1,
    )
    .await;
    assert_eq!(notice.len(), 1);
    assert!(
        !notice[0].contains("/signup/"),
        "no sign-up link for a taken address"
    );
}

async fn users_create(app: &TestApp, username: &str, email: &str) {
    portcullis::db::users::create(
        &app.state.db,
        portcullis::db::users::NewUser {
            username: username.into(),
            email: email.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

/// Anyone may sign up with any allowed address and any name: the name typed
/// never reaches the mail sent to that address, so the mail cannot carry a
/// stranger's message under this server's name.
#[tokio::test]
async fn the_name_typed_at_sign_up_is_not_put_into_the_mail() {
    let app = open_signup().await;
    let browser = Browser::new(&app);
    let answer = sign_up_as(
        &app,
        &browser,
        "victim@customer.example",
        (
            "IT Security: your account is locked, verify at",
            "https://corp-sso.evil.example",
        ),
    )
    .await;
    assert_eq!(answer.status(), 200);
    let mail = wait_for_mails(&app, "victim@customer.example", SUBJECT, 1).await;
    assert_eq!(mail.len(), 1);
    assert!(!mail[0].contains("evil.example"), "{}", mail[0]);
    assert!(!mail[0].contains("IT Security"), "{}", mail[0]);
    assert!(
        mail[0].lines().any(|l| l.trim_end() == "Hello,"),
        "{}",
        mail[0]
    );
    assert!(
        mail[0].contains("To: victim@customer.example"),
        "{}",
        mail[0]
    );
}

/// Whoever asks for a sign-up link types the names; the mailbox's owner sees
/// them on the linked page and the account takes the names they confirm, in
/// the language they read the page in. Names that break the rules there are
/// refused and leave the link usable.
#[tokio::test]
async fn the_owner_confirms_the_names_typed_by_whoever_asked_for_the_link() {
    let app = open_signup().await;
    let asker = Browser::new(&app);
    let answer = sign_up_as(&app, &asker, "nia@customer.example", ("Eve", "Evil")).await;
    assert_eq!(answer.status(), 200);
    let mail = wait_for_mails(&app, "nia@customer.example", SUBJECT, 1).await;
    let link = link_path(&mail[0], "/signup/");

    let owner = Browser::new(&app);
    let page = owner.get(&link).await;
    assert_eq!(page.status(), 200);
    let form = form_with(page.html(), "password");
    assert_eq!(form.get("first_name"), Some("Eve"));
    assert_eq!(form.get("last_name"), Some("Evil"));

    let password = "nia's sign-up password";
    let refused = owner
        .submit(
            &form
                .clone()
                .set("first_name", "")
                .set("password", password)
                .set("password_confirm", password),
        )
        .await;
    assert_eq!(refused.status(), 400, "{}", refused.html());
    assert!(!exists(&app, "nia@customer.example").await);

    let page = owner.get(&link).await;
    let done = owner
        .submit(
            &form_with(page.html(), "password")
                .set("first_name", "Nia")
                .set("last_name", "Owner")
                .set("password", password)
                .set("password_confirm", password),
        )
        .await;
    assert_eq!(done.status(), 200, "{}", done.html());
    let user = user_admin::find_by_email(&app.state.db, "nia@customer.example")
        .await
        .unwrap()
        .expect("created");
    assert_eq!(
        (user.first_name.as_str(), user.last_name.as_str()),
        ("Nia", "Owner")
    );
}
