//! The browser half's files named by their content. The build (`scripts/common.sh`) names the
//! script, the WebAssembly and the stylesheet after a hash of what they hold and lists the
//! hashes in `hash.txt` at the site's root, in the form leptos's `HydrationScripts` reads
//! (`js: …`, `wasm: …`, `css: …`). A file so named never changes, so browsers keep it for a year
//! without asking again (RFC 8246's `immutable`); a new build brings new names, and each page
//! names the files of the build that serves it.
//!
//! The browser half comes in two builds (see [`crate::app::HEAVY_ROUTES`]): the full one
//! (`js`, `wasm`) and a light one without the heavy pages (`lite-js`, `lite-wasm`). A page
//! names the light build unless it is one of the heavy pages.

use std::path::Path;

/// The list of hashes, at the site's root.
pub const HASH_FILE: &str = "hash.txt";

/// `Cache-Control` of a file whose name carries its content's hash: a year, never revalidated.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// What the build named by content: the stylesheet's path for pages, and which paths may be
/// kept for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assets {
    /// The stylesheet's path, e.g. `/pkg/main.0123456789abcdef.css`; `/main.css` for a site
    /// built without hashes.
    pub stylesheet: String,
    /// Paths of the files named by their content.
    hashed: Vec<String>,
    /// The full browser build's script and WebAssembly paths.
    full: Bundle,
    /// The light build's, when the site has one.
    lite: Bundle,
    /// The hash file as read, for leptos (see [`Assets::pin`]).
    text: String,
}

/// One browser build: its script's and its WebAssembly's paths (`None` until both are named).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Bundle {
    js: Option<String>,
    wasm: Option<String>,
}

impl Bundle {
    fn paths(&self) -> Option<(&str, &str)> {
        Some((self.js.as_deref()?, self.wasm.as_deref()?))
    }
}

impl Default for Assets {
    fn default() -> Self {
        Assets { stylesheet: "/main.css".into(), hashed: Vec::new(), full: Bundle::default(), lite: Bundle::default(), text: String::new() }
    }
}

impl Assets {
    /// Reads `hash.txt` under `site_root`; a site without one (a hand-made folder, an older
    /// build) has no hashed files and its stylesheet at `/main.css`.
    pub fn read(site_root: &Path) -> Assets {
        std::fs::read_to_string(site_root.join(HASH_FILE)).map(|text| Assets::parse(&text)).unwrap_or_default()
    }

    /// The assets a `hash.txt` text names. Lines other than `js`, `wasm`, `css`, `lite-js` and
    /// `lite-wasm` with a hash of 1–64 letters, digits, `-` or `_` are ignored.
    pub fn parse(text: &str) -> Assets {
        let mut assets = Assets { text: text.to_string(), ..Assets::default() };
        for line in text.lines() {
            let Some((kind, hash)) = line.split_once(':') else { continue };
            let hash = hash.trim();
            if hash.is_empty() || hash.len() > 64 || !hash.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                continue;
            }
            let path = match kind.trim() {
                "js" => assets.full.js.insert(format!("/pkg/upmentor.{hash}.js")).clone(),
                "wasm" => assets.full.wasm.insert(format!("/pkg/upmentor.{hash}.wasm")).clone(),
                "lite-js" => assets.lite.js.insert(format!("/pkg/upmentor-lite.{hash}.js")).clone(),
                "lite-wasm" => assets.lite.wasm.insert(format!("/pkg/upmentor-lite.{hash}.wasm")).clone(),
                "css" => {
                    assets.stylesheet = format!("/pkg/main.{hash}.css");
                    assets.stylesheet.clone()
                }
                _ => continue,
            };
            assets.hashed.push(path);
        }
        assets
    }

    /// Writes the hash file as this process read it to `path` (in the data folder) and returns
    /// `path`: leptos reads the file it is given on every page, and a build running meanwhile
    /// would otherwise make pages name files this process does not know as built.
    pub fn pin(&self, path: &Path) -> std::io::Result<std::path::PathBuf> {
        std::fs::write(path, &self.text)?;
        Ok(path.to_path_buf())
    }

    /// Whether this site names its files by content (pages then ask for the hashed names).
    pub fn hashed(&self) -> bool {
        !self.hashed.is_empty()
    }

    /// The browser build a page at `path` loads: its script's and its WebAssembly's paths. The
    /// light build unless the page needs the full one or the site has no light build; `None`
    /// for a site without hashed names (leptos's own scripts then name the files).
    pub fn browser_build(&self, path: &str) -> Option<(&str, &str)> {
        let full = self.full.paths()?;
        if crate::app::needs_full_bundle(path) {
            return Some(full);
        }
        Some(self.lite.paths().unwrap_or(full))
    }

    /// Whether `path` (a request's path, without query) is a file named by its content.
    pub fn is_hashed(&self, path: &str) -> bool {
        self.hashed.iter().any(|h| h == path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_file_names_the_three_files_and_nothing_else() {
        let a = Assets::parse("js: 0123abcd\nwasm:  ffee_99-x \ncss: c55\nsplit: 42\nmanifest: 1\n");
        assert_eq!(a.stylesheet, "/pkg/main.c55.css");
        assert!(a.is_hashed("/pkg/upmentor.0123abcd.js") && a.is_hashed("/pkg/upmentor.ffee_99-x.wasm") && a.is_hashed("/pkg/main.c55.css"));
        assert!(!a.is_hashed("/pkg/upmentor.js") && !a.is_hashed("/favicon.svg") && !a.is_hashed("/pkg/upmentor.42.js"));
        let hostile = Assets::parse("js: ../../etc/passwd\ncss: a b\nwasm:\n");
        assert_eq!((hostile.stylesheet.as_str(), hostile.hashed.len()), ("/main.css", 0), "only plain hashes make names");
        assert!(!hostile.hashed());
    }

    #[test]
    fn heavy_pages_load_the_full_build_and_the_others_the_light_one() {
        let a = Assets::parse("js: f1\nwasm: f2\ncss: c\nlite-js: l1\nlite-wasm: l2\n");
        assert!(a.is_hashed("/pkg/upmentor-lite.l1.js") && a.is_hashed("/pkg/upmentor-lite.l2.wasm"));
        let full = Some(("/pkg/upmentor.f1.js", "/pkg/upmentor.f2.wasm"));
        let lite = Some(("/pkg/upmentor-lite.l1.js", "/pkg/upmentor-lite.l2.wasm"));
        for page in ["/programmes/7/studio", "/programmes/7/manage", "/admin", "/pairs/12", "/programmes/3/insights/", "/matches", "/inbox", "/programmes", "/guides/3", "/profile"] {
            assert_eq!(a.browser_build(page), full, "{page}");
        }
        for page in ["/", "/signin", "/people", "/people/42", "/pairs", "/programmes/7/studio/x", "/forgot", "/invite/abc"] {
            assert_eq!(a.browser_build(page), lite, "{page}");
        }
        // A site built before the light build existed: every page loads the full one.
        let old = Assets::parse("js: f1\nwasm: f2\ncss: c\n");
        assert_eq!(old.browser_build("/people"), full);
        assert_eq!(Assets::default().browser_build("/people"), None);
    }
}
