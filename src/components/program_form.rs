//! The form that creates an advertiser's program: a name and the landing URL its tracking links
//! send visitors to. Used on the programs page and, for an advertiser with no program yet, inside
//! the marketplace's "Add to program" dialog.
//!
//! Rules come from `model::program::ProgramInput::validate`, the function the server runs, so
//! what the form says as you type is what the server would answer; what only the server knows
//! comes back as a 422 and is shown at its field.

use leptos::prelude::*;
use model::program::{Program, ProgramInput};

use crate::{
    api::{self, ApiError},
    components::{
        field::TextField, focus_id, submit_button::SubmitButton, toast::use_toasts,
        touched::Touched,
    },
    session::use_session,
};

/// Field name in the API → id of its input.
const FIELDS: [(&str, &str); 2] = [
    ("name", "program-name"),
    ("landing_url", "program-landing-url"),
];

/// Creates a program; runs `on_created` with it after a toast says so.
#[component]
pub fn ProgramForm(
    /// Runs with the new program.
    on_created: Callback<Program>,
    /// The submit button's label.
    #[prop(default = "Create program")]
    submit_label: &'static str,
) -> impl IntoView {
    let toasts = use_toasts();
    let session = use_session();
    let name = RwSignal::new(String::new());
    let landing_url = RwSignal::new(String::new());
    let touched = Touched::default();
    // The server's field errors and the values they were about: a message goes away once its
    // field is edited.
    let server = RwSignal::new(None::<(ProgramInput, model::FieldErrors)>);
    let failure = RwSignal::new(None::<ApiError>);

    let input = Memo::new(move |_| ProgramInput {
        name: name.get(),
        landing_url: landing_url.get(),
        ..ProgramInput::default()
    });
    let local_errors = Memo::new(move |_| input.with(|i| i.validate().err().unwrap_or_default()));
    let error_for = move |field: &'static str| {
        Signal::derive(move || {
            let shown = touched.shows(field);
            let local = shown
                .then(|| local_errors.with(|e| e.get(field).cloned()))
                .flatten();
            local.or_else(|| {
                server.with(|s| {
                    let (sent, errors) = s.as_ref()?;
                    let unchanged = input.with(|i| match field {
                        "name" => i.name == sent.name,
                        _ => i.landing_url == sent.landing_url,
                    });
                    unchanged.then(|| errors.get(field).cloned()).flatten()
                })
            })
        })
    };

    // A plain task rather than an `Action` (smaller bundle; see `source_form`).
    let pending = RwSignal::new(false);
    let finish = move |sent: ProgramInput, result: Result<Program, ApiError>| match result {
        Ok(program) => {
            server.set(None);
            failure.set(None);
            name.set(String::new());
            landing_url.set(String::new());
            touched.reset();
            toasts.success(format!("Created the program “{}”.", program.name));
            on_created.run(program);
        }
        Err(e) => {
            if e.is_unauthenticated() {
                session.signed_out();
            }
            let fields = e.fields();
            if !fields.is_empty() {
                if let Some((_, id)) = FIELDS.iter().find(|(f, _)| fields.contains_key(*f)) {
                    focus_id(id);
                }
                server.set(Some((sent, fields)));
                failure.set(None);
            } else {
                failure.set(Some(e));
            }
        }
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        touched.submit();
        let errors = local_errors.get_untracked();
        if let Some((_, id)) = FIELDS.iter().find(|(f, _)| errors.contains_key(*f)) {
            focus_id(id);
            return;
        }
        failure.set(None);
        pending.set(true);
        let sent = input.get_untracked();
        leptos::task::spawn_local(async move {
            let result = api::create_program(&sent).await;
            // The form is gone (the person left): nothing to show.
            if pending.try_set(false).is_some() {
                return;
            }
            finish(sent, result);
        });
    };
    let is_pending = move || pending.get();

    view! {
        <form class="form program-form" novalidate on:submit=on_submit>
            <TextField
                id="program-name"
                label="Program name"
                hint="E.g. “Spring sale 2027”. Partners see it next to their tracking links."
                value=name
                error=error_for("name")
                on_blur=touched.on_leave("name")
            />
            <TextField
                id="program-landing-url"
                label="Landing page"
                hint="Where the tracking links send visitors: the full address, starting with https://"
                value=landing_url
                error=error_for("landing_url")
                input_type="url"
                inputmode="url"
                autocomplete="url"
                on_blur=touched.on_leave("landing_url")
            />
            {move || failure.get().map(|e| view! {
                <div class="alert alert--error" role="alert">
                    <h2 class="alert__title">"The program was not created"</h2>
                    <p>{e.message()}</p>
                </div>
            })}
            <div class="form__actions">
                <SubmitButton label=submit_label pending_label="Creating…" pending/>
                <p class="form__status" role="status">
                    {move || if is_pending() { "Creating your program…" } else { "" }}
                </p>
            </div>
        </form>
    }
}
