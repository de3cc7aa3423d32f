//! Every typed status and kind of the student archive, the ledger and routing names a label that
//! both catalogues define (issue 17 step 1, student and admissions share).
use entity::archive_entry::EntryKind;
use entity::ledger_entry::{CloseReason, OpenedBecause};
use entity::ledger_follow_up::{FollowUpHow, FollowUpWho};
use entity::routing_run::RunStatus;
use entity::rule_set::RuleSetStatus;
use entity::student::StudentStatus;
use sea_orm::Iterable;
use vocpath::i18n::{Catalogues, Lang};

fn keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = StudentStatus::iter().map(StudentStatus::i18n_key).collect();
    keys.extend(EntryKind::iter().map(EntryKind::i18n_key));
    keys.extend(OpenedBecause::iter().map(OpenedBecause::i18n_key));
    keys.extend(CloseReason::iter().map(CloseReason::i18n_key));
    keys.extend(FollowUpWho::iter().map(FollowUpWho::i18n_key));
    keys.extend(FollowUpHow::iter().map(FollowUpHow::i18n_key));
    keys.extend(RunStatus::iter().map(RunStatus::i18n_key));
    keys.extend(RuleSetStatus::iter().map(RuleSetStatus::i18n_key));
    keys
}

#[test]
fn every_student_and_admissions_label_is_in_both_catalogues() {
    let catalogues = Catalogues::load(std::path::Path::new("templates/i18n")).expect("catalogues");
    for key in keys() {
        for lang in Lang::ALL {
            assert_ne!(catalogues.get(lang, key), key, "{key} has no {} label", lang.code());
        }
    }
}

#[test]
fn every_stored_name_reads_back_as_its_variant() {
    fn round_trip<T: Iterable + Copy + PartialEq + std::fmt::Debug>(
        as_str: fn(T) -> &'static str,
        parse: fn(&str) -> Option<T>,
    ) {
        for v in T::iter() {
            assert_eq!(parse(as_str(v)), Some(v));
        }
    }
    round_trip(StudentStatus::as_str, StudentStatus::parse);
    round_trip(EntryKind::as_str, EntryKind::parse);
    round_trip(OpenedBecause::as_str, OpenedBecause::parse);
    round_trip(CloseReason::as_str, CloseReason::parse);
    round_trip(FollowUpWho::as_str, FollowUpWho::parse);
    round_trip(FollowUpHow::as_str, FollowUpHow::parse);
    round_trip(RunStatus::as_str, RunStatus::parse);
    round_trip(RuleSetStatus::as_str, RuleSetStatus::parse);
}

#[test]
fn the_api_names_are_the_stored_names() {
    for v in EntryKind::iter() {
        assert_eq!(serde_json::to_value(v).expect("json"), v.as_str());
    }
    for v in CloseReason::iter() {
        assert_eq!(serde_json::to_value(v).expect("json"), v.as_str());
    }
    for v in OpenedBecause::iter() {
        assert_eq!(serde_json::to_value(v).expect("json"), v.as_str());
    }
    for v in StudentStatus::iter() {
        assert_eq!(serde_json::to_value(v).expect("json"), v.as_str());
    }
    for v in FollowUpWho::iter() {
        assert_eq!(serde_json::to_value(v).expect("json"), v.as_str());
    }
    for v in FollowUpHow::iter() {
        assert_eq!(serde_json::to_value(v).expect("json"), v.as_str());
    }
    for v in RunStatus::iter() {
        assert_eq!(serde_json::to_value(v).expect("json"), v.as_str());
    }
    for v in RuleSetStatus::iter() {
        assert_eq!(serde_json::to_value(v).expect("json"), v.as_str());
    }
}
