// The matching studio's preview, off the page's main thread (src/programmes/studio_worker.rs).
// The page's first message names the browser half's script and hands over its compiled
// WebAssembly module; the worker instantiates that module and hands every later message to the
// Rust side, which answers with JSON text.
self.onmessage = async (event) => {
  self.onmessage = null;
  try {
    const { glue, module } = event.data;
    const half = await import(glue);
    await half.default({ module_or_path: module });
    half.studio_worker();
  } catch (e) {
    self.postMessage(JSON.stringify({ Failed: `The preview could not start: ${e}` }));
  }
};
