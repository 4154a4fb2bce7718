//! The built js, wasm and css every page links, named once at start.
//!
//! The release build (`LEPTOS_HASH_FILES=true cargo leptos build`) puts a hash
//! of each file's content in its name and lists the hashes in `hash.txt`
//! beside the server binary. leptos' own head components (`HydrationScripts`,
//! `HashedStylesheet`) read that file again on every render, a measurable
//! share of `GET /login` (docs/performance.md, "Figures behind code
//! choices"): here it is read once.
//! Likewise the split manifest, which names the wasm chunks of each lazy page.

use leptos::config::LeptosOptions;
use std::{collections::HashMap, path::Path};

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
    /// The URL folder of the built files (`/pkg`).
    pkg: String,
    /// The wasm chunks each lazy page needs, by the page's split point
    /// (`__users_route_view_<hash>`), as paths.
    chunks: HashMap<String, Vec<String>>,
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
            pkg: pkg.to_owned(),
            chunks: HashMap::new(),
        }
    }

    /// The files of the site `options` describe (`site-pkg-dir` and
    /// `output-name` in Cargo.toml), plus the chunks listed by its split
    /// manifest (none without one: a build without `--split`).
    pub fn read(options: &LeptosOptions, hashes: Option<&str>) -> Self {
        let manifest = match hashes.and_then(|hashes| hash_in(hashes, "manifest")) {
            Some(hash) => format!("__wasm_split_manifest.{hash}.json"),
            None => "__wasm_split_manifest.json".to_owned(),
        };
        let mut assets = Self::named(&format!("/{}", options.site_pkg_dir), &options.output_name, hashes);
        let pkg_dir = Path::new(&*options.site_root).join(&*options.site_pkg_dir);
        if let Ok(text) = std::fs::read_to_string(pkg_dir.join(&manifest)) {
            assets = assets.with_split_manifest(&text);
        }
        assets
    }

    /// The chunks a split manifest (`{"<split point>": ["<module>", ...]}`) lists.
    pub fn with_split_manifest(mut self, manifest: &str) -> Self {
        match serde_json::from_str::<HashMap<String, Vec<String>>>(manifest) {
            Ok(manifest) => {
                self.chunks = manifest
                    .into_iter()
                    .map(|(split, modules)| {
                        let paths = modules
                            .iter()
                            .map(|module| format!("{}/{module}.wasm", self.pkg))
                            .collect();
                        (split, paths)
                    })
                    .collect();
            }
            Err(err) => tracing::warn!(error = %err, "the split manifest cannot be read: no chunk is preloaded"),
        }
        self
    }

    /// The chunks of the lazy page declared as `route` (`lazy_page!(UsersRoute
    /// => ...)`): leptos names its split point `__<route in snake case>_view_<hash>`.
    pub fn chunks_of(&self, route: &str) -> &[String] {
        let prefix = format!("__{}_view_", snake_case(route));
        self.chunks
            .iter()
            .find(|(split, _)| split.starts_with(&prefix))
            .map_or(&[], |(_, paths)| paths.as_slice())
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

/// `UsersRoute` to `users_route`, for type names.
fn snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    for (index, character) in name.chars().enumerate() {
        if character.is_uppercase() && index > 0 {
            snake.push('_');
        }
        snake.extend(character.to_lowercase());
    }
    snake
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_hashes_cargo_leptos_listed() {
        let assets = BuiltAssets::named(
            "/pkg",
            "app",
            Some("js: Aa1\nwasm: Bb2\ncss: Cc3\nmanifest: Dd4\nsplit: Ee5\n"),
        );
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
    fn each_lazy_page_has_the_chunks_the_manifest_lists() {
        let assets = BuiltAssets::named("/pkg", "app", None).with_split_manifest(
            r#"{"__users_route_view_61":["chunk_7.Aa","split___users_route_view_61.Bb"],
                "__user_route_view_61":["chunk_6.Cc"]}"#,
        );
        assert_eq!(
            assets.chunks_of("UsersRoute"),
            ["/pkg/chunk_7.Aa.wasm", "/pkg/split___users_route_view_61.Bb.wasm"]
        );
        assert_eq!(assets.chunks_of("UserRoute"), ["/pkg/chunk_6.Cc.wasm"]);
        assert!(assets.chunks_of("AccountRoute").is_empty());
    }

    #[test]
    fn a_manifest_that_cannot_be_read_preloads_nothing() {
        let assets = BuiltAssets::named("/pkg", "app", None).with_split_manifest("{not json");
        assert!(assets.chunks_of("UsersRoute").is_empty());
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
