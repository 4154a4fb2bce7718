//! The WebAssembly entry: hydrates the server-rendered page, then runs as an SPA.

use any_spawner::Executor;
use leptos::task::spawn_local;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // A page of the account area runs its wasm chunk before it can hydrate:
    // hydration is asynchronous. An error here means the executor is already
    // running, which is fine.
    let _ = Executor::init_wasm_bindgen();
    spawn_local(async {
        let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) else {
            return;
        };
        leptos::mount::hydrate_from_async(body.clone(), app::App).await.forget();
        app::prefetch_on_intent();
        // Lets styles and tests tell a live page from server-rendered HTML.
        let _ = body.set_attribute("data-live", "");
    });
}
