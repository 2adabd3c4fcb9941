// The report's only script: inline, no libraries, no network. Routes by the URL hash
// (#overview, #interactions?rule=..., #i/<id>), filters and sorts the interactions table, and
// shows an interaction's page from its pre-rendered, inert <script type="text/html"> block.
(function () {
  "use strict";
  document.documentElement.classList.remove("no-js");
  var INDEX = JSON.parse(document.getElementById("index-data").textContent);
  var views = {
    overview: document.getElementById("view-overview"),
    interactions: document.getElementById("view-interactions"),
    detail: document.getElementById("view-detail"),
  };
  var tabs = document.querySelectorAll("nav.tabs a");
  var form = document.getElementById("filters");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#table tbody tr.row"));
  var shown = document.getElementById("shown");

  function show(name) {
    Object.keys(views).forEach(function (k) { views[k].classList.toggle("active", k === name); });
    tabs.forEach(function (a) { a.classList.toggle("active", a.dataset.view === name); });
  }

  function sevRank(s) { return ["low", "medium", "high", "critical"].indexOf(s); }

  function applyFilters() {
    var f = {};
    new FormData(form).forEach(function (v, k) { f[k] = String(v).trim(); });
    var q = (f.q || "").toLowerCase();
    var floor = f.severity ? sevRank(f.severity) : -1;
    var n = 0;
    rows.forEach(function (tr) {
      var d = tr.dataset;
      var ok = true;
      if (f.rule || f.outcome) {
        var needle = (f.rule || "") + ":" + (f.outcome || "");
        var hay = " " + d.outcomes + " ";
        if (f.rule && f.outcome) ok = hay.indexOf(" " + needle + " ") >= 0;
        else if (f.rule) ok = hay.indexOf(" " + f.rule + ":") >= 0;
        else ok = hay.indexOf(":" + f.outcome + " ") >= 0;
      }
      if (ok && floor >= 0) ok = Number(d.worst) >= floor;
      if (ok && f.agent) ok = d.agent === f.agent;
      if (ok && f.team) ok = d.team === f.team;
      if (ok && f.campaign) ok = d.campaign === f.campaign;
      if (ok && f.medium) ok = d.medium === f.medium;
      if (ok && f.status) ok = d.status === f.status;
      if (ok && f.from) ok = d.date !== "" && d.date >= f.from;
      if (ok && f.to) ok = d.date !== "" && d.date <= f.to;
      if (ok && q) ok = d.id.toLowerCase().indexOf(q) >= 0 || d.source.toLowerCase().indexOf(q) >= 0;
      tr.hidden = !ok;
      if (ok) n++;
    });
    // the sentence comes from the page (its language's catalogue), with the counts filled in
    shown.textContent = shown.dataset.format.replace("{shown}", n).replace("{total}", rows.length);
  }

  function setFilters(params) {
    form.reset();
    params.forEach(function (v, k) { if (form.elements[k]) form.elements[k].value = v; });
    applyFilters();
  }

  function showDetail(id) {
    var n = INDEX[id];
    var block = n === undefined ? null : document.getElementById("p-" + n);
    if (block) {
      views.detail.innerHTML = block.textContent;
    } else {
      var missing = document.createElement("p");
      missing.className = "error-box";
      missing.textContent = views.detail.dataset.missing;
      views.detail.replaceChildren(missing);
    }
    show("detail");
    window.scrollTo(0, 0);
  }

  function route() {
    var hash = decodeURIComponent(location.hash.replace(/^#/, ""));
    if (hash.indexOf("i/") === 0) return showDetail(hash.slice(2));
    var q = hash.indexOf("?");
    var name = q >= 0 ? hash.slice(0, q) : hash;
    if (name === "interactions") {
      if (q >= 0) setFilters(new URLSearchParams(hash.slice(q + 1)));
      show("interactions");
    } else {
      show("overview");
    }
  }

  form.addEventListener("input", applyFilters);
  form.addEventListener("change", applyFilters);
  form.addEventListener("reset", function () { setTimeout(applyFilters, 0); });

  // sort by a column: numbers numerically, the rest as text; a second click reverses
  document.querySelectorAll("#table th.sortable").forEach(function (th, i) {
    th.addEventListener("click", function () {
      var key = th.dataset.key;
      var dir = th.dataset.dir === "asc" ? "desc" : "asc";
      th.dataset.dir = dir;
      var num = th.classList.contains("num");
      rows.sort(function (a, b) {
        var x = a.dataset[key], y = b.dataset[key];
        var c = num ? (Number(x === "" ? -1 : x) - Number(y === "" ? -1 : y)) : x.localeCompare(y);
        return dir === "asc" ? c : -c;
      });
      var body = document.querySelector("#table tbody");
      rows.forEach(function (tr) { body.appendChild(tr); });
    });
  });

  // in an interaction page: evidence links scroll to their turn, turn times seek the audio
  views.detail.addEventListener("click", function (ev) {
    var link = ev.target.closest("[data-turn]");
    if (link) {
      ev.preventDefault();
      var turn = views.detail.querySelector("#turn-" + link.dataset.turn);
      if (turn) {
        turn.scrollIntoView({ block: "center" });
        turn.classList.add("flash");
        setTimeout(function () { turn.classList.remove("flash"); }, 1200);
      }
    }
    var t = ev.target.closest("[data-seek]");
    var audio = views.detail.querySelector("audio");
    if (t && audio) {
      audio.currentTime = Number(t.dataset.seek);
      audio.play();
    }
  });

  window.addEventListener("hashchange", route);
  applyFilters();
  route();
})();
