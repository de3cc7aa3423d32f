//! Every typed training status and public-form action names a label that both catalogues define
//! (issue 17 step 1, training share).
use entity::public_attempt::PublicAction;
use entity::registration::RegistrationStatus;
use entity::session_proposal::ProposalStatus;
use entity::training_session::SessionStatus;
use sea_orm::Iterable;
use vocpath::i18n::{Catalogues, Lang};

fn keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = SessionStatus::iter().map(SessionStatus::i18n_key).collect();
    keys.extend(RegistrationStatus::iter().map(RegistrationStatus::i18n_key));
    keys.extend(ProposalStatus::iter().map(ProposalStatus::i18n_key));
    keys.extend(PublicAction::iter().map(PublicAction::i18n_key));
    keys
}

#[test]
fn every_training_status_label_is_in_both_catalogues() {
    let catalogues = Catalogues::load(std::path::Path::new("templates/i18n")).expect("catalogues");
    for key in keys() {
        for lang in Lang::ALL {
            assert_ne!(catalogues.get(lang, key), key, "{key} has no {} label", lang.code());
        }
    }
}

#[test]
fn training_statuses_are_stored_as_before() {
    let stored: Vec<&str> = SessionStatus::iter()
        .map(SessionStatus::as_str)
        .chain(RegistrationStatus::iter().map(RegistrationStatus::as_str))
        .chain(ProposalStatus::iter().map(ProposalStatus::as_str))
        .chain(PublicAction::iter().map(PublicAction::as_str))
        .collect();
    assert_eq!(
        stored,
        [
            "scheduled",
            "cancelled",
            "confirmed",
            "waitlisted",
            "cancelled",
            "proposed",
            "approved",
            "dismissed",
            "withdrawn",
            "register",
            "lookup",
            "interest"
        ]
    );
}
