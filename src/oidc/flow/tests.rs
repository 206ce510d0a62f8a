use super::*;
use crate::auth::stepup::Factor;

fn registry() -> AcrRegistry {
    let mut r = AcrRegistry::default();
    r.add_alias("urn:example:jira:2fa", Level::Mfa).unwrap();
    r
}

fn req(values: &[&str], essential: bool) -> AcrRequest {
    AcrRequest {
        values: values.iter().map(|s| s.to_string()).collect(),
        essential,
        from_client_default: false,
    }
}

const TOTP_USER: Capabilities = Capabilities {
    has_totp: true,
    has_webauthn: false,
    can_enroll_totp: false,
    can_enroll_webauthn: false,
};
const BARE_USER: Capabilities = Capabilities {
    has_totp: false,
    has_webauthn: false,
    can_enroll_totp: false,
    can_enroll_webauthn: false,
};

#[test]
fn no_request_means_the_floor() {
    let t = choose_target(&req(&[], false), Level::Pwd, &registry(), &BARE_USER).unwrap();
    assert_eq!(
        t,
        Target {
            acr: "pwd".into(),
            level: Level::Pwd
        }
    );
}

#[test]
fn alias_is_echoed_with_its_level() {
    let t = choose_target(
        &req(&["urn:example:jira:2fa"], false),
        Level::Pwd,
        &registry(),
        &TOTP_USER,
    )
    .unwrap();
    assert_eq!(
        t,
        Target {
            acr: "urn:example:jira:2fa".into(),
            level: Level::Mfa
        }
    );
}

#[test]
fn first_meetable_value_in_rp_order_wins() {
    let t = choose_target(
        &req(&["phr", "mfa"], false),
        Level::Pwd,
        &registry(),
        &TOTP_USER,
    )
    .unwrap();
    assert_eq!(t.level, Level::Mfa);
    assert_eq!(t.acr, "mfa");
}

#[test]
fn essential_unmeetable_fails_voluntary_falls_back() {
    let e = choose_target(&req(&["phr"], true), Level::Pwd, &registry(), &TOTP_USER).unwrap_err();
    assert_eq!(e.code, AuthzErrorCode::UnmetAuthenticationRequirements);
    let t = choose_target(&req(&["phr"], false), Level::Pwd, &registry(), &TOTP_USER).unwrap();
    assert_eq!(
        t,
        Target {
            acr: "pwd".into(),
            level: Level::Pwd
        }
    );
}

#[test]
fn floor_raises_but_never_lowers() {
    // The RP asks pwd, the policy wants mfa: mfa is required and named.
    let t = choose_target(&req(&["pwd"], false), Level::Mfa, &registry(), &TOTP_USER).unwrap();
    assert_eq!(
        t,
        Target {
            acr: "mfa".into(),
            level: Level::Mfa
        }
    );
    // The RP asks mfa, the policy says pwd: mfa stays.
    let t = choose_target(&req(&["mfa"], false), Level::Pwd, &registry(), &TOTP_USER).unwrap();
    assert_eq!(t.level, Level::Mfa);
}

#[test]
fn floor_that_cannot_be_met_fails() {
    let e = choose_target(&req(&[], false), Level::Mfa, &registry(), &BARE_USER).unwrap_err();
    assert_eq!(e.code, AuthzErrorCode::UnmetAuthenticationRequirements);
}

#[test]
fn next_step_asks_only_for_what_is_missing() {
    let target = Target {
        acr: "mfa".into(),
        level: Level::Mfa,
    };
    let f = Freshness::new(10_000, 0, None);
    assert_eq!(next(&target, &[], &TOTP_USER, &f), Next::Password);
    let pwd = [Proof {
        factor: Factor::Password,
        at: 9_000,
        user_verified: false,
        from: None,
    }];
    assert_eq!(
        next(&target, &pwd, &TOTP_USER, &f),
        Next::SecondFactor {
            webauthn_only: false
        }
    );
    let enroll = Capabilities {
        can_enroll_totp: true,
        ..BARE_USER
    };
    assert_eq!(
        next(&target, &pwd, &enroll, &f),
        Next::Enroll {
            webauthn_only: false
        }
    );
    let both = [
        pwd[0].clone(),
        Proof {
            factor: Factor::Totp,
            at: 9_500,
            user_verified: false,
            from: None,
        },
    ];
    match next(&target, &both, &TOTP_USER, &f) {
        Next::Issue { acr, evidence } => {
            assert_eq!(acr, "mfa");
            assert_eq!(evidence.len(), 2);
        }
        other => panic!("expected Issue, got {other:?}"),
    }
}
