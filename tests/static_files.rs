//! Built files: the compressed copies made at build time go to browsers that accept them (the
//! server never compresses the browser half on the fly), folders are not served or redirected,
//! and anything else gets the app's "not found" page.
// The shared load module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

mod common;

use common::{Backend, TestApp};

#[tokio::test]
async fn built_files_are_sent_precompressed_and_folders_are_not_files() {
    let app = TestApp::start(Backend::Sqlite).expect("SQLite always runs");
    let pkg = app.site_dir().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("app.js"), "export const a = 1;\n".repeat(100)).unwrap();
    std::fs::write(pkg.join("app.js.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("app.js.gz"), b"gzip bytes").unwrap();
    let http = reqwest::Client::builder().no_gzip().no_brotli().no_deflate().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let get = |path: &str, encoding: &str| {
        let req = http.get(format!("{}{path}", app.base)).header("accept-encoding", encoding);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let enc = res.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_string());
            (status, enc, res.bytes().await.unwrap().to_vec())
        }
    };
    assert_eq!(get("/pkg/app.js", "gzip, deflate, br, zstd").await, (200, Some("br".into()), b"brotli bytes".to_vec()));
    assert_eq!(get("/pkg/app.js", "gzip").await, (200, Some("gzip".into()), b"gzip bytes".to_vec()));
    let (status, enc, body) = get("/pkg/app.js", "identity").await;
    assert_eq!((status, enc), (200, None));
    assert_eq!(body.len(), 2000, "the file itself when nothing compressed is accepted");
    // A folder is neither listed nor redirected (`//pkg/` would name another host).
    for path in ["/pkg", "/pkg/", "//pkg"] {
        let (status, _, body) = get(path, "identity").await;
        assert_eq!(status, 404, "{path}");
        assert!(String::from_utf8_lossy(&body).contains("Page not found"), "{path}: the app's own page");
    }
    // Paths that climb out of the folder find nothing.
    for path in ["/pkg/../Cargo.toml", "/%2e%2e/%2e%2e/etc/passwd", "/pkg/%2e%2e/app.js"] {
        assert_eq!(get(path, "identity").await.0, 404, "{path}");
    }
}
