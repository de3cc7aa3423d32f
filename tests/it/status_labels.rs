//! Every typed status, kind and channel names a label that both catalogues define (issue 17 step 1).
use entity::import_batch::ImportStatus;
use entity::mentor_assignment::{AssignmentStatus, MentorRole};
use entity::outbox::{Channel, OutboxStatus};
use entity::placement::PlacementStatus;
use entity::roster_preview::RosterStatus;
use sea_orm::Iterable;
use vocpath::admissions::follow_through::DeclineReason;
use vocpath::i18n::{Catalogues, Lang};

fn keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = PlacementStatus::iter().map(PlacementStatus::i18n_key).collect();
    keys.extend(OutboxStatus::iter().map(OutboxStatus::i18n_key));
    keys.extend(Channel::iter().map(Channel::i18n_key));
    keys.extend(ImportStatus::iter().map(ImportStatus::i18n_key));
    keys.extend(RosterStatus::iter().map(RosterStatus::i18n_key));
    keys.extend(MentorRole::iter().map(MentorRole::i18n_key));
    keys.extend(AssignmentStatus::iter().map(AssignmentStatus::i18n_key));
    keys.extend(DeclineReason::ALL.map(DeclineReason::i18n_key));
    keys
}

#[test]
fn a_decline_reason_reads_back_from_its_name_and_an_unknown_one_lists_the_choices() {
    for r in DeclineReason::ALL {
        assert_eq!(DeclineReason::parse(&format!(" {} ", r.as_str())).ok(), Some(r));
    }
    let err = DeclineReason::parse("bored")
        .err()
        .map(|e| format!("{e:?}"))
        .unwrap_or_default();
    assert!(err.contains("parents_decision, chose_work, moved, other"), "{err}");
}

#[test]
fn every_status_label_is_in_both_catalogues() {
    let catalogues = Catalogues::load(std::path::Path::new("templates/i18n")).expect("catalogues");
    for key in keys() {
        for lang in Lang::ALL {
            assert_ne!(catalogues.get(lang, key), key, "{key} has no {} label", lang.code());
        }
    }
}
