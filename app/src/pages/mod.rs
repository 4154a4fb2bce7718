//! One module per page, plus the parts they share.

/// Declares `$route`, a route whose view is `$view`, loaded from a wasm chunk
/// of its own the first time the browser shows it. The server renders it like
/// any other route. Its data loads inside the page, as the page's own
/// resources, so `data` has nothing to start.
macro_rules! lazy_page {
    ($route:ident => $view:expr) => {
        struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                $view.into_any()
            }
        }
    };
}

pub mod account;
pub mod form;
pub mod guards;
pub mod home;
pub mod login;
pub mod nav;
pub mod not_found;
pub mod register;
pub mod time;
pub mod users;
