//! What this site offers, fixed at start-up by its configuration: passkeys,
//! registration, identity providers (`model::Features`). The first page a
//! browser loads carries it, and every page of the app uses that, without a
//! request of its own (and without the code to wait for one).

use crate::model::Features;
use leptos::{prelude::*, server::SharedValue};

/// Makes the site's features available to the pages; called once, by the
/// root component.
pub fn provide_features() {
    let features = SharedValue::new(|| {
        // Quietly none while the routes are listed at start-up, with no state.
        #[cfg(feature = "ssr")]
        let features = use_context::<crate::backend::AppState>()
            .map(|state| state.features())
            .unwrap_or_default();
        #[cfg(not(feature = "ssr"))]
        let features = Features::default();
        features
    })
    .into_inner();
    provide_context(features);
}

/// The site's features, as the first page load carried them.
pub fn features() -> Features {
    use_context::<Features>().unwrap_or_default()
}
