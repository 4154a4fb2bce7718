//! The account page's one notification banner (the GOV.UK "success"
//! notification banner): what the last action did, at the top of the page,
//! focused when it appears. An action posted without JavaScript lands on
//! `/account?done=<key>`, and an action in the running app sets the same
//! notice, so both say the same words in the same place. A later success
//! replaces it, and with it every form's earlier problems; a later failure
//! removes it.

use super::form::FormProblems;
use leptos::{html, prelude::*};

/// A success the account page announces, by the key of its `?done=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    PasswordChanged,
    PasskeyAdded,
    PasskeyRemoved,
    ProviderLinked,
    ProviderUnlinked,
    LoggedOutElsewhere,
    SessionEnded,
    EmailChangeSent,
    VerificationSent,
    TwoFactorOn,
    TwoFactorOff,
    RecoveryCodesMade,
}

impl Notice {
    const KEYS: [(&'static str, Notice); 12] = [
        ("password", Notice::PasswordChanged),
        ("passkey-added", Notice::PasskeyAdded),
        ("passkey-removed", Notice::PasskeyRemoved),
        ("identity-linked", Notice::ProviderLinked),
        ("identity-unlinked", Notice::ProviderUnlinked),
        ("logout-everywhere", Notice::LoggedOutElsewhere),
        ("session-ended", Notice::SessionEnded),
        ("email-change-sent", Notice::EmailChangeSent),
        ("verification-sent", Notice::VerificationSent),
        ("two-factor-on", Notice::TwoFactorOn),
        ("two-factor-off", Notice::TwoFactorOff),
        ("recovery-codes", Notice::RecoveryCodesMade),
    ];

    /// The notice of `?done=<key>`.
    pub fn of(key: &str) -> Option<Self> {
        Self::KEYS
            .iter()
            .find(|(known, _)| *known == key)
            .map(|(_, notice)| *notice)
    }

    /// Its `?done=` key.
    pub fn key(self) -> &'static str {
        Self::KEYS
            .iter()
            .find(|(_, notice)| *notice == self)
            .map_or("", |(key, _)| key)
    }

    /// Whether it changed how the account signs in: whoever else had the old
    /// ways in may still be signed in (ASVS 7.4.3).
    pub fn changes_a_way_in(self) -> bool {
        matches!(
            self,
            Notice::PasskeyRemoved | Notice::ProviderLinked | Notice::ProviderUnlinked | Notice::PasskeyAdded
        )
    }

    pub fn words(self) -> &'static str {
        match self {
            Notice::PasswordChanged => "Your password has been changed. Every other session has been logged out.",
            Notice::PasskeyAdded => "The passkey has been added. You can sign in with it.",
            Notice::PasskeyRemoved => "The passkey has been removed. It no longer signs in to your account.",
            Notice::ProviderLinked => "The provider has been linked: you can sign in with it.",
            Notice::ProviderUnlinked => "The provider has been unlinked. It no longer signs in to your account.",
            Notice::LoggedOutElsewhere => "Every other session has been logged out. This browser stays logged in.",
            Notice::SessionEnded => "The session has been ended. That browser is logged out.",
            Notice::EmailChangeSent => {
                "We sent a link to the new address. Your address changes when you follow it; it works for an hour."
            }
            Notice::VerificationSent => "A new verification link is on its way. It works for 24 hours.",
            Notice::TwoFactorOn => "Two-step verification is on. Keep your recovery codes somewhere safe.",
            Notice::TwoFactorOff => "Two-step verification is off.",
            Notice::RecoveryCodesMade => "New recovery codes have been made. The old ones no longer work.",
        }
    }
}

/// The page's notice and the forms whose problems a success clears.
#[derive(Clone, Copy)]
pub struct AccountNotices {
    notice: RwSignal<Option<Notice>>,
    forms: StoredValue<Vec<FormProblems>>,
}

impl AccountNotices {
    /// Starts with the notice of the page's `?done=`, for the page whose
    /// forms' problems are `forms`, and makes it the page's.
    pub fn provide(forms: Vec<FormProblems>) -> Self {
        // A problem the page was sent with (a form posted without JavaScript
        // comes back to the page it left, `?done=` and all) is the news.
        let failed = forms.iter().any(FormProblems::any);
        let first = super::query_value("done")
            .as_deref()
            .and_then(Notice::of)
            .filter(|_| !failed);
        let notices = Self {
            notice: RwSignal::new(first),
            forms: StoredValue::new(forms),
        };
        // A failure replaces the notice: the page speaks of its last action only.
        Effect::new(move |_| {
            if notices.forms.with_value(|forms| forms.iter().any(FormProblems::any)) {
                notices.notice.set(None);
            }
        });
        provide_context(notices);
        notices
    }

    /// Shows `notice`, in place of any earlier notice or problem.
    pub fn announce(&self, notice: Notice) {
        self.forms
            .with_value(|forms| forms.iter().for_each(FormProblems::clear));
        self.notice.set(Some(notice));
    }

    pub fn current(&self) -> Option<Notice> {
        self.notice.get()
    }
}

/// What announces a notice on the account page, for a component that may
/// be on one (a no-op elsewhere). Taken when the component is made: effects
/// and tasks run outside its owner, where no context can be found.
pub fn announcer() -> impl Fn(Notice) + Clone + 'static {
    let notices = use_context::<AccountNotices>();
    move |notice| {
        if let Some(notices) = notices {
            notices.announce(notice);
        }
    }
}

/// The banner of the page's notice. `role="alert"`: it appears after an
/// action, and is announced as it does; focused then, and on a page loaded
/// with it (`autofocus`), so the next Tab starts from the top rather than at
/// the button that was pressed.
#[component]
pub fn NotificationBanner(notices: AccountNotices) -> impl IntoView {
    let banner = NodeRef::<html::Div>::new();
    Effect::watch(
        move || notices.current(),
        move |notice, _, _| {
            if let (Some(_), Some(banner)) = (notice, banner.get_untracked()) {
                let _ = banner.focus();
            }
        },
        false,
    );
    move || {
        notices.current().map(|notice| {
            view! {
                <div
                    class="notification-banner success"
                    role="alert"
                    aria-labelledby="notification-banner-title"
                    tabindex="-1"
                    autofocus
                    data-notice=notice.key()
                    node_ref=banner
                >
                    <h2 class="notification-banner-title" id="notification-banner-title">"Success"</h2>
                    <p class="notification-banner-heading">{notice.words()}</p>
                </div>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Notice;

    #[test]
    fn each_notice_is_its_own_key_and_has_words() {
        for (key, notice) in Notice::KEYS {
            assert_eq!(Notice::of(key), Some(notice));
            assert_eq!(notice.key(), key);
            assert!(notice.words().ends_with('.'), "{key}");
        }
        assert_eq!(Notice::of("anything"), None);
    }

    #[test]
    fn the_server_functions_land_on_keys_the_page_knows() {
        let sources = [
            include_str!("../api/account.rs"),
            include_str!("../api/identity.rs"),
            include_str!("../api/passkeys.rs"),
            include_str!("../api/recovery.rs"),
            include_str!("../api/two_factor.rs"),
            include_str!("../backend/http/identity.rs"),
        ];
        for source in sources {
            for landing in source.split("\"/account?done=").skip(1) {
                let key = landing.split(['"', '#']).next().unwrap_or_default();
                assert!(Notice::of(key).is_some(), "/account?done={key} has no notice");
            }
        }
    }
}
