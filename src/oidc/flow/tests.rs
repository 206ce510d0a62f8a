use super::*;
use crate::auth::factor_rules::Permit;
use crate::auth::stepup::{Factor, Freshness, Proof};
use crate::login::next_step::{NextStep, Proven, View, decide};

/// The step without its page, as these tests compare it.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    Issue {
        acr: String,
        evidence: Vec<Proof>,
    },
    Password,
    SecondFactor {
        webauthn_only: bool,
        before_enrolling: bool,
    },
    Enroll {
        webauthn_only: bool,
        permit: Permit,
    },
}

fn next(target: &Target, proofs: &[Proof], caps: &Capabilities, fresh: &Freshness) -> Next {
    match decide(target, proofs, caps, fresh, View::default()) {
        NextStep::Finish(Proven { acr, evidence }) => Next::Issue { acr, evidence },
        NextStep::ShowLogin => Next::Password,
        NextStep::Consent => unreachable!("decide never asks for consent"),
        NextStep::Prove {
            webauthn_only,
            before_enrolling,
            ..
        } => Next::SecondFactor {
            webauthn_only,
            before_enrolling,
        },
        NextStep::Enroll {
            webauthn_only,
            permit,
            ..
        } => Next::Enroll {
            webauthn_only,
            permit,
        },
    }
}

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
    unusable_webauthn: false,
    has_email: false,
    can_enroll_totp: false,
    can_enroll_webauthn: false,
};
const BARE_USER: Capabilities = Capabilities {
    has_totp: false,
    has_webauthn: false,
    unusable_webauthn: false,
    has_email: false,
    can_enroll_totp: false,
    can_enroll_webauthn: false,
};
/// Enrollment allowed, WebAuthn available.
const ENROLLABLE: Capabilities = Capabilities {
    can_enroll_totp: true,
    can_enroll_webauthn: true,
    ..BARE_USER
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
fn a_raised_floor_is_named_by_the_relying_partys_own_value_of_that_level() {
    // The RP asks pwd or its alias of mfa, the policy wants mfa: the answer
    // names the RP's value, one an essential request expects back.
    let t = choose_target(
        &req(&["pwd", "urn:example:jira:2fa"], true),
        Level::Mfa,
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
            webauthn_only: false,
            before_enrolling: false,
        }
    );
    let enroll = Capabilities {
        can_enroll_totp: true,
        ..BARE_USER
    };
    assert!(matches!(
        next(&target, &pwd, &enroll, &f),
        Next::Enroll {
            webauthn_only: false,
            permit,
        } if permit.first_factor()
    ));
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

fn proof(factor: Factor, at: i64, user_verified: bool) -> Proof {
    Proof {
        factor,
        at,
        user_verified,
        from: None,
    }
}

const PHR: Target = Target {
    acr: String::new(),
    level: Level::Phr,
};

#[test]
fn a_totp_user_proves_totp_before_a_key_is_added_for_phr() {
    let caps = Capabilities {
        has_totp: true,
        ..ENROLLABLE
    };
    assert!(caps.can_meet(Level::Phr));
    let t = choose_target(&req(&["phr"], true), Level::Pwd, &registry(), &caps).unwrap();
    assert_eq!(t.level, Level::Phr);
    let f = Freshness::new(10_000_000, 0, None);
    let mut proofs = vec![proof(Factor::Password, 9_000_000, false)];
    // The password alone: the TOTP form, never a key registration.
    assert_eq!(
        next(&t, &proofs, &caps, &f),
        Next::SecondFactor {
            webauthn_only: false,
            before_enrolling: true,
        }
    );
    // After the TOTP code: the key, as an additional factor.
    proofs.push(proof(Factor::Totp, 9_500_000, false));
    match next(&t, &proofs, &caps, &f) {
        Next::Enroll {
            webauthn_only: true,
            permit,
        } => assert!(!permit.first_factor()),
        other => panic!("expected key enrollment, got {other:?}"),
    }
    // After the key: phr is issued, with the key as its evidence.
    proofs.push(proof(Factor::WebAuthn, 9_600_000, true));
    match next(&t, &proofs, &caps, &f) {
        Next::Issue { acr, evidence } => {
            assert_eq!(acr, "phr");
            assert!(evidence.iter().any(|p| p.factor == Factor::WebAuthn));
        }
        other => panic!("expected Issue, got {other:?}"),
    }
}

#[test]
fn an_old_totp_proof_is_asked_again_before_a_key_is_added() {
    let caps = Capabilities {
        has_totp: true,
        ..ENROLLABLE
    };
    let now = 100_000_000;
    let f = Freshness::new(now, 0, None);
    let proofs = [
        proof(Factor::Password, now - 3_600_000, false),
        proof(Factor::Totp, now - 3_600_000, false),
    ];
    assert_eq!(
        next(&PHR, &proofs, &caps, &f),
        Next::SecondFactor {
            webauthn_only: false,
            before_enrolling: true,
        }
    );
}

#[test]
fn a_key_only_user_is_asked_for_the_key_and_never_enrolls_totp() {
    let caps = Capabilities {
        has_webauthn: true,
        ..ENROLLABLE
    };
    let mfa = Target {
        acr: "mfa".into(),
        level: Level::Mfa,
    };
    let f = Freshness::new(10_000, 0, None);
    let pwd = [proof(Factor::Password, 9_000, false)];
    assert_eq!(
        next(&mfa, &pwd, &caps, &f),
        Next::SecondFactor {
            webauthn_only: false,
            before_enrolling: false,
        }
    );
    // A key that cannot be checked here (no WebAuthn) does not turn the account
    // into a new one: mfa cannot be met, and nothing is offered instead.
    let stranded = Capabilities {
        has_webauthn: false,
        unusable_webauthn: true,
        can_enroll_webauthn: false,
        ..ENROLLABLE
    };
    assert!(!stranded.can_meet(Level::Mfa));
    assert!(!stranded.can_meet(Level::Phr));
    let e = choose_target(&req(&["mfa"], true), Level::Pwd, &registry(), &stranded).unwrap_err();
    assert_eq!(e.code, AuthzErrorCode::UnmetAuthenticationRequirements);
    let t = choose_target(&req(&["mfa"], false), Level::Pwd, &registry(), &stranded).unwrap();
    assert_eq!(t.level, Level::Pwd, "voluntary: honest pwd");
}

#[test]
fn only_an_account_without_factors_enrolls_right_after_the_password() {
    assert!(ENROLLABLE.can_meet(Level::Mfa) && ENROLLABLE.can_meet(Level::Phr));
    let f = Freshness::new(10_000, 0, None);
    let pwd = [proof(Factor::Password, 9_000, false)];
    for (level, webauthn_only) in [(Level::Mfa, false), (Level::Phr, true)] {
        let t = Target {
            acr: level.as_str().into(),
            level,
        };
        match next(&t, &pwd, &ENROLLABLE, &f) {
            Next::Enroll {
                webauthn_only: w,
                permit,
            } => {
                assert_eq!(w, webauthn_only);
                assert!(permit.first_factor());
            }
            other => panic!("expected first enrollment, got {other:?}"),
        }
    }
    // Without enrollment, a TOTP user cannot reach phr at all.
    assert!(!TOTP_USER.can_meet(Level::Phr));
}
