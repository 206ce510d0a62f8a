//! A user's console page names the upstream identity providers they sign in
//! through, with the subject each knows them by; a local-only user shows none.

use portcullis::db::upstream_links;

use crate::admin_console::sign_in;
use crate::helpers::*;
use crate::upstream_op::*;

#[tokio::test]
async fn user_page_lists_upstream_links() {
    let toml = format!(
        "{}{}",
        upstream_toml(
            "corp",
            op_port(),
            "corp-secret",
            "domains = [\"corp.example\"]"
        ),
        upstream_toml(
            "cust",
            op_port(),
            "cust-secret",
            "domains = [\"acme.example\"]"
        ),
    );
    let app = spawn_with(Options {
        toml,
        ..Options::default()
    })
    .await;
    let alice = app.user_in("alice", &[]).await;
    let local = app.user_in("lou", &[]).await;
    upstream_links::link(&app.state.db, "corp", "sub<1>", &alice.id)
        .await
        .unwrap();
    upstream_links::link(&app.state.db, "cust", "c-17", &alice.id)
        .await
        .unwrap();
    let (b, _) = sign_in(&app, "boss", &["admins"]).await;

    let page = b.get(&format!("/admin/users/{}", alice.id)).await;
    assert_eq!(page.status(), 200);
    let html = page.html();
    assert!(html.contains("signs in through"), "{html}");
    assert!(
        html.contains("data-upstream=\"corp\">corp SSO (subject <code>sub&#60;1&#62;</code>)"),
        "the subject is escaped: {html}"
    );
    assert!(
        html.contains("data-upstream=\"cust\">cust SSO (subject <code>c-17</code>)"),
        "{html}"
    );

    let page = b.get(&format!("/admin/users/{}", local.id)).await;
    assert_eq!(page.status(), 200);
    assert!(!page.html().contains("signs in through"));
}
