// rekindle serve: live reload. Injected only into pages served by `rekindle serve`.
(() => {
  "use strict";
  const key = "rekindle-scroll:" + location.pathname;
  const saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    const restore = () => window.scrollTo(0, Number(saved));
    restore();
    addEventListener("load", restore);
  }

  let build = null;
  let overlay = null;

  const reload = () => {
    sessionStorage.setItem(key, String(window.scrollY));
    location.reload();
  };

  const hideOverlay = () => {
    if (overlay) {
      overlay.remove();
      overlay = null;
    }
  };

  const showOverlay = (error) => {
    hideOverlay();
    overlay = document.createElement("div");
    overlay.id = "rekindle-error";
    overlay.setAttribute("role", "alert");
    overlay.style.cssText =
      "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;" +
      "margin:0;padding:1rem 1.25rem;background:#2b0b0e;color:#fff;border-top:4px solid #ff5c5c;" +
      "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap";
    const title = document.createElement("strong");
    title.textContent = "Build failed: " + error.location;
    const message = document.createElement("div");
    message.textContent = error.message;
    const note = document.createElement("div");
    note.style.opacity = "0.8";
    note.textContent = "The last good version stays on screen. Fix the file and save: this page updates by itself.";
    overlay.append(title, message, note);
    document.body.append(overlay);
  };

  let notes = null;
  const showWarnings = (warnings) => {
    if (notes) notes.remove();
    notes = null;
    if (!warnings.length) return;
    notes = document.createElement("details");
    notes.id = "rekindle-warnings";
    notes.style.cssText =
      "position:fixed;right:1rem;bottom:1rem;max-width:min(40rem,90vw);max-height:50vh;overflow:auto;" +
      "z-index:2147483646;padding:.5rem .9rem;background:#fff8db;color:#3b2f00;border:2px solid #b38600;" +
      "border-radius:6px;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap";
    const summary = document.createElement("summary");
    summary.textContent = `rekindle: ${warnings.length} warning${warnings.length === 1 ? "" : "s"}`;
    const list = document.createElement("div");
    list.textContent = warnings.join("\n\n");
    notes.append(summary, list);
    document.body.append(notes);
  };

  const swapStylesheets = (id) => {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href);
      url.searchParams.set("rekindle", id);
      const fresh = link.cloneNode();
      fresh.href = url.href;
      fresh.addEventListener("load", () => link.remove());
      link.after(fresh);
    }
  };

  const connect = () => {
    const source = new EventSource("/__rekindle/livereload");
    source.addEventListener("hello", (e) => {
      if (build !== null && build !== e.data) reload();
      build = e.data;
    });
    source.addEventListener("reload", (e) => {
      build = e.data;
      reload();
    });
    source.addEventListener("warnings", (e) => showWarnings(JSON.parse(e.data)));
    source.addEventListener("css", (e) => {
      build = e.data;
      hideOverlay();
      swapStylesheets(e.data);
    });
    source.addEventListener("error", (e) => {
      if (e.data) {
        showOverlay(JSON.parse(e.data));
      } else if (source.readyState === EventSource.CLOSED) {
        // The server went away for good: keep trying, it may come back on another run.
        setTimeout(connect, 1000);
      }
    });
  };
  connect();
})();
