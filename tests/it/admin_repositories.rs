//! Admin repositories, the same on SQLite and PostgreSQL: search and paging,
//! groups, tokens, set-password links and import batch claims.

use portcullis::db::user_admin::{self, Patch, Query, TwoFactorFilter};
use portcullis::db::{DbError, admin_tokens, groups, imports, password_tokens, users};
use sea_orm::DatabaseConnection;

use crate::databases::TestDb;

async fn admin_repos(db: &DatabaseConnection) {
    for (i, name) in ["Émile Zola", "Ada Lovelace", "Grace Hopper"]
        .iter()
        .enumerate()
    {
        let (first, last) = name.split_once(' ').unwrap();
        users::create(
            db,
            users::NewUser {
                username: format!("u{i}"),
                email: format!("u{i}@example.com"),
                first_name: first.into(),
                last_name: last.into(),
                groups: vec!["all".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let q = |q: &str, tf| Query {
        q: Some(q.into()),
        two_factor: tf,
        page: 1,
        per_page: 10,
    };
    let page = user_admin::search(db, &q("LOVE", TwoFactorFilter::All))
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].user.username, "u1");
    assert_eq!(page.items[0].groups, vec!["all"]);
    assert!(page.items[0].factors.is_empty());
    let page = user_admin::search(db, &q("_", TwoFactorFilter::All))
        .await
        .unwrap();
    assert_eq!(page.total, 0, "LIKE wildcards are literal");
    let u0 = page_user(db, "u0").await;
    user_admin::update(
        db,
        &u0,
        &Patch {
            two_factor: Some(false),
            groups: Some(vec!["writers".into()]),
            first_name: Some("".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let off = user_admin::search(db, &q("", TwoFactorFilter::Disabled))
        .await
        .unwrap();
    assert_eq!(
        (off.total, off.items[0].user.first_name.as_str()),
        (1, "Émile")
    );
    assert_eq!(off.items[0].groups, vec!["writers"]);
    let on = user_admin::search(
        db,
        &Query {
            two_factor: TwoFactorFilter::Enabled,
            page: 2,
            per_page: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((on.total, on.items[0].user.username.as_str()), (2, "u2"));
    let dup = user_admin::update(
        db,
        &u0,
        &Patch {
            email: Some("u1@example.com".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(dup, Err(DbError::Conflict(_))), "{dup:?}");
    // The search follows changes.
    let u2 = page_user(db, "u2").await;
    user_admin::update(
        db,
        &u2,
        &Patch {
            display_name: Some("Amazing Grace".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let found = user_admin::search(db, &q("AMAZING", TwoFactorFilter::All))
        .await
        .unwrap();
    assert_eq!(
        (found.total, found.items[0].user.username.as_str()),
        (1, "u2")
    );
    assert!(matches!(
        user_admin::update(db, "ghost", &Patch::default()).await,
        Err(DbError::NotFound)
    ));

    // Groups.
    let g = groups::create(db, "support").await.unwrap();
    assert!(matches!(
        groups::create(db, "support").await,
        Err(DbError::Conflict(_))
    ));
    groups::add_member(db, &g.id, &u0).await.unwrap();
    groups::add_member(db, &g.id, &u0).await.unwrap();
    assert_eq!(groups::find(db, "support").await.unwrap().members, 1);
    let renamed = groups::rename(db, &g.id, "helpdesk").await.unwrap();
    assert_eq!(renamed.name, "helpdesk");
    assert!(groups::remove_member(db, &g.id, &u0).await.unwrap());
    assert!(!groups::remove_member(db, &g.id, &u0).await.unwrap());
    groups::delete(db, &g.id).await.unwrap();
    assert!(matches!(
        groups::find(db, &g.id).await,
        Err(DbError::NotFound)
    ));

    // Admin tokens: digest stored, constant-time check, revocation.
    let (t, secret) = admin_tokens::create(db, "robot").await.unwrap();
    assert_eq!(
        admin_tokens::authenticate(db, &secret)
            .await
            .unwrap()
            .unwrap()
            .name,
        "robot"
    );
    assert!(
        admin_tokens::authenticate(db, &format!("{secret}x"))
            .await
            .unwrap()
            .is_none()
    );
    admin_tokens::revoke(db, &t.id).await.unwrap();
    assert!(
        admin_tokens::authenticate(db, &secret)
            .await
            .unwrap()
            .is_none()
    );
    admin_tokens::create(db, "robot").await.unwrap();

    // Set-password links: once, and not after expiry.
    let link = password_tokens::issue(db, &u0, 60).await.unwrap();
    assert_eq!(
        password_tokens::peek(db, &link)
            .await
            .unwrap()
            .map(|l| (l.user_id, l.purpose)),
        Some((u0.clone(), password_tokens::ONBOARDING.to_owned()))
    );
    assert_eq!(
        password_tokens::spend(db, &link).await.unwrap().as_deref(),
        Some(u0.as_str())
    );
    assert_eq!(password_tokens::spend(db, &link).await.unwrap(), None);
    let expired = password_tokens::issue(db, &u0, -1).await.unwrap();
    assert_eq!(password_tokens::spend(db, &expired).await.unwrap(), None);

    // Imports: one claim per batch.
    let imp = imports::create(
        db,
        imports::NewImport {
            actor: "test".into(),
            mode: "safe".into(),
            batch_size: 2,
            notify: false,
            problems: vec![],
            rows: (1..=3)
                .map(|n| imports::NewRow {
                    row_no: n,
                    username: format!("i{n}"),
                    email: format!("i{n}@example.com"),
                    first_name: String::new(),
                    last_name: String::new(),
                    display_name: String::new(),
                    password_sealed: None,
                    groups: vec![],
                    status: "pending".into(),
                    message: String::new(),
                })
                .collect(),
        },
    )
    .await
    .unwrap();
    assert_eq!((imp.total_rows, imp.batches), (3, 2));
    assert_eq!(
        imports::claim_batch(db, &imp.id, 2).await.unwrap(),
        imports::Claim::Claimed
    );
    assert_eq!(
        imports::claim_batch(db, &imp.id, 2).await.unwrap(),
        imports::Claim::Running
    );
    imports::finish_batch(db, &imp.id, 2).await.unwrap();
    assert_eq!(
        imports::claim_batch(db, &imp.id, 2).await.unwrap(),
        imports::Claim::Done
    );
    assert_eq!(
        imports::claim_batch(db, &imp.id, 9).await.unwrap(),
        imports::Claim::NotFound
    );
    assert_eq!(imports::rows(db, &imp.id, Some(2)).await.unwrap()[0].row, 3);

    // Deleting a user takes its memberships and links with it.
    password_tokens::issue(db, &u0, 60).await.unwrap();
    user_admin::delete(db, &u0).await.unwrap();
    assert!(users::find_by_id(db, &u0).await.unwrap().is_none());
    assert!(matches!(
        user_admin::delete(db, &u0).await,
        Err(DbError::NotFound)
    ));
}

async fn page_user(db: &DatabaseConnection, name: &str) -> String {
    users::find_by_username(db, name).await.unwrap().unwrap().id
}

#[tokio::test]
async fn admin_repositories_on_sqlite() {
    let db = TestDb::sqlite().await;
    admin_repos(&db.conn).await;
    db.drop_db().await;
}

#[tokio::test]
async fn admin_repositories_on_postgres() {
    let db = TestDb::postgres().await;
    admin_repos(&db.conn).await;
    db.drop_db().await;
}
