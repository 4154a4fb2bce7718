//! The built js, wasm and css every page links, named once at start.
//!
//! cargo-leptos (`hash-files` in Cargo.toml) puts a hash of each file's
//! content in its name and lists the hashes in `hash.txt` beside the server
//! binary. leptos' own head components (`HydrationScripts`,
//! `HashedStylesheet`) read that file again on every render, which cost 18% of
//! the rate of `GET /login` (12,800 against 15,600 req/s): here it is read once.

/// Where the built files are served from (`site-pkg-dir` in Cargo.toml).
const PKG: &str = "/pkg";

/// The names of the built files, as pages link them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltAssets {
    pub js: String,
    pub wasm: String,
    pub css: String,
    /// The names carry content hashes, so browsers may keep the files for good.
    pub hashed: bool,
}

impl BuiltAssets {
    /// The files cargo-leptos writes for `output_name`: plain names, or with
    /// `hashes` (the contents of `hash.txt`: `js: <hash>` lines) hashed ones.
    pub fn named(output_name: &str, hashes: Option<&str>) -> Self {
        let hash_of = |kind: &str| {
            hashes?.lines().find_map(|line| {
                let (file, hash) = line.split_once(':')?;
                (file.trim() == kind).then(|| hash.trim().to_owned())
            })
        };
        let name = |kind: &str| match hash_of(kind) {
            Some(hash) => format!("{PKG}/{output_name}.{hash}.{kind}"),
            None => format!("{PKG}/{output_name}.{kind}"),
        };
        Self {
            js: name("js"),
            wasm: name("wasm"),
            css: name("css"),
            hashed: hashes.is_some(),
        }
    }

    /// The inline module that starts the app: loads the js and the wasm it
    /// binds, then hydrates the page.
    pub fn hydration_script(&self) -> String {
        format!(
            "import init, {{ hydrate }} from \"{}\"; init({{ module_or_path: \"{}\" }}).then(hydrate);",
            self.js, self.wasm
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_hashes_cargo_leptos_listed() {
        let assets = BuiltAssets::named(
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
        let assets = BuiltAssets::named("app", None);
        assert_eq!(
            (assets.js.as_str(), assets.wasm.as_str(), assets.css.as_str()),
            ("/pkg/app.js", "/pkg/app.wasm", "/pkg/app.css")
        );
        assert!(!assets.hashed);
    }

    #[test]
    fn the_script_loads_the_named_files() {
        let script = BuiltAssets::named("app", Some("js: J\nwasm: W\n")).hydration_script();
        assert!(script.contains("from \"/pkg/app.J.js\""), "{script}");
        assert!(script.contains("module_or_path: \"/pkg/app.W.wasm\""), "{script}");
        assert!(script.ends_with(".then(hydrate);"), "{script}");
    }
}
