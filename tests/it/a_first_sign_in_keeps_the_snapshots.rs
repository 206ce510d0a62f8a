//! A user's first sign-in keeps the language of its pages for their mails.
//! The language decides nothing about a sign-in, so writing it leaves the
//! directory's change mark where it was: a wave of first sign-ins (after an
//! import every account has one) does not outdate every other user's snapshot,
//! on every instance, and send each signed-in browser's next authorization
//! back to the database.

use portcullis::db::{revocation, users};
use portcullis::directory;
use portcullis::i18n::Lang;

use crate::helpers::*;

#[tokio::test]
async fn a_first_sign_in_leaves_other_users_snapshots_standing() {
    let app = spawn_app().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let client = app.client(false).await;
    let db = &app.state.db;
    let store = &app.state.store;

    let browser = Browser::new(&app);
    let params = AuthParams::new(&client);
    let page = browser.authorize(&params).await;
    let back = browser.login(&page, &alice).await;
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "pwd");

    // Bob's first sign-in, on German pages: his language is kept, the mark stays.
    let before = directory::mark(store).await.unwrap();
    let de = Browser::with_headers(&app, &[("accept-language", "de-DE,de;q=0.9")]);
    let params = AuthParams::new(&client);
    let page = de.authorize(&params).await;
    let back = de.login(&page, &bob).await;
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "pwd");
    let kept = users::find_by_id(db, &bob.id).await.unwrap().unwrap();
    assert_eq!(kept.locale, Some(Lang::De));
    assert_eq!(directory::mark(store).await.unwrap(), before);
    // This server's snapshot of bob names his language too.
    let (seen, _) = app
        .state
        .directory
        .user(db, store, &bob.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen.locale, Some(Lang::De));

    // A change that matters still counts at the next request: alice disabled
    // (straight in the database, then the mark moved as every write path does).
    assert!(revocation::set_active(db, &alice.id, false).await.unwrap());
    directory::changed(store).await.unwrap();
    let refused = browser.authorize(&AuthParams::new(&client)).await;
    assert!(
        matches!(refused, Landing::Page { .. }),
        "a disabled user's session still signs in"
    );
}
