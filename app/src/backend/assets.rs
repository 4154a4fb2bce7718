//! The built js, wasm and css every page links, named once at start.
//!
//! The release build (`LEPTOS_HASH_FILES=true cargo leptos build`) puts a hash
//! of each file's content in its name and lists the hashes in `hash.txt`
//! beside the server binary. leptos' own head components (`HydrationScripts`,
//! `HashedStylesheet`) read that file again on every render, a measurable
//! share of `GET /login` (docs/performance.md, "Figures behind code
//! choices"): here it is read once.

use leptos::config::LeptosOptions;

/// The names of the built files, as pages link them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltAssets {
    pub js: String,
    pub wasm: String,
    pub css: String,
    /// `/login`'s own script ([`LOGIN_SCRIPT`]), named by a hash of its content
    /// whether or not the build hashes names.
    pub login_script: String,
    /// The names carry content hashes, so browsers may keep the files for good.
    pub hashed: bool,
    /// The inline module that starts the app, written once.
    script: String,
}

impl BuiltAssets {
    /// The files cargo-leptos writes for `output_name` into the URL folder
    /// `pkg`: plain names, or with `hashes` (the contents of `hash.txt`:
    /// `js: <hash>` lines) hashed ones.
    pub fn named(pkg: &str, output_name: &str, hashes: Option<&str>) -> Self {
        let name = |kind: &str| match hashes.and_then(|hashes| hash_in(hashes, kind)) {
            Some(hash) => format!("{pkg}/{output_name}.{hash}.{kind}"),
            None => format!("{pkg}/{output_name}.{kind}"),
        };
        let (js, wasm) = (name("js"), name("wasm"));
        Self {
            script: format!(
                "import init, {{ hydrate }} from \"{js}\"; init({{ module_or_path: \"{wasm}\" }}).then(hydrate);"
            ),
            js,
            wasm,
            css: name("css"),
            login_script: format!("{pkg}/login.{}.js", content_hash(LOGIN_SCRIPT)),
            hashed: hashes.is_some(),
        }
    }

    /// The files of the site `options` describe (`site-pkg-dir` and
    /// `output-name` in Cargo.toml).
    pub fn read(options: &LeptosOptions, hashes: Option<&str>) -> Self {
        Self::named(&format!("/{}", options.site_pkg_dir), &options.output_name, hashes)
    }

    /// The inline module that starts the app: loads the js and the wasm it
    /// binds, then hydrates the page.
    pub fn hydration_script(&self) -> &str {
        &self.script
    }
}

/// `/login`'s script, served from the binary: not a build output of
/// cargo-leptos, which names and compresses only the app's own files.
pub const LOGIN_SCRIPT: &str = crate::pages::login::SCRIPT;

/// 96 bits of SHA-256, base64url: a name that changes with the content.
fn content_hash(content: &str) -> String {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    use sha2::{Digest, Sha256};
    URL_SAFE_NO_PAD.encode(&Sha256::digest(content)[..12])
}

/// The hash `hash.txt` lists for `kind` (`js: <hash>` lines).
fn hash_in(hashes: &str, kind: &str) -> Option<String> {
    hashes.lines().find_map(|line| {
        let (file, hash) = line.split_once(':')?;
        (file.trim() == kind).then(|| hash.trim().to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_hashes_cargo_leptos_listed() {
        let assets = BuiltAssets::named("/pkg", "app", Some("js: Aa1\nwasm: Bb2\ncss: Cc3\n"));
        assert_eq!(assets.js, "/pkg/app.Aa1.js");
        assert_eq!(assets.wasm, "/pkg/app.Bb2.wasm");
        assert_eq!(assets.css, "/pkg/app.Cc3.css");
        assert!(assets.hashed);
    }

    #[test]
    fn without_hashes_the_names_are_plain() {
        let assets = BuiltAssets::named("/pkg", "app", None);
        assert_eq!(
            (assets.js.as_str(), assets.wasm.as_str(), assets.css.as_str()),
            ("/pkg/app.js", "/pkg/app.wasm", "/pkg/app.css")
        );
        assert!(!assets.hashed);
    }

    #[test]
    fn the_script_loads_the_named_files() {
        let assets = BuiltAssets::named("/pkg", "app", Some("js: J\nwasm: W\n"));
        let script = assets.hydration_script();
        assert!(script.contains("from \"/pkg/app.J.js\""), "{script}");
        assert!(script.contains("module_or_path: \"/pkg/app.W.wasm\""), "{script}");
        assert!(script.ends_with(".then(hydrate);"), "{script}");
    }
}
