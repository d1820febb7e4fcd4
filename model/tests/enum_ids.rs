//! The enums deserialised by `deserialize_by_id!` (not serde's derive) read back exactly what
//! their derived `Serialize` writes, every variant, and refuse anything else in serde's words.
use model::notification::NotificationKind;
use model::traffic::{ShareBand, VolumeBand};
use model::verification::VerificationState;
use model::{Channel, Role, Status, Visibility};
use serde::{de::DeserializeOwned, Serialize};
use std::fmt::Debug;

fn round_trips<T: Serialize + DeserializeOwned + PartialEq + Debug + Copy>(all: &[T]) {
    let mut ids = Vec::new();
    for &v in all {
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), v, "{json}");
        ids.push(json.trim_matches('"').to_string());
    }
    let err = serde_json::from_str::<T>("\"no_such_id\"")
        .unwrap_err()
        .to_string();
    // serde's words: "expected `a` or `b`", "expected one of `a`, `b`, `c`".
    assert!(
        err.starts_with("unknown variant `no_such_id`, expected "),
        "{err}"
    );
    for id in &ids {
        assert!(err.contains(&format!("`{id}`")), "{err}");
    }
    assert!(serde_json::from_str::<T>("3").is_err());
}

#[test]
fn every_variant_reads_back_and_an_unknown_id_is_refused() {
    round_trips(&[Status::Active, Status::Paused, Status::Blocked]);
    round_trips(&[Visibility::Public, Visibility::Private]);
    round_trips(&[Role::Partner, Role::Advertiser, Role::Staff]);
    round_trips(&[
        VerificationState::Unverified,
        VerificationState::Verified,
        VerificationState::NotVerifiable,
    ]);
    round_trips(&[
        NotificationKind::SourceBlocked,
        NotificationKind::SourceUnblocked,
        NotificationKind::VerificationLost,
        NotificationKind::WebhookDisabled,
        NotificationKind::Collaboration,
    ]);
    round_trips(&[
        VolumeBand::TooLittle,
        VolumeBand::Under1k,
        VolumeBand::From1kTo10k,
        VolumeBand::From10kTo100k,
        VolumeBand::Over100k,
    ]);
    round_trips(&[ShareBand::Most, ShareBand::Part, ShareBand::Little]);
    round_trips(&Channel::ALL);
}

#[test]
fn inside_a_struct_too() {
    let page: Vec<model::traffic::ObservedBand> =
        serde_json::from_str(r#"[{"channel":"email","band":"part"}]"#).unwrap();
    assert_eq!(page[0].band, ShareBand::Part);
    let err = serde_json::from_str::<Vec<model::traffic::ObservedBand>>(
        r#"[{"channel":"email","band":"half"}]"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("unknown variant `half`"), "{err}");
}
