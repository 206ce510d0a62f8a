use super::*;
use crate::auth::acr::Level;
use crate::auth::stepup::Factor;

const MFA: Target = Target {
    acr: String::new(),
    level: Level::Mfa,
};

fn caps(totp: bool, key: bool) -> Capabilities {
    Capabilities {
        has_totp: totp,
        has_webauthn: key,
        unusable_webauthn: false,
        has_email: false,
        can_enroll_totp: true,
        can_enroll_webauthn: true,
    }
}

fn password() -> Vec<Proof> {
    vec![Proof {
        factor: Factor::Password,
        at: 1_000,
        user_verified: false,
        from: None,
    }]
}

fn show(c: &Capabilities, view: View) -> NextStep<Proven> {
    decide(&MFA, &password(), c, &Freshness::new(10_000, 0, None), view)
}

#[test]
fn both_factors_offer_a_choice_unless_one_was_asked_for_or_a_form_comes_back() {
    let both = caps(true, true);
    let at = |view| match show(&both, view) {
        NextStep::Prove { show, .. } => show,
        other => panic!("{other:?}"),
    };
    assert_eq!(at(View::default()), ProveWith::Choice);
    let totp = View {
        method: Some(Method::Totp),
        retry: false,
    };
    assert_eq!(at(totp), ProveWith::Totp);
    let key = View {
        method: Some(Method::WebAuthn),
        retry: false,
    };
    assert_eq!(at(key), ProveWith::Key { totp_instead: true });
    let retry = View {
        method: None,
        retry: true,
    };
    assert_eq!(at(retry), ProveWith::Totp);
}

#[test]
fn a_key_only_account_gets_the_key_page_and_no_code_form() {
    match show(&caps(false, true), View::default()) {
        NextStep::Prove { show, .. } => assert_eq!(
            show,
            ProveWith::Key {
                totp_instead: false
            }
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn first_enrollment_offers_the_app_then_a_key_on_request() {
    let bare = caps(false, false);
    let step = show(&bare, View::default());
    assert!(step.takes(Post::TotpEnrollment) && step.takes(Post::KeyRegistration));
    assert!(!step.takes(Post::TotpCode) && !step.takes(Post::KeyCheck));
    match step {
        NextStep::Enroll { show, .. } => assert_eq!(show, EnrollWith::Totp { key_instead: true }),
        other => panic!("{other:?}"),
    }
    let key = View {
        method: Some(Method::WebAuthn),
        retry: false,
    };
    match show(&bare, key) {
        NextStep::Enroll { show, .. } => assert_eq!(show, EnrollWith::Key { totp_instead: true }),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_code_is_taken_only_where_any_factor_will_do() {
    let phr = Target {
        acr: "phr".into(),
        level: Level::Phr,
    };
    let step = decide(
        &phr,
        &password(),
        &caps(true, true),
        &Freshness::new(10_000, 0, None),
        View::default(),
    );
    assert!(step.takes(Post::KeyCheck));
    assert!(!step.takes(Post::TotpCode));
}

fn with_email(c: Capabilities) -> Capabilities {
    Capabilities {
        has_email: true,
        ..c
    }
}

fn shown(c: &Capabilities, method: Option<Method>, retry: bool) -> ProveWith {
    match show(c, View { method, retry }) {
        NextStep::Prove { show, .. } => show,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_mailed_code_is_offered_beside_the_app_and_alone_is_proven_not_enrolled() {
    let app_and_mail = with_email(caps(true, false));
    assert_eq!(shown(&app_and_mail, None, false), ProveWith::Choice);
    assert_eq!(
        shown(&app_and_mail, Some(Method::Email), false),
        ProveWith::Email
    );
    assert_eq!(
        shown(&app_and_mail, Some(Method::Email), true),
        ProveWith::Email
    );
    // The TOTP form posts without a method: its retry is the TOTP form.
    assert_eq!(shown(&app_and_mail, None, true), ProveWith::Totp);

    // An account with only its mailbox proves it; it is never enrolled on
    // the password alone.
    let mail_only = with_email(caps(false, false));
    let step = show(&mail_only, View::default());
    assert!(step.takes(Post::EmailCode));
    assert!(!step.takes(Post::TotpEnrollment) && !step.takes(Post::KeyRegistration));
    assert_eq!(shown(&mail_only, None, false), ProveWith::Email);
    // Asking for the code form of a factor it lacks shows what it has.
    assert_eq!(
        shown(&mail_only, Some(Method::Totp), false),
        ProveWith::Email
    );
}

#[test]
fn a_mailed_code_is_not_taken_where_a_key_is_needed() {
    let phr = Target {
        acr: "phr".into(),
        level: Level::Phr,
    };
    let step = decide(
        &phr,
        &password(),
        &with_email(caps(false, true)),
        &Freshness::new(10_000, 0, None),
        View {
            method: Some(Method::Email),
            retry: false,
        },
    );
    assert!(!step.takes(Post::EmailCode));
    assert!(matches!(
        step,
        NextStep::Prove {
            show: ProveWith::Key { .. },
            ..
        }
    ));
}

#[test]
fn before_a_key_is_added_beside_an_app_the_app_is_asked_for_not_the_mailbox() {
    let phr = Target {
        acr: "phr".into(),
        level: Level::Phr,
    };
    let no_key = Capabilities {
        can_enroll_webauthn: true,
        ..with_email(caps(true, false))
    };
    let step = decide(
        &phr,
        &password(),
        &no_key,
        &Freshness::new(10_000, 0, None),
        View::default(),
    );
    assert!(matches!(
        step,
        NextStep::Prove {
            before_enrolling: true,
            show: ProveWith::Totp,
            ..
        }
    ));
}
