//! The built js, wasm and css every page links, named once at start.
//!
//! The release build (`LEPTOS_HASH_FILES=true cargo leptos build`) puts a hash
//! of each file's content in its name and lists the hashes in `hash.txt`
//! beside the server binary. leptos' own head components (`HydrationScripts`,
//! `HashedStylesheet`) read that file again on every render, a measurable
//! share of `GET /login` (docs/performance.md, "Figures behind code
//! choices"): here it is read once. Likewise the split manifest, which names
//! the wasm chunks of the account area's lazy route (`pages::account_area`).

use leptos::config::LeptosOptions;
use std::path::Path;

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
    /// `/login`'s inline script that fetches the app, written once (see
    /// [`BuiltAssets::app_prefetch_script`]).
    login_prefetch: String,
    /// The wasm chunks of the account area, as paths: every chunk the split
    /// manifest lists, the area being the app's one lazy route.
    pub area_chunks: Vec<String>,
    /// The module that loads the chunks, which the app's js imports: in a
    /// split build only. Set with the prefetch that names it
    /// ([`BuiltAssets::with_chunk_loader`]).
    chunk_loader: Option<String>,
}

impl BuiltAssets {
    /// The files cargo-leptos writes for `output_name` into the URL folder
    /// `pkg`: plain names, or with `hashes` (the contents of `hash.txt`:
    /// `js: <hash>` lines) hashed ones.
    pub fn named(pkg: &str, output_name: &str, hashes: Option<&str>) -> Self {
        let name = |kind: &str| format!("{pkg}/{}", built_name(output_name, kind, kind, hashes));
        let (js, wasm) = (name("js"), name("wasm"));
        Self {
            script: format!(
                "import init, {{ hydrate }} from \"{js}\"; init({{ module_or_path: \"{wasm}\" }}).then(hydrate);"
            ),
            login_prefetch: prefetch_script(&[&js, &wasm]),
            js,
            wasm,
            css: name("css"),
            login_script: format!("{pkg}/login.{}.js", content_hash(LOGIN_SCRIPT)),
            hashed: hashes.is_some(),
            area_chunks: Vec::new(),
            chunk_loader: None,
        }
    }

    /// The files of the site `options` describe (`site-pkg-dir` and
    /// `output-name` in Cargo.toml), with the chunks its split manifest
    /// lists (none without one: a build without `--split`).
    pub fn read(options: &LeptosOptions, hashes: Option<&str>) -> Self {
        let pkg = format!("/{}", options.site_pkg_dir);
        let assets = Self::named(&pkg, &options.output_name, hashes);
        let manifest = built_name("__wasm_split_manifest", "manifest", "json", hashes);
        let pkg_dir = Path::new(&*options.site_root).join(&*options.site_pkg_dir);
        match std::fs::read_to_string(pkg_dir.join(manifest)) {
            Ok(text) => assets
                .with_chunk_loader(format!("{pkg}/{}", built_name("__wasm_split", "split", "js", hashes)))
                .with_split_manifest(&pkg, &text),
            Err(_) => assets,
        }
    }

    /// The module that loads the chunks, in a split build.
    pub fn chunk_loader(&self) -> Option<&str> {
        self.chunk_loader.as_deref()
    }

    /// A split build's: the module that loads its chunks, `loader`.
    pub fn with_chunk_loader(mut self, loader: String) -> Self {
        self.login_prefetch = prefetch_script(&[&self.js, &loader, &self.wasm]);
        self.chunk_loader = Some(loader);
        self
    }

    /// The chunks a split manifest (`{"<split point>": ["<module>", ...]}`)
    /// lists, each once, as paths under `pkg`.
    pub fn with_split_manifest(mut self, pkg: &str, manifest: &str) -> Self {
        match serde_json::from_str::<std::collections::BTreeMap<String, Vec<String>>>(manifest) {
            Ok(manifest) => {
                let mut chunks: Vec<String> = manifest.into_values().flatten().collect();
                chunks.sort();
                chunks.dedup();
                self.area_chunks = chunks.iter().map(|module| format!("{pkg}/{module}.wasm")).collect();
            }
            Err(err) => tracing::warn!(error = %err, "the split manifest cannot be read: no chunk is hinted"),
        }
        self
    }

    /// The inline module that starts the app: loads the js and the wasm it
    /// binds, then hydrates the page.
    pub fn hydration_script(&self) -> &str {
        &self.script
    }

    /// The inline script `/login` runs as its head is read: it fetches the
    /// app's js, chunk loader and wasm into the cache, for the page after a
    /// login, which runs them. At once: `/login`'s own script could ask only
    /// a round trip later, and Chromium holds a `<link rel="prefetch">`
    /// back until the page's own files have come (0.5 s on the phone
    /// profile, `docs/performance.md`). Not on a connection that asks to
    /// save data, and not at all without JavaScript, which could not run
    /// them. Each answer is read to its end, so that all of it is cached.
    pub fn app_prefetch_script(&self) -> &str {
        &self.login_prefetch
    }
}

/// The inline script that fetches `files` into the cache unless the
/// connection asks to save data ([`BuiltAssets::app_prefetch_script`]).
fn prefetch_script(files: &[&str]) -> String {
    let files = serde_json::to_string(files).unwrap_or_default();
    // No `<`, `>` or `&`: text the view would escape.
    format!(
        "if (!navigator.connection?.saveData) for (const href of {files}) \
         fetch(href).then(function (answer) {{ return answer.arrayBuffer(); }}).catch(function () {{}});"
    )
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

/// The name cargo-leptos gives the built file `stem.extension`: with the
/// hash `hashes` (`hash.txt`) lists for `kind`, when the build hashes names.
fn built_name(stem: &str, kind: &str, extension: &str, hashes: Option<&str>) -> String {
    match hashes.and_then(|hashes| hash_in(hashes, kind)) {
        Some(hash) => format!("{stem}.{hash}.{extension}"),
        None => format!("{stem}.{extension}"),
    }
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
    fn the_area_has_every_chunk_the_manifest_lists_once() {
        let assets = BuiltAssets::named("/pkg", "app", None).with_split_manifest(
            "/pkg",
            r#"{"__AccountArea_View_61":["chunk_1.Aa","split___AccountArea_View_61.Bb"],"other":["chunk_1.Aa"]}"#,
        );
        assert_eq!(
            assets.area_chunks,
            ["/pkg/chunk_1.Aa.wasm", "/pkg/split___AccountArea_View_61.Bb.wasm"]
        );
    }

    #[test]
    fn a_manifest_that_cannot_be_read_hints_no_chunk() {
        let assets = BuiltAssets::named("/pkg", "app", None).with_split_manifest("/pkg", "{not json");
        assert!(assets.area_chunks.is_empty());
    }

    #[test]
    fn the_script_loads_the_named_files() {
        let assets = BuiltAssets::named("/pkg", "app", Some("js: J\nwasm: W\n"));
        let script = assets.hydration_script();
        assert!(script.contains("from \"/pkg/app.J.js\""), "{script}");
        assert!(script.contains("module_or_path: \"/pkg/app.W.wasm\""), "{script}");
        assert!(script.ends_with(".then(hydrate);"), "{script}");
    }

    #[test]
    fn login_prefetches_the_app_unless_asked_to_save_data() {
        let assets = BuiltAssets::named("/pkg", "app", Some("js: J\nwasm: W\ncss: C\n"))
            .with_chunk_loader("/pkg/__wasm_split.S.js".to_owned());
        let script = assets.app_prefetch_script();
        assert!(script.starts_with("if (!navigator.connection?.saveData) "), "{script}");
        assert!(
            script.contains(r#"["/pkg/app.J.js","/pkg/__wasm_split.S.js","/pkg/app.W.wasm"]"#),
            "{script}"
        );
        assert!(!script.contains(['<', '>', '&']), "{script}");
    }
}
