// rekindle default theme: search over search-index.json, with no library.
// Without JavaScript the header keeps a link to the whole guide on one page instead.
(() => {
  "use strict";
  const form = document.getElementById("rk-search");
  if (!form || !window.fetch) return;
  const input = document.getElementById("rk-search-input");
  const results = document.getElementById("rk-search-results");
  const status = document.getElementById("rk-search-status");
  const fallback = document.getElementById("rk-search-fallback");
  form.hidden = false;
  if (fallback) fallback.hidden = true;
  // Advertise the "/" key, but not on a touch screen (a phone), where there is none to press.
  if (!(window.matchMedia && matchMedia("(pointer: coarse)").matches)) {
    input.placeholder = "Search (press /)";
    input.setAttribute("aria-keyshortcuts", "/");
  }

  let index = null;
  let loading = null;
  const load = () => {
    loading = loading || fetch(form.dataset.index)
      .then((r) => r.json())
      .then((data) => { index = data; })
      .catch(() => { status.textContent = "Search is not available right now."; });
    return loading;
  };
  const fold = (s) => s.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");

  const find = (query) => {
    const terms = fold(query).split(/\s+/).filter(Boolean);
    if (!terms.length || !index) return [];
    const hits = [];
    for (const [title, url, parts] of index) {
      const t = fold(title);
      for (const [anchor, heading, text] of parts) {
        const h = fold(heading);
        const x = fold(text);
        if (!terms.every((w) => t.includes(w) || h.includes(w) || x.includes(w))) continue;
        let score = 0;
        for (const w of terms) score += (t.includes(w) ? 4 : 0) + (h.includes(w) ? 2 : 0) + (x.includes(w) ? 1 : 0);
        hits.push({ score, title, heading, text, url: anchor ? `${url}#${anchor}` : url, terms });
      }
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, 8);
  };

  const snippet = (hit) => {
    const text = hit.text;
    const at = Math.max(0, ...hit.terms.map((w) => fold(text).indexOf(w)));
    const start = Math.max(0, at - 40);
    return (start > 0 ? "…" : "") + text.slice(start, start + 120) + (start + 120 < text.length ? "…" : "");
  };

  const show = () => {
    const query = input.value.trim();
    results.replaceChildren();
    if (!query) {
      status.textContent = "";
      return;
    }
    const hits = find(query);
    for (const hit of hits) {
      const link = document.createElement("a");
      link.href = hit.url;
      const where = document.createElement("strong");
      where.textContent = hit.heading ? `${hit.title} › ${hit.heading}` : hit.title;
      const text = document.createElement("span");
      text.textContent = snippet(hit);
      link.append(where, text);
      const item = document.createElement("li");
      item.append(link);
      results.append(item);
    }
    status.textContent = hits.length === 0 ? "No results" : `${hits.length} result${hits.length === 1 ? "" : "s"}`;
  };

  input.addEventListener("focus", load);
  input.addEventListener("input", () => load().then(show));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const first = results.querySelector("a");
    if (first) location.href = first.href;
  });
  form.addEventListener("keydown", (e) => {
    const links = [...results.querySelectorAll("a")];
    const i = links.indexOf(document.activeElement);
    if (e.key === "ArrowDown" && links.length) {
      e.preventDefault();
      links[(i + 1) % links.length].focus();
    } else if (e.key === "ArrowUp" && links.length) {
      e.preventDefault();
      if (i <= 0) input.focus();
      else links[i - 1].focus();
    } else if (e.key === "Escape") {
      input.value = "";
      show();
      input.focus();
    }
  });
  document.addEventListener("keydown", (e) => {
    const active = document.activeElement;
    const typing = active && (/^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) || active.isContentEditable);
    if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      input.focus();
    }
  });
})();
