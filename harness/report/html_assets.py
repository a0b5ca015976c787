"""The inline style sheet and script of ``report.html`` (kept apart from the markup that uses them).

The page must read without the script: it only reveals the filter form (``hidden`` in the markup),
hides rows that do not match, opens the scenario a link points at, and expands or collapses rows.
It reads nothing but the page's own ``data-*`` attributes (no report data is ever put inside it).
"""

from __future__ import annotations

STYLE = """
:root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--bg:#fff;--panel:#f6f8fa;--line:#d0d7de;--link:#0969da;
--passed:#1a7f37;--passed-late:#0b6e79;--failed:#cf222e;--error:#9a6700;--skipped:#59636e;--known-failure:#8250df;
--chg:#fff1c2;--miss:#ffebe9;--unexp:#dafbe1;--focus:#0969da}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--panel:#161b22;--line:#3d444d;
--link:#4493f8;--passed:#3fb950;--passed-late:#39c5cf;--failed:#ff7b72;--error:#d29922;--skipped:#9198a1;
--known-failure:#bc8cff;--chg:#4b3b00;--miss:#5d1f1f;--unexp:#12361f;--focus:#4493f8}}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1240px;padding:1rem 1.2rem 3rem;
color:var(--fg);background:var(--bg)}
a{color:var(--link)} h1{font-size:1.6rem;margin:.4rem 0 .2rem} h2{font-size:1.25rem;margin:2rem 0 .5rem;
border-bottom:1px solid var(--line);padding-bottom:.2rem} h3{font-size:1.05rem;margin:1.4rem 0 .4rem}
.muted{color:var(--muted)} [hidden]{display:none!important}
:focus-visible{outline:2px solid var(--focus);outline-offset:2px}
nav.toc a{margin-right:1rem}
.statement{font-size:1.1rem;font-weight:600;padding:.6rem .8rem;border-left:4px solid var(--muted);background:var(--panel)}
.statement.conforms{border-color:var(--passed)} .statement.does-not-conform{border-color:var(--failed)}
.incomplete{padding:.6rem .8rem;border:2px solid var(--error);border-radius:6px;font-weight:600}
ul.tiers,ul.counts{list-style:none;padding:0;margin:.6rem 0;display:flex;flex-wrap:wrap;gap:.5rem}
ul.tiers li{padding:.3rem .7rem;border:1px solid var(--line);border-radius:6px;font-weight:600}
ul.tiers li.yes::before{content:"\\2713  ";color:var(--passed)} ul.tiers li.no::before{content:"\\2717  ";color:var(--failed)}
ul.counts li{padding:.2rem .7rem;border:1px solid var(--line);border-radius:1rem}
ul.counts strong{font-size:1.1rem}
.v-passed{--v:var(--passed)} .v-passed-late{--v:var(--passed-late)} .v-failed{--v:var(--failed)}
.v-error{--v:var(--error)} .v-skipped{--v:var(--skipped)} .v-known-failure{--v:var(--known-failure)}
ul.counts li[class*="v-"]{border-color:var(--v)} ul.counts li[class*="v-"] strong,.verdict{color:var(--v,var(--muted))}
.verdict{font-weight:700}
table{border-collapse:collapse;width:100%;margin:.6rem 0}
th,td{border-bottom:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:var(--panel)} td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.zero{color:var(--muted)} td.bad{color:var(--failed);font-weight:700} td.good{color:var(--passed)} td.late{color:var(--passed-late);font-weight:700}
caption{text-align:left;color:var(--muted);padding:.2rem 0}
form.filters{display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:end;padding:.6rem .8rem;background:var(--panel);
border:1px solid var(--line);border-radius:6px;position:sticky;top:0;z-index:2}
form.filters label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted)}
form.filters select,form.filters input,form.filters button{font:inherit;color:var(--fg);background:var(--bg);
border:1px solid var(--line);border-radius:6px;padding:.2rem .4rem}
form.filters button{cursor:pointer}
details.scenario{border:1px solid var(--line);border-radius:6px;margin:.35rem 0;padding:.3rem .7rem;scroll-margin-top:8rem}
details.scenario[open]{background:var(--panel)}
details.scenario>summary{cursor:pointer;display:flex;flex-wrap:wrap;gap:.2rem .7rem;align-items:baseline}
details.scenario>summary .name{flex:1 1 20rem;font-weight:600}
.id{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
.flag{font-size:.8rem;font-weight:700;padding:0 .4rem;border:1px solid var(--error);border-radius:1rem;color:var(--error)}
.tier{font-size:.8rem;padding:0 .4rem;border:1px solid var(--line);border-radius:1rem}
.why{flex-basis:100%;font-size:.9rem;color:var(--muted)} .why b{color:var(--failed)}
.tags{font-size:.85rem;color:var(--muted)}
ol.steps{padding-left:2rem;margin:.4rem 0} ol.steps li{padding:.05rem .3rem}
ol.steps .kw{font-weight:700} ol.steps .out{font-size:.8rem;color:var(--muted)}
ol.steps li.failing{outline:2px solid var(--failed);border-radius:4px} ol.steps li.failing .out{color:var(--failed);font-weight:700}
ol.steps li.o-not-run{color:var(--muted)}
pre{white-space:pre-wrap;word-break:break-word;background:var(--bg);border:1px solid var(--line);padding:.6rem;
border-radius:6px;font-size:12.5px}
pre.failure{border-left:4px solid var(--failed)}
.panes{display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:.6rem}
.d-changed{background:var(--chg)} .d-missing{background:var(--miss)} .d-unexpected{background:var(--unexp)}
mark{color:inherit} .dl{font-weight:700;font-size:.85em}
.kf{border-left:4px solid var(--known-failure);padding:.2rem .8rem;margin:.5rem 0}
figure.diagram{margin:.6rem 0;overflow-x:auto;background:#fff;color:#1f2328;border:1px solid var(--line);
border-radius:6px;padding:.4rem}
figure.diagram figcaption{font-size:.85rem}
svg text{font:11px ui-monospace,SFMono-Regular,Menlo,monospace}
@media print{form.filters{display:none} details.scenario{break-inside:avoid}}
"""

SCRIPT = """
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var rows = Array.prototype.slice.call(document.querySelectorAll("details.scenario"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("section.group"));
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS") { target.hidden = false; target.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  if (!form) { return; }
  form.hidden = false;
  var count = document.getElementById("f-count");
  function matches(row) {
    var v = form.elements.verdict.value, t = form.elements.tier.value;
    var f = form.elements.feature.value, g = form.elements.tag.value;
    var q = form.elements.q.value.trim().toLowerCase();
    var d = row.dataset;
    if (v === "changed" ? d.changed !== "true" : v && d.verdict !== v) { return false; }
    if (t && d.tier !== t) { return false; }
    if (f && d.feature !== f) { return false; }
    if (g && (" " + d.tags + " ").indexOf(" " + g + " ") < 0) { return false; }
    return !q || d.search.indexOf(q) >= 0;
  }
  function apply() {
    var shown = 0;
    rows.forEach(function (row) { var ok = matches(row); row.hidden = !ok; if (ok) { shown += 1; } });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector("details.scenario:not([hidden])");
    });
    count.textContent = "showing " + shown + " of " + rows.length + " scenarios";
  }
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  document.getElementById("f-reset").addEventListener("click", function () { form.reset(); apply(); });
  function setOpen(open) {
    rows.forEach(function (row) { if (!row.hidden) { row.open = open; } });
  }
  document.getElementById("f-expand").addEventListener("click", function () { setOpen(true); });
  document.getElementById("f-collapse").addEventListener("click", function () { setOpen(false); });
  Array.prototype.forEach.call(document.querySelectorAll("a[data-filter-tag]"), function (link) {
    link.addEventListener("click", function () {
      form.reset();
      form.elements.tag.value = link.getAttribute("data-filter-tag");
      apply();
    });
  });
  apply();
})();
"""
