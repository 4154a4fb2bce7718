use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for unknown paths and unknown users; a server render of it answers 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <h1>"Not found"</h1>
        <p>"There is nothing here. " <a href="/">"Go home"</a></p>
    }
}
