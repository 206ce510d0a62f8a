//! Without an SMTP server, mail lands as `.eml` files in the outbox folder. An
//! onboarding mail holds a set-password link, as good as the account: each file
//! is created readable and writable by the server's user only (0600), and the
//! folder, when the server creates it, is 0700.

use std::os::unix::fs::PermissionsExt;

use crate::admin_helpers::AdminApi;
use crate::helpers::*;

#[tokio::test]
async fn outbox_files_are_readable_by_the_server_user_only() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "mailer").await;
    let (status, body) = api
        .post(
            "/users",
            serde_json::json!({"username": "private", "email": "private@example.com"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["mail"]["kind"], "onboarding");

    let dir = &app.state.settings.mail.outbox_dir;
    let dir_mode = std::fs::metadata(dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(dir_mode, 0o700, "outbox folder mode {dir_mode:o}");
    let files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "mail file mode {mode:o}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        text.contains("private@example.com"),
        "the file is the mail: {text}"
    );
}
