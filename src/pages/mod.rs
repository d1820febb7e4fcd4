//! One file per screen.

pub mod home;
pub mod not_found;
pub mod onboarding;
pub mod sign_in;
pub mod sign_up;
pub mod source_form;
pub mod sources_list;
