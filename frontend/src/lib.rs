//! The WebAssembly entry: hydrates the server-rendered page, then runs as an SPA.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Lets styles and tests tell a live page from server-rendered HTML.
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.set_attribute("data-live", "");
    }
}
