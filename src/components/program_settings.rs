//! A program's settings on its page: description, approval mode, listing in the partners'
//! directory, accepted channels and the domains deep links may lead to. Saved with
//! `PUT /api/programs/{id}`; the server's field errors show at their fields.

use leptos::prelude::*;
use model::program::{ApprovalMode, Listing, Program, ProgramInput};
use model::Channel;

use crate::{api, components::toast::use_toasts};

#[component]
pub fn ProgramSettings(program: Program) -> impl IntoView {
    let toasts = use_toasts();
    let description = RwSignal::new(program.description.clone());
    let mode = RwSignal::new(program.approval_mode.id().to_string());
    let listing = RwSignal::new(program.listing.id().to_string());
    let channels = RwSignal::new(
        program
            .accepted_channels
            .iter()
            .map(|c| c.id().to_string())
            .collect::<Vec<_>>(),
    );
    let domains = RwSignal::new(program.permitted_domains.join("\n"));
    let errors = RwSignal::new(model::FieldErrors::new());
    let saving = RwSignal::new(false);
    let (id, name, landing_url) = (
        program.id,
        program.name.clone(),
        program.landing_url.clone(),
    );
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = ProgramInput {
            name: name.clone(),
            landing_url: landing_url.clone(),
            description: description.get_untracked(),
            approval_mode: Some(mode.get_untracked()),
            listing: Some(listing.get_untracked()),
            accepted_channels: channels.get_untracked(),
            permitted_domains: domains
                .get_untracked()
                .split(['\n', ','])
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(String::from)
                .collect(),
        };
        saving.set(true);
        leptos::task::spawn_local(async move {
            match api::update_program(id, &input).await {
                Ok(_) => {
                    errors.set(Default::default());
                    toasts.success("Saved the program's settings");
                }
                Err(e) => {
                    let mut fields = e.fields();
                    if fields.is_empty() {
                        fields.insert("form".into(), e.message());
                    }
                    errors.set(fields);
                }
            }
            saving.set(false);
        });
    };
    let error = move |field: &'static str| {
        move || {
            errors.with(|e| e.get(field).cloned()).map(
                |m| view! { <p class="field__error" id=format!("settings-{field}-error")>{m}</p> },
            )
        }
    };
    let channel_boxes = Channel::ALL
        .into_iter()
        .map(|c| {
            let cid = c.id().to_string();
            let checked = {
                let cid = cid.clone();
                move || channels.with(|list| list.contains(&cid))
            };
            view! {
                <label class="checkbox">
                    <input type="checkbox" prop:checked=checked
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            let cid = cid.clone();
                            channels.update(|list| if on { list.push(cid) } else { list.retain(|x| *x != cid) });
                        }/>
                    {c.label()}
                </label>
            }
        })
        .collect_view();
    view! {
        <details class="program-settings">
            <summary>"Program settings"</summary>
            <form on:submit=save novalidate>
                <label class="field" for="settings-description">
                    <span class="field__label">"Description for partners"</span>
                </label>
                <textarea id="settings-description" class="input" maxlength="2000" rows="3"
                    prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                {error("description")}
                <label class="field__label" for="settings-mode">"Approval"</label>
                <select id="settings-mode" class="input" on:change=move |ev| mode.set(event_target_value(&ev))>
                    <option value=ApprovalMode::Manual.id() selected=program.approval_mode == ApprovalMode::Manual>"Manual: I approve each application"</option>
                    <option value=ApprovalMode::Automatic.id() selected=program.approval_mode == ApprovalMode::Automatic>"Automatic: applications are approved at once"</option>
                </select>
                <label class="field__label" for="settings-listing">"Listing"</label>
                <select id="settings-listing" class="input" on:change=move |ev| listing.set(event_target_value(&ev))>
                    <option value=Listing::Listed.id() selected=program.listing == Listing::Listed>"Listed in the partners' directory"</option>
                    <option value=Listing::Unlisted.id() selected=program.listing == Listing::Unlisted>"Unlisted: by invitation only"</option>
                </select>
                <fieldset>
                    <legend>"Accepted channels (none chosen: every channel)"</legend>
                    {channel_boxes}
                </fieldset>
                {error("accepted_channels")}
                <label class="field__label" for="settings-domains">"Other domains deep links may lead to (one a line)"</label>
                <textarea id="settings-domains" class="input" rows="2"
                    prop:value=domains on:input=move |ev| domains.set(event_target_value(&ev))></textarea>
                {error("permitted_domains")}
                {error("form")}
                <button type="submit" class="button button--primary" disabled=saving>"Save settings"</button>
            </form>
        </details>
    }
}
