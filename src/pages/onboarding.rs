//! `/onboarding`: a partner's first step, the add form with a short welcome.

use leptos::prelude::*;

use crate::{
    components::set_title,
    pages::source_form::{SourceDraft, SourceForm},
    session::use_session,
};

#[component]
pub fn Onboarding() -> impl IntoView {
    set_title("Welcome");
    let session = use_session();
    let name = move || {
        session
            .account()
            .map(|a| a.display_name)
            .unwrap_or_default()
    };
    view! {
        <section class="page form-page onboarding">
            <h1>{move || format!("Welcome, {}!", name())}</h1>
            <p class="lead">
                "Tell us where your audience comes from. A traffic source is a site, app, channel or "
                "newsletter you promote offers on. Advertisers look at your sources before they work with you."
            </p>
            <ol class="steps">
                <li>"Name your first traffic source and give its web address."</li>
                <li>"Pick the channels it uses."</li>
                <li>"Save. You can add more and change them any time."</li>
            </ol>
            <h2>"Your first traffic source"</h2>
            <SourceForm initial=SourceDraft::default() save_label="Save and continue"/>
        </section>
    }
}
