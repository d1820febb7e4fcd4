//! Keeps unsaved edits from being lost by leaving the page some other way than Discard.
//!
//! - Closing or reloading the tab, or following a link to another site: the browser's own
//!   "Leave site?" question (`beforeunload`).
//! - Following a link inside the app (the header, a breadcrumb): the form's own question, then
//!   the page the person asked for.
//! - The browser's Back and Forward buttons: the same question, where the browser lets a page
//!   hold them (the Navigation API, in Chromium-based browsers); elsewhere they are not held.

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};

use js_sys::Reflect;
use leptos::prelude::on_cleanup;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};

/// Where the person was going when the form asked.
#[derive(Debug, Clone, PartialEq)]
pub enum Leaving {
    /// A page of the app, by a link: path, query and fragment.
    To(String),
    /// Back or Forward in the tab's history: the key of the entry it was going to.
    Traverse(String),
}

/// Goes back or forward to the history entry with this key (see [`Leaving::Traverse`]).
pub fn traverse_to(key: &str) {
    let Some(navigation) = navigation() else {
        return;
    };
    if let Ok(traverse) = Reflect::get(&navigation, &"traverseTo".into()) {
        if let Some(traverse) = traverse.dyn_ref::<js_sys::Function>() {
            let _ = traverse.call1(&navigation, &JsValue::from_str(key));
        }
    }
}

/// `window.navigation`, where the browser has it.
fn navigation() -> Option<JsValue> {
    let window = web_sys::window()?;
    Reflect::get(&window, &"navigation".into())
        .ok()
        .filter(|n| n.is_object())
}

/// The form currently on screen: whether it holds unsaved edits, and how to ask before
/// leaving.
struct Guard {
    token: u32,
    dirty: Rc<dyn Fn() -> bool>,
    ask: Rc<dyn Fn(Leaving)>,
}

thread_local! {
    static GUARD: RefCell<Option<Guard>> = const { RefCell::new(None) };
    static NEXT_TOKEN: Cell<u32> = const { Cell::new(0) };
    static INSTALLED: Cell<bool> = const { Cell::new(false) };
}

/// While the calling component is mounted and `dirty()` is true, leaving asks first:
/// `ask(where)` is called instead of going there. To go after all, the form makes itself clean
/// (so `dirty()` is false) and then goes.
pub fn guard_unsaved_changes(dirty: impl Fn() -> bool + 'static, ask: impl Fn(Leaving) + 'static) {
    install_listeners();
    let token = NEXT_TOKEN.with(|n| {
        n.set(n.get().wrapping_add(1));
        n.get()
    });
    GUARD.with(|g| {
        *g.borrow_mut() = Some(Guard {
            token,
            dirty: Rc::new(dirty),
            ask: Rc::new(ask),
        })
    });
    // The next page's form may mount before this one is cleaned up: only clear our own guard.
    on_cleanup(move || {
        GUARD.with(|g| {
            let mut g = g.borrow_mut();
            if g.as_ref().is_some_and(|guard| guard.token == token) {
                *g = None;
            }
        })
    });
}

/// The guard's `ask`, if a form with unsaved edits is on screen.
fn holding() -> Option<Rc<dyn Fn(Leaving)>> {
    let (dirty, ask) = GUARD.with(|g| {
        g.borrow()
            .as_ref()
            .map(|guard| (guard.dirty.clone(), guard.ask.clone()))
    })?;
    // Called outside the borrow: `dirty` reads signals, `ask` may mount a dialog.
    dirty().then_some(ask)
}

/// Listeners installed once for the app's lifetime; they do nothing unless a guard is holding.
fn install_listeners() {
    if INSTALLED.with(|i| i.replace(true)) {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_unload =
        Closure::<dyn Fn(web_sys::BeforeUnloadEvent)>::new(|ev: web_sys::BeforeUnloadEvent| {
            if holding().is_some() {
                ev.prevent_default();
                // Older browsers only ask when a return value is set.
                ev.set_return_value("unsaved");
            }
        });
    let _ =
        window.add_event_listener_with_callback("beforeunload", on_unload.as_ref().unchecked_ref());
    on_unload.forget();

    // Capture phase on the window: runs before the router's own click handler, which leaves a
    // click alone once its default is prevented.
    let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(|ev: web_sys::MouseEvent| {
        if ev.default_prevented()
            || ev.button() != 0
            || ev.meta_key()
            || ev.alt_key()
            || ev.ctrl_key()
            || ev.shift_key()
        {
            return;
        }
        let Some(path) = in_app_destination(&ev) else {
            return;
        };
        if let Some(ask) = holding() {
            ev.prevent_default();
            ask(Leaving::To(path));
        }
    });
    let _ = window.add_event_listener_with_callback_and_bool(
        "click",
        on_click.as_ref().unchecked_ref(),
        true,
    );
    on_click.forget();

    // Back and Forward: a same-document traversal can be cancelled before it happens, so the
    // router never hears of it. Another document unloads, and `beforeunload` asks.
    let Some(navigation) = navigation().and_then(|n| n.dyn_into::<web_sys::EventTarget>().ok())
    else {
        return;
    };
    let on_navigate = Closure::<dyn Fn(web_sys::Event)>::new(|ev: web_sys::Event| {
        let Some(key) = traversal_in_document(&ev) else {
            return;
        };
        if let Some(ask) = holding() {
            ev.prevent_default();
            ask(Leaving::Traverse(key));
        }
    });
    let _ = navigation
        .add_event_listener_with_callback("navigate", on_navigate.as_ref().unchecked_ref());
    on_navigate.forget();
}

/// The destination key of a cancellable Back/Forward within this document, if `ev` (a
/// `NavigateEvent`) is one.
fn traversal_in_document(ev: &web_sys::Event) -> Option<String> {
    let get = |object: &JsValue, key: &str| Reflect::get(object, &key.into()).ok();
    if !ev.cancelable() || get(ev, "navigationType")?.as_string()? != "traverse" {
        return None;
    }
    let destination = get(ev, "destination")?;
    if get(&destination, "sameDocument")?.as_bool() != Some(true) {
        return None;
    }
    // Back from `#main` to the same page is not leaving it.
    let url = web_sys::Url::new(&get(&destination, "url")?.as_string()?).ok()?;
    if on_this_page(&url)? {
        return None;
    }
    get(&destination, "key")?.as_string()
}

/// The path, query and fragment of the same-origin link this click follows in this tab, unless
/// it stays on the page already shown (e.g. the skip link to `#main`).
fn in_app_destination(ev: &web_sys::MouseEvent) -> Option<String> {
    let target = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
    let link = target.closest("a[href]").ok()??;
    if link.has_attribute("download")
        || link
            .get_attribute("target")
            .is_some_and(|t| !t.is_empty() && t != "_self")
    {
        return None;
    }
    let location = web_sys::window()?.location();
    let here = location.href().ok()?;
    let url = web_sys::Url::new_with_base(&link.get_attribute("href")?, &here).ok()?;
    if url.origin() != location.origin().ok()? {
        // Another site: the page unloads and `beforeunload` asks.
        return None;
    }
    (!on_this_page(&url)?).then(|| format!("{}{}{}", url.pathname(), url.search(), url.hash()))
}

/// Whether `url` is the page shown now, whatever its fragment.
fn on_this_page(url: &web_sys::Url) -> Option<bool> {
    let location = web_sys::window()?.location();
    Some(url.pathname() == location.pathname().ok()? && url.search() == location.search().ok()?)
}
