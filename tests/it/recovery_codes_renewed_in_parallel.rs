//! Two renewals of a user's recovery codes at once (two tabs) leave one set:
//! the codes of the other renewal, which the user may never have kept, do not
//! work. On SQLite and on PostgreSQL.

use portcullis::db::factors;

use crate::databases::TestDb;
use crate::helpers::*;

const ROUNDS: usize = 10;

async fn parallel_renewals_leave_one_set(app: TestApp) {
    for round in 0..ROUNDS {
        let user = app.user(&format!("rory{round}")).await;
        app.give_totp(&user).await;
        let db = &app.state.db;
        let (a, b) = tokio::join!(
            factors::new_recovery_codes(db, &app.state.sealer, &user.id),
            factors::new_recovery_codes(db, &app.state.sealer, &user.id)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(
            factors::remaining_recovery_codes(db, &user.id)
                .await
                .unwrap(),
            a.len() as u64,
            "round {round}: one set stays"
        );
        let a_works = factors::use_recovery_code(db, &app.state.sealer, &user.id, &a[0])
            .await
            .unwrap();
        let b_works = factors::use_recovery_code(db, &app.state.sealer, &user.id, &b[0])
            .await
            .unwrap();
        assert!(a_works ^ b_works, "round {round}: {a_works} {b_works}");
    }
}

#[tokio::test]
async fn on_sqlite() {
    parallel_renewals_leave_one_set(spawn_app().await).await;
}

#[tokio::test]
async fn on_postgres() {
    let db = TestDb::postgres().await;
    let app = spawn_with(Options {
        database_url: Some(db.url.clone()),
        ..Options::default()
    })
    .await;
    parallel_renewals_leave_one_set(app).await;
    db.drop_db().await;
}
