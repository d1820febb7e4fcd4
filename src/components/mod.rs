//! Reusable widgets. Each file holds one widget and the small types it needs.

pub mod add_to_program;
pub mod audit_history;
pub mod block_dialog;
pub mod bulk_actions;
pub mod channel_select;
pub mod click_lookup;
pub mod copy_button;
pub mod data_table;
pub mod dialog;
pub mod email_setting;
pub mod field;
pub mod header;
pub mod leave_guard;
pub mod list_controls;
pub mod load;
pub mod notice;
pub mod notification_bell;
pub mod observed_channels;
pub mod program_form;
pub mod program_settings;
pub mod record;
pub mod status_badge;
pub mod submit_button;
pub mod toast;
pub mod toggle;
pub mod touched;
pub mod traffic_chart;
pub mod traffic_panel;
pub mod traffic_period;
pub mod verification;

/// Sets the browser tab's title: the first thing a screen reader announces on a new page.
pub fn set_title(page: &str) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(&format!("{page} · {}", crate::PRODUCT_NAME));
    }
}

/// Moves keyboard focus to the element with this id (e.g. the first field with an error).
pub fn focus_id(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// "24 Nov 2026, 09:30" in the reader's locale and time zone; the raw value if it cannot parse.
pub fn format_datetime(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_string();
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    String::from(date.to_locale_string("default", &options))
}
