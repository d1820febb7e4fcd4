//! One file per screen.

pub mod admin_review;
pub mod admin_sources;
pub mod applications;
pub mod home;
pub mod marketplace;
pub mod not_found;
pub mod notifications;
pub mod onboarding;
pub mod partner_programs;
pub mod program;
pub mod programs;
pub mod sign_in;
pub mod sign_up;
pub mod source_form;
pub mod source_page;
pub mod sources_list;
pub mod webhooks;
