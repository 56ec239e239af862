// evalledger leaderboard site: draws the tables and charts of one benchmark page from the JSON
// block the generator wrote. Everything from the data goes into the page as text (textContent,
// setAttribute), never as markup; links only when they are http(s).
"use strict";
(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var OKABE_ITO = { orange: "#E69F00", sky: "#56B4E9", green: "#009E73", blue: "#0072B2",
                    vermillion: "#D55E00", purple: "#CC79A7", black: "#000000" };
  var COLUMNS = [
    { key: "rank", label: "Rank", num: true },
    { key: "model", label: "Model" },
    { key: "value", label: "Value", num: true },
    { key: "status", label: "Status" },
    { key: "date", label: "Date", extra: true },
    { key: "commit_time", label: "Commit time", extra: true },
    { key: "candidates", label: "Candidates", num: true, extra: true }
  ];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) { Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); }); }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    if (attrs) { Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); }); }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function safeHref(url) { return typeof url === "string" && /^https?:\/\//i.test(url) ? url : ""; }
  function link(text, url) {
    var href = safeHref(url);
    if (!href) { return el("span", null, text); }
    var a = el("a", { href: href, rel: "noopener noreferrer nofollow", target: "_blank" }, text);
    return a;
  }
  function objects(columns, rows) {
    return rows.map(function (r) {
      var o = {};
      columns.forEach(function (c, i) { o[c] = r[i]; });
      return o;
    });
  }
  function fmt(v) { return v === null || v === undefined ? "" : String(v); }
  function short(sha) { return sha ? String(sha).slice(0, 7) : ""; }
  function clip(text, n) { text = String(text); return text.length > n ? text.slice(0, n - 1) + "\u2026" : text; }
  function day(iso) { return iso ? String(iso).slice(0, 10) : ""; }

  var data = JSON.parse(document.getElementById("data").textContent);
  var cols = data.columns;
  var boardsNode = document.getElementById("boards");
  var search = document.getElementById("search");
  var statusSel = document.getElementById("status");
  var setupSel = document.getElementById("setup");
  var count = document.getElementById("count");
  var boards = [];
  var total = 0;

  function badges(row) {
    var out = [];
    if (row.verified) { out.push(["verified", "verified"]); }
    if (row.community) { out.push(["community", "community"]); }
    if (row.stale) { out.push(["stale", "stale"]); }
    if (row.flags) { out.push(["flagged", "flagged"]); }
    if (row.conflict) { out.push(["conflict", "conflict"]); }
    return out;
  }
  function statusText(row) { return badges(row).map(function (b) { return b[1]; }).join(" "); }

  function sortValue(row, key) {
    if (key === "status") { return statusText(row); }
    return row[key];
  }

  // --- charts ------------------------------------------------------------------------------------
  function sotaChart(board) {
    var pts = board.sota.map(function (p) { return { when: p[0], t: Date.parse(p[0]), value: p[1], model: p[2] }; });
    var fig = el("figure", { "class": "chart sota" });
    fig.appendChild(el("figcaption", null, "State of the art over time (" + board.direction + " is better)"));
    if (!pts.length) { fig.appendChild(el("p", { "class": "empty" }, "No eligible value with a commit time.")); return fig; }
    var W = 420, H = 200, L = 48, R = 12, T = 16, B = 30;
    var t0 = pts[0].t, t1 = pts[pts.length - 1].t;
    var vs = pts.map(function (p) { return p.value; });
    var v0 = Math.min.apply(null, vs), v1 = Math.max.apply(null, vs);
    if (v0 === v1) { v0 -= 1; v1 += 1; }
    var pad = (v1 - v0) * 0.08; v0 -= pad; v1 += pad;
    function x(t) { return t1 === t0 ? (L + (W - L - R) / 2) : L + (t - t0) / (t1 - t0) * (W - L - R); }
    function y(v) { return T + (v1 - v) / (v1 - v0) * (H - T - B); }
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "class": "sota-svg",
                            "aria-label": "State of the art over time for " + board.task });
    root.appendChild(svg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, "class": "axis" }));
    root.appendChild(svg("line", { x1: L, y1: T, x2: L, y2: H - B, "class": "axis" }));
    [v0 + pad, v1 - pad].forEach(function (v) {
      root.appendChild(svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", "class": "tick" }, +v.toPrecision(6)));
    });
    root.appendChild(svg("text", { x: L, y: H - 12, "text-anchor": "start", "class": "tick" }, day(pts[0].when)));
    if (pts.length > 1) {
      root.appendChild(svg("text", { x: W - R, y: H - 12, "text-anchor": "end", "class": "tick" }, day(pts[pts.length - 1].when)));
    }
    // a step line: each record holds until the next one is set
    var d = "M" + x(pts[0].t).toFixed(1) + " " + y(pts[0].value).toFixed(1);
    pts.slice(1).forEach(function (p) { d += " H" + x(p.t).toFixed(1) + " V" + y(p.value).toFixed(1); });
    root.appendChild(svg("path", { d: d, fill: "none", stroke: OKABE_ITO.vermillion, "stroke-width": 2, "class": "step" }));
    pts.forEach(function (p) {
      var c = svg("circle", { cx: x(p.t).toFixed(1), cy: y(p.value).toFixed(1), r: 4, fill: OKABE_ITO.blue,
                              "class": "point", "data-when": p.when, "data-value": String(p.value), "data-model": p.model });
      c.appendChild(svg("title", null, day(p.when) + ": " + p.value + " by " + p.model));
      root.appendChild(c);
    });
    var last = pts[pts.length - 1];
    root.appendChild(svg("text", { x: Math.min(x(last.t), W - R), y: Math.max(y(last.value) - 8, 12),
                                   "text-anchor": pts.length > 1 ? "end" : "middle", "class": "label" },
                         clip(last.model, 40) + " " + last.value));
    fig.appendChild(root);
    var det = el("details", { "class": "points" });
    det.appendChild(el("summary", null, pts.length + (pts.length === 1 ? " record" : " records")));
    var ol = el("ol");
    pts.forEach(function (p) { ol.appendChild(el("li", null, day(p.when) + " \u2014 " + p.value + " \u2014 " + p.model)); });
    det.appendChild(ol);
    fig.appendChild(det);
    return fig;
  }

  function topChart(board) {
    var items = board.top.map(function (t) { return { rank: t[0], model: t[1], value: t[2] }; });
    var fig = el("figure", { "class": "chart top" });
    fig.appendChild(el("figcaption", null, "Top " + items.length + " (" + board.direction + " is better)"));
    if (!items.length) { return fig; }
    var W = 420, row = 22, L = 150, R = 44, T = 6;
    var H = T * 2 + row * items.length;
    var vs = items.map(function (i) { return i.value; });
    var lo = Math.min(0, Math.min.apply(null, vs)), hi = Math.max(0, Math.max.apply(null, vs));
    if (hi === lo) { hi = lo + 1; }
    function x(v) { return L + (v - lo) / (hi - lo) * (W - L - R); }
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "class": "top-svg",
                            "aria-label": "Top " + items.length + " models on " + board.task });
    items.forEach(function (it, i) {
      var yy = T + i * row;
      var g = svg("g", { "class": "bar", "data-model": it.model, "data-value": String(it.value) });
      g.appendChild(svg("title", null, it.rank + ". " + it.model + ": " + it.value));
      g.appendChild(svg("text", { x: L - 8, y: yy + 15, "text-anchor": "end", "class": "tick" }, it.rank + ". " + clip(it.model, 22)));
      var a = x(Math.min(0, it.value)), b = x(Math.max(0, it.value));
      g.appendChild(svg("rect", { x: a.toFixed(1), y: yy + 3, width: Math.max(b - a, 1).toFixed(1), height: row - 6,
                                  fill: i === 0 ? OKABE_ITO.blue : OKABE_ITO.sky }));
      g.appendChild(svg("text", { x: (b + 4).toFixed(1), y: yy + 15, "class": "tick" }, it.value));
      root.appendChild(g);
    });
    fig.appendChild(root);
    return fig;
  }

  // --- details -----------------------------------------------------------------------------------
  function detailContent(entry) {
    var row = entry.row;
    var box = el("div", { "class": "detail-box" });
    var prov = el("section", { "class": "provenance" });
    prov.appendChild(el("h4", null, "Provenance"));
    var dl = el("dl");
    function item(label, node) { dl.appendChild(el("dt", null, label)); var dd = el("dd"); dd.appendChild(node); dl.appendChild(dd); }
    item("Model repo", link(row.model_repo, row.repo_link));
    item("Ref", el("code", null, row.ref));
    item("Commit", el("code", null, row.commit));
    item("File", link(row.file + (row.line ? ":" + row.line : ""), row.link));
    item("Chosen because", el("span", null, row.selection_reason));
    if (row.source_name || row.source_url) { item("Source", link(row.source_name || row.source_url, row.source_url)); }
    if (row.date) { item("Self-declared date", el("span", null, row.date)); }
    prov.appendChild(dl);
    box.appendChild(prov);

    if (row.conflict) {
      var values = [];
      entry.candidates.forEach(function (c) { if (c.eligible && values.indexOf(c.value) < 0) { values.push(c.value); } });
      var conf = el("section", { "class": "conflict" });
      conf.appendChild(el("h4", null, "Conflict"));
      conf.appendChild(el("p", null, "The eligible candidates disagree on the value: " + values.join(", ") +
                                     ". The chosen one follows the selection order, never the highest value."));
      box.appendChild(conf);
    }

    var fl = el("section", { "class": "flags" });
    fl.appendChild(el("h4", null, "Audit flags"));
    if (entry.flags.length) {
      var ul = el("ul");
      entry.flags.forEach(function (f) {
        var li = el("li");
        li.appendChild(el("code", { "class": "rule" }, f.rule));
        li.appendChild(el("span", { "class": "sev sev-" + (f.severity === "error" ? "error" : "warning") }, " " + f.severity + " "));
        li.appendChild(el("span", null, f.message + (f.commit ? " (commit " + short(f.commit) + ")" : "")));
        ul.appendChild(li);
      });
      fl.appendChild(ul);
    } else if (row.flags) {
      fl.appendChild(el("p", null, "Rules: " + row.flags));
    } else {
      fl.appendChild(el("p", null, data.audited ? "None." : "This leaderboard was built without --audit."));
    }
    box.appendChild(fl);

    var cs = el("section", { "class": "cands" });
    cs.appendChild(el("h4", null, "Candidates (" + entry.candidates.length + ")"));
    var wrap = el("div", { "class": "scroll" });
    var t = el("table", { "class": "cand-table" });
    var head = el("tr");
    ["Value", "Chosen", "Why", "Verified", "Community", "Stale", "Commit time", "Repo", "Ref", "Commit", "File", "Source"]
      .forEach(function (h) { head.appendChild(el("th", { scope: "col" }, h)); });
    t.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    entry.candidates.forEach(function (c) {
      var tr = el("tr", c.selected ? { "class": "chosen" } : null);
      tr.appendChild(el("td", { "class": "num" }, fmt(c.value)));
      tr.appendChild(el("td", null, c.selected ? "yes" : ""));
      tr.appendChild(el("td", null, c.selection_reason));
      tr.appendChild(el("td", null, c.verified ? "yes" : ""));
      tr.appendChild(el("td", null, c.community ? "yes" : ""));
      tr.appendChild(el("td", null, c.stale ? "yes" : ""));
      tr.appendChild(el("td", { "class": "nowrap" }, c.commit_time.replace("T", " ")));
      tr.appendChild(el("td", { "class": "wrap" }, c.model_repo));
      tr.appendChild(el("td", { "class": "nowrap" }, c.ref));
      tr.appendChild(el("td", { "class": "nowrap" }, short(c.commit)));
      var f = el("td", { "class": "wrap" }); f.appendChild(link(c.file + (c.line ? ":" + c.line : ""), c.link)); tr.appendChild(f);
      var s = el("td", { "class": "wrap" }); s.appendChild(link(c.source_name || c.source_url || "", c.source_url)); tr.appendChild(s);
      body.appendChild(tr);
    });
    t.appendChild(body);
    wrap.appendChild(t);
    cs.appendChild(wrap);
    box.appendChild(cs);
    return box;
  }

  function toggle(entry) {
    var open = entry.button.getAttribute("aria-expanded") !== "true";
    if (open && !entry.detail.firstChild.firstChild) { entry.detail.firstChild.appendChild(detailContent(entry)); }
    entry.button.setAttribute("aria-expanded", open ? "true" : "false");
    entry.detail.hidden = !open || entry.tr.hidden;
    entry.open = open;
  }

  // --- tables ------------------------------------------------------------------------------------
  function buildBoard(board, b) {
    var section = el("section", { "class": "board", "data-task": board.task, "data-setup": board.setup,
                                  "aria-labelledby": "board-" + b });
    var h = el("h2", { id: "board-" + b }, board.task);
    if (board.setup) { h.appendChild(el("span", { "class": "setup" }, " \u00b7 " + board.setup)); }
    section.appendChild(h);
    section.appendChild(el("p", { "class": "meta" }, data.benchmark + " \u00b7 " + board.direction + " is better" +
                                                   (board.unit ? " \u00b7 " + board.unit : "") + " \u00b7 " + board.rows.length + " models"));
    var charts = el("div", { "class": "charts" });
    charts.appendChild(topChart(board));
    charts.appendChild(sotaChart(board));
    section.appendChild(charts);
    var wrap = el("div", { "class": "scroll" });
    var table = el("table", { "class": "lb" });
    table.appendChild(el("caption", { "class": "sr" }, board.task + (board.setup ? " (" + board.setup + ")" : "") + " leaderboard"));
    var thead = el("thead"), hr = el("tr");
    var state = { key: "rank", dir: 1, ths: [] };
    COLUMNS.forEach(function (c) {
      var th = el("th", { scope: "col", "aria-sort": c.key === "rank" ? "ascending" : "none",
                          "class": (c.num ? "num" : "") + (c.extra ? " extra" : "") });
      var btn = el("button", { type: "button", "class": "sort", "data-key": c.key }, c.label);
      btn.addEventListener("click", function () { sortBoard(entryBoard, c.key); });
      th.appendChild(btn);
      hr.appendChild(th);
      state.ths.push(th);
    });
    thead.appendChild(hr);
    table.appendChild(thead);
    var tbody = el("tbody");
    table.appendChild(tbody);
    wrap.appendChild(table);
    section.appendChild(wrap);
    var entryBoard = { data: board, section: section, tbody: tbody, state: state, entries: [] };
    board.rows.forEach(function (triple, i) {
      var row = objects(cols.row, [triple[0]])[0];
      var entry = { row: row, candidates: objects(cols.candidate, triple[1]), flags: objects(cols.flag, triple[2]),
                    index: i, open: false };
      var id = "d-" + b + "-" + i;
      var tr = el("tr", { "class": "row" });
      tr.appendChild(el("td", { "class": "num rank" }, fmt(row.rank)));
      var mc = el("td", { "class": "model" });
      var btn = el("button", { type: "button", "class": "open", "aria-expanded": "false", "aria-controls": id }, row.model);
      btn.addEventListener("click", function () { toggle(entry); });
      mc.appendChild(btn);
      tr.appendChild(mc);
      tr.appendChild(el("td", { "class": "num value" }, fmt(row.value)));
      var st = el("td", { "class": "status" });
      badges(row).forEach(function (bd) { st.appendChild(el("span", { "class": "badge b-" + bd[0] }, bd[1])); });
      tr.appendChild(st);
      tr.appendChild(el("td", { "class": "nowrap extra" }, row.date));
      tr.appendChild(el("td", { "class": "nowrap extra" }, row.commit_time.replace("T", " ")));
      tr.appendChild(el("td", { "class": "num extra" }, fmt(row.candidates)));
      var detail = el("tr", { "class": "detail", id: id });
      detail.hidden = true;
      detail.appendChild(el("td", { colspan: String(COLUMNS.length) }));
      entry.tr = tr; entry.detail = detail; entry.button = btn;
      entryBoard.entries.push(entry);
      tbody.appendChild(tr);
      tbody.appendChild(detail);
    });
    total += board.rows.length;
    return entryBoard;
  }

  function sortBoard(board, key) {
    var st = board.state;
    st.dir = st.key === key ? -st.dir : 1;
    st.key = key;
    var dir = st.dir;
    board.entries.sort(function (a, b) {
      var x = sortValue(a.row, key), y = sortValue(b.row, key), c;
      if (x === y) { c = 0; }
      else if (x === null || x === undefined || x === "") { c = 1; }  // empty cells last, whichever way
      else if (y === null || y === undefined || y === "") { c = -1; }
      else { c = (typeof x === "number" && typeof y === "number") ? (x - y) * dir : String(x).localeCompare(String(y)) * dir; }
      return c || a.index - b.index;
    });
    board.entries.forEach(function (e) { board.tbody.appendChild(e.tr); board.tbody.appendChild(e.detail); });
    COLUMNS.forEach(function (c, i) {
      st.ths[i].setAttribute("aria-sort", c.key === key ? (dir > 0 ? "ascending" : "descending") : "none");
    });
  }

  function matches(row, status, query) {
    if (query && String(row.model).toLowerCase().indexOf(query) < 0) { return false; }
    switch (status) {
      case "verified": return !!row.verified;
      case "unverified": return !row.verified;
      case "community": return !!row.community;
      case "merged": return !row.community;
      case "stale": return !!row.stale;
      case "flagged": return !!row.flags;
      case "conflict": return !!row.conflict;
      default: return true;
    }
  }

  function applyFilters() {
    var query = search.value.trim().toLowerCase(), status = statusSel.value, setup = setupSel.value;
    var shown = 0;
    boards.forEach(function (board) {
      var boardOn = setup === "*" || board.data.setup === setup;
      var visible = 0;
      board.entries.forEach(function (e) {
        var on = boardOn && matches(e.row, status, query);
        e.tr.hidden = !on;
        e.detail.hidden = !on || !e.open;
        if (on) { visible += 1; }
      });
      board.section.hidden = !boardOn || (visible === 0 && (query !== "" || status !== "all"));
      shown += visible;
    });
    count.textContent = "Showing " + shown + " of " + total + " rows";
  }

  function keyNav(event) {
    var t = event.target;
    if (!t.classList || !t.classList.contains("open")) { return; }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp" && event.key !== "Home" && event.key !== "End") { return; }
    var all = Array.prototype.filter.call(document.querySelectorAll("button.open"), function (b) {
      return !b.closest("tr").hidden && !b.closest("section").hidden;
    });
    var i = all.indexOf(t);
    var next = event.key === "ArrowDown" ? all[i + 1] : event.key === "ArrowUp" ? all[i - 1] :
               event.key === "Home" ? all[0] : all[all.length - 1];
    if (next) { next.focus(); event.preventDefault(); }
  }

  var setups = [];
  data.boards.forEach(function (board, b) {
    boards.push(buildBoard(board, b));
    if (setups.indexOf(board.setup) < 0) { setups.push(board.setup); }
  });
  boardsNode.appendChild((function () {
    var frag = document.createDocumentFragment();
    boards.forEach(function (bd) { frag.appendChild(bd.section); });
    return frag;
  })());
  setups.sort().forEach(function (s) { setupSel.appendChild(el("option", { value: s }, s === "" ? "(default setup)" : s)); });
  if (setups.length < 2) { setupSel.closest("label").hidden = true; }
  search.addEventListener("input", applyFilters);
  statusSel.addEventListener("change", applyFilters);
  setupSel.addEventListener("change", applyFilters);
  document.getElementById("controls").addEventListener("submit", function (e) { e.preventDefault(); });
  boardsNode.addEventListener("keydown", keyNav);
  applyFilters();
  document.documentElement.setAttribute("data-ready", "true");
  if (window.performance && performance.mark) { performance.mark("evalledger-ready"); }
})();
