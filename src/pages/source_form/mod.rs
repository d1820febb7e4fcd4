//! The add and edit form of a traffic source (`/traffic-sources/new`,
//! `/traffic-sources/:id/edit`, and the onboarding step), with Save and Discard.
//!
//! Rules come from `model::source`, the very functions the server runs, so what the form says
//! as you type is what the server would answer. What only the server knows (a duplicate name,
//! a newer version) is shown where it belongs: at the field, or above the buttons.

use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};
use model::{
    source::{validate_channels, validate_name, validate_url},
    SourceUpdate, Status, Visibility,
};

use crate::{
    api::{self, ApiError},
    components::{
        channel_select::ChannelSelect,
        dialog::ConfirmDialog,
        field::TextField,
        focus_id,
        leave_guard::{guard_unsaved_changes, traverse_to, Leaving},
        submit_button::SubmitButton,
        toast::use_toasts,
        toggle::Toggle,
        touched::Touched,
    },
    session::use_session,
};

mod draft;
mod pages;
mod problem;

pub use draft::{Editing, SourceDraft};
pub use pages::{EditSource, NewSource};
use problem::{SaveProblem, SaveProblemNotice};

/// The fields in the order they appear, with the id of the control to focus for each.
const FIELD_FOCUS: [(&str, &str); 3] = [
    ("name", "name"),
    ("url", "url"),
    ("channels", "channels-content"),
];

/// The traffic source form. After a successful save it shows a toast and goes to the table;
/// Discard goes there too, asking first when something was changed.
#[component]
pub fn SourceForm(
    /// The values the form starts with (and that Discard compares against).
    initial: SourceDraft,
    /// The source being edited, or `None` to add a new one.
    #[prop(optional)]
    editing: Option<Editing>,
    /// The Save button's label.
    #[prop(default = "Save")]
    save_label: &'static str,
) -> impl IntoView {
    let toasts = use_toasts();
    let session = use_session();
    let navigate = use_navigate();

    let name = RwSignal::new(initial.name.clone());
    let url = RwSignal::new(initial.url.clone());
    let channels = RwSignal::new(initial.channels.clone());
    let status = RwSignal::new(initial.status);
    let visibility = RwSignal::new(initial.visibility);
    let baseline = RwSignal::new(initial);
    let version = RwSignal::new(editing.map(|e| e.version));

    let draft = Memo::new(move |_| SourceDraft {
        name: name.get(),
        url: url.get(),
        channels: channels.get(),
        status: status.get(),
        visibility: visibility.get(),
    });
    let dirty = Memo::new(move |_| draft.with(|d| baseline.with(|b| d != b)));

    let touched = Touched::default();
    let problem = RwSignal::new(None::<SaveProblem>);
    // Blocked by staff while this form is open: say so now, and stop offering Save. If this
    // tab may have missed it (away for a while), the source is asked for again.
    if let Some(Editing { id, .. }) = editing {
        crate::live::on_update(move |update| {
            if crate::live::missed(update) {
                leptos::task::spawn_local(async move {
                    if let Ok(now) = api::get_source(id).await {
                        if now.source.status == model::Status::Blocked {
                            problem.try_set(Some(SaveProblem::Blocked));
                        }
                    }
                });
            } else if update.kind == "source"
                && update.source_id == Some(id)
                && update.status.as_deref() == Some("blocked")
            {
                problem.set(Some(SaveProblem::Blocked));
            }
        });
    }
    // The draft the server judged, so a server message about a field disappears once that field
    // is edited, and Retry sends exactly what failed.
    let last_sent = RwSignal::new(None::<SourceDraft>);

    let local_error = move |field: &str| -> Option<String> {
        draft.with(|d| match field {
            "name" => validate_name(&d.name).err(),
            "url" => validate_url(&d.url).err(),
            _ => {
                let ids: Vec<String> = d.channels.iter().map(|c| c.id().to_string()).collect();
                validate_channels(&ids).err()
            }
        })
    };
    let server_error = move |field: &str| -> Option<String> {
        let Some(SaveProblem::Fields(fields)) = problem.get() else {
            return None;
        };
        let message = fields.get(field)?.clone();
        let unchanged = last_sent.with(|sent| {
            sent.as_ref().is_some_and(|s| {
                draft.with(|d| match field {
                    "name" => s.name == d.name,
                    "url" => s.url == d.url,
                    "channels" => s.channels == d.channels,
                    "status" => s.status == d.status,
                    _ => s.visibility == d.visibility,
                })
            })
        });
        unchanged.then_some(message)
    };
    let error_for = move |field: &'static str| {
        Signal::derive(move || {
            let shown = touched.shows(field);
            shown
                .then(|| local_error(field))
                .flatten()
                .or_else(|| server_error(field))
        })
    };

    let go = navigate.clone();
    let leave = Callback::new(move |_| go("/traffic-sources", NavigateOptions::default()));

    // Plain tasks rather than `Action`s: one flag and one continuation each is all this needs,
    // and every generic Action/Effect instantiation costs bundle size. The continuation runs
    // after an await: if the person left the page meanwhile, the signals are gone and it stops.
    let saving = RwSignal::new(false);
    let send = move |sent: SourceDraft| {
        if saving.get_untracked() {
            return;
        }
        saving.set(true);
        problem.set(None);
        let version = version.get_untracked();
        leptos::task::spawn_local(async move {
            let input = sent.input();
            let result = match editing {
                None => api::create_source(&input).await,
                Some(Editing { id, .. }) => {
                    let body = SourceUpdate {
                        name: input.name,
                        url: input.url,
                        channels: input.channels,
                        status: input.status,
                        visibility: input.visibility,
                        version,
                    };
                    api::update_source(id, &body).await
                }
            };
            if saving.try_set(false).is_some() {
                return;
            }
            last_sent.set(Some(sent));
            match result {
                Ok(source) => {
                    // Nothing is unsaved any more: Discard and leaving must not ask.
                    baseline.set(draft.get_untracked());
                    toasts.success(match editing {
                        None => format!("Added “{}”.", source.name),
                        Some(_) => format!("Saved your changes to “{}”.", source.name),
                    });
                    leave.run(());
                }
                Err(e) => {
                    let found = match e.code() {
                        "invalid" | "duplicate" if !e.fields().is_empty() => {
                            SaveProblem::Fields(e.fields())
                        }
                        "version_conflict" => SaveProblem::Conflict,
                        "source_blocked" => SaveProblem::Blocked,
                        _ if e == ApiError::Network => SaveProblem::Network,
                        _ => SaveProblem::Other(e.clone()),
                    };
                    if e.is_unauthenticated() {
                        session.signed_out();
                    }
                    if let SaveProblem::Fields(fields) = &found {
                        if let Some((_, id)) =
                            FIELD_FOCUS.iter().find(|(f, _)| fields.contains_key(*f))
                        {
                            focus_id(id);
                        }
                    }
                    problem.set(Some(found));
                }
            }
        });
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        touched.submit();
        if let Some((_, id)) = FIELD_FOCUS.iter().find(|(f, _)| local_error(f).is_some()) {
            focus_id(id);
            return;
        }
        send(draft.get_untracked());
    };

    // Loads the stored version after a conflict; the form then shows what is really saved.
    let reloading = RwSignal::new(false);
    let reload = move || {
        let Some(Editing { id, .. }) = editing else {
            return;
        };
        if reloading.get_untracked() {
            return;
        }
        reloading.set(true);
        leptos::task::spawn_local(async move {
            let result = api::get_source(id).await.map(|d| d.source);
            if reloading.try_set(false).is_some() {
                return;
            }
            match result {
                Ok(source) if source.status == Status::Blocked => {
                    problem.set(Some(SaveProblem::Blocked))
                }
                Ok(source) => {
                    let fresh = SourceDraft::from_source(&source);
                    name.set(fresh.name.clone());
                    url.set(fresh.url.clone());
                    channels.set(fresh.channels.clone());
                    status.set(fresh.status);
                    visibility.set(fresh.visibility);
                    baseline.set(fresh);
                    version.set(Some(source.version));
                    problem.set(None);
                    touched.reset();
                    toasts.info("Loaded the latest saved version.");
                    focus_id("name");
                }
                Err(e) => problem.set(Some(SaveProblem::Other(e))),
            }
        });
    };

    let confirm_discard = RwSignal::new(false);
    // Where confirming the question goes: the table after Discard, or where the person was
    // going (a link, Back or Forward) with unsaved edits.
    let leaving = RwSignal::new(None::<Leaving>);
    let on_discard = move |_| {
        if dirty.get_untracked() {
            leaving.set(None);
            confirm_discard.set(true);
        } else {
            leave.run(());
        }
    };
    guard_unsaved_changes(
        move || dirty.try_get_untracked().unwrap_or(false),
        move |to| {
            leaving.set(Some(to));
            confirm_discard.set(true);
        },
    );
    let confirm_leave = Callback::new(move |_| {
        // Clean first, so the guard lets this leaving through.
        baseline.set(draft.get_untracked());
        match leaving.get_untracked() {
            Some(Leaving::To(path)) => navigate(&path, NavigateOptions::default()),
            Some(Leaving::Traverse(key)) => traverse_to(&key),
            None => leave.run(()),
        }
    });

    let pending = move || saving.get();
    view! {
        <form class="form source-form" novalidate on:submit=on_submit>
            <TextField
                id="name"
                label="Name"
                hint="How you call this source, e.g. “Cooking blog”. Unique among your sources."
                value=name
                error=error_for("name")
                on_blur=touched.on_leave("name")
            />
            <TextField
                id="url"
                label="Web address"
                hint="The full address, starting with https://"
                value=url
                error=error_for("url")
                input_type="url"
                inputmode="url"
                autocomplete="url"
                on_blur=touched.on_leave("url")
            />
            <ChannelSelect selected=channels error=error_for("channels") on_blur=touched.on_leave("channels")/>
            <div class="form__row">
                <Toggle legend="Status" name="status" options=vec![Status::Active, Status::Paused] value=status/>
                <Toggle
                    legend="Visibility"
                    name="visibility"
                    options=vec![Visibility::Public, Visibility::Private]
                    value=visibility
                />
            </div>
            <SaveProblemNotice
                problem
                reloading
                reload=Callback::new(move |_| reload())
                retry=Callback::new(move |_| {
                    if let Some(d) = last_sent.get_untracked() {
                        send(d);
                    }
                })
            />
            <div class="form__actions">
                {move || {
                    (!matches!(problem.get(), Some(SaveProblem::Blocked)))
                        .then(|| view! { <SubmitButton label=save_label pending_label="Saving…" pending=saving/> })
                }}
                <button type="button" class="button" on:click=on_discard>
                    "Discard"
                </button>
                <p class="form__status" role="status">
                    {move || if pending() { "Saving your traffic source…" } else { "" }}
                </p>
            </div>
        </form>
        <ConfirmDialog
            open=confirm_discard
            id="discard"
            title="Discard your changes?"
            message="What you changed on this form will be lost. The saved traffic source stays as it was."
            confirm_label="Discard changes"
            cancel_label="Keep editing"
            on_confirm=confirm_leave
        />
    }
}
