// ringside dashboard: live state over server-sent events, actions through the control API.
"use strict";
(() => {
  const UI = "/_ringside/ui";
  const API = "/_ringside";
  const KEEP = 2000; // journal entries kept in the page
  const SHOW = 300; // journal entries listed
  const NOISE = new Set(["ping", "pong", "auth"]);
  const $ = (id) => document.getElementById(id);
  let token = null;
  let state = null;
  let journal = [];
  let selected = null; // the call whose diagram is shown
  let diagramSeq = -1;
  let drawn = ""; // what users and calls were last drawn from (redrawn only when it changes)
  let listed = ""; // the same for the journal
  const openSeqs = new Set(); // journal entries the reader opened

  // -- the token: from the fragment (#token=…, never sent to a server), else asked for ------------------
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) {
    sessionStorage.setItem("ringside-token", fromHash);
    history.replaceState(null, "", location.pathname);
  }
  token = sessionStorage.getItem("ringside-token");

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "dataset") Object.assign(node.dataset, v);
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  function notice(text, bad) {
    const n = $("notice");
    n.textContent = text;
    n.className = bad ? "bad" : "ok";
  }

  async function control(method, path, body) {
    const response = await fetch(API + path, {
      method,
      headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const reply = await response.json();
    if (reply.error) throw new Error(reply.error.code + ": " + reply.error.message);
    return reply.data;
  }

  async function act(label, method, path, body) {
    try {
      await control(method, path, body);
      notice(label + ": done");
    } catch (e) {
      notice(label + ": " + e.message, true);
    }
  }

  // -- the event stream ---------------------------------------------------------------------------------
  async function stream() {
    for (;;) {
      try {
        const response = await fetch(UI + "/events", { headers: { Authorization: "Bearer " + token } });
        if (response.status === 401 || response.status === 403) {
          const reply = await response.json();
          sessionStorage.removeItem("ringside-token");
          askToken(reply.error ? reply.error.message : "refused");
          return;
        }
        setLive(true);
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
            if (data) update(JSON.parse(data));
          }
        }
      } catch (e) {
        // the server went away: try again
      }
      setLive(false);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  function setLive(on) {
    const live = $("live");
    live.textContent = on ? "live" : "offline";
    live.className = "badge " + (on ? "on" : "off");
  }

  function askToken(why) {
    $("main").hidden = true;
    $("token-form").hidden = false;
    if (why) notice(why, true);
    $("token-input").focus();
  }

  // -- rendering ------------------------------------------------------------------------------------------
  const userOfDevice = new Map(); // resource → uid, so a request (which names its device only) has a user

  function update(event) {
    state = event.state;
    for (const u of state.users) for (const d of u.devices) if (d.resource) userOfDevice.set(d.resource, u.uid);
    for (const e of event.entries) if (e.uid && e.device) userOfDevice.set(e.device, e.uid);
    if (event.reset) journal = [];
    journal = journal.concat(event.entries).slice(-KEEP);
    render();
  }

  function keepFocus(fn) {
    const id = document.activeElement && document.activeElement.id;
    fn();
    if (id && document.activeElement !== $(id) && $(id)) $(id).focus();
  }

  function render() {
    const s = state;
    $("server").textContent = `app id ${s.server.appId} · api key ${s.server.apiKey} · region ${s.server.region} · ` +
      `${s.server.tls ? "https" : "http"}://${s.server.host}:${s.server.port}`;
    renderClock(s.clock);
    const key = JSON.stringify([s.users, s.calls, s.faults, selected]);
    keepFocus(() => {
      if (key !== drawn) {
        drawn = key;
        renderUsers(s.users);
        renderCalls(s.calls);
      }
      renderFilters();
      renderJournal();
    });
    if (selected) {
      const lastAbout = journal.filter((e) => e.sessionId === selected || String(e.path || "").includes(selected));
      const seq = lastAbout.length ? lastAbout[lastAbout.length - 1].seq : 0;
      if (seq !== diagramSeq) showDiagram(selected, seq);
    }
  }

  function renderClock(c) {
    $("clock-kind").textContent = c.kind + (c.kind === "scaled" ? ` ×${c.rate}` : "");
    $("clock-now").textContent = "now " + c.now.toFixed(3);
    $("clock-next").textContent = c.nextTimer ? `next timer at ${c.nextTimer.toFixed(3)}` : "no timer pending";
    $("clock-advance").hidden = c.kind !== "virtual";
  }

  function setOptions(select, values, keepFirst) {
    const current = select.value;
    const first = keepFirst ? [select.options[0]] : [];
    select.replaceChildren(...first, ...values.map((v) => el("option", { value: v }, v)));
    if ([...select.options].some((o) => o.value === current)) select.value = current;
  }

  function renderUsers(users) {
    const uids = users.map((u) => u.uid);
    setOptions($("place-as"), uids, false);
    const magic = ["ring-accept-1s", "ring-accept-2s", "ring-reject-1s", "ring-busy-1s", "ring-noanswer", "ring-accept-1s-end-2s"];
    $("receivers").replaceChildren(...[...uids, ...magic.filter((m) => !uids.includes(m))].map((v) => el("option", { value: v })));
    const body = $("users").tBodies[0];
    body.replaceChildren(...users.map((u) => el("tr", { dataset: { uid: u.uid } },
      el("th", { scope: "row" }, u.uid, u.name && u.name !== u.uid ? el("span", { class: "muted" }, " " + u.name) : null),
      el("td", {}, el("span", { class: "badge " + (u.online ? "on" : "off") }, u.online ? "online" : "offline")),
      el("td", {}, u.devices.length ? el("ul", { class: "devices" }, ...u.devices.map((d) => deviceItem(u, d))) : el("span", { class: "muted" }, "no socket")),
      el("td", {}, u.engagedIn.join(", ")),
    )));
  }

  function deviceItem(user, d) {
    const name = d.resource || `conn ${d.connId}`;
    return el("li", {},
      el("code", {}, name), el("span", { class: "muted" }, ` ${d.scripted ? "scripted · " : ""}out ${d.framesSent} · in ${d.framesReceived} `),
      d.scripted ? null : el("button", {
        type: "button", id: `drop-${d.connId}`, "aria-label": `Drop socket of ${user.uid} (${name})`,
        onclick: () => act(`drop ${name}`, "DELETE", `/devices/${d.connId}`),
      }, "drop socket"),
      el("button", {
        type: "button", id: `fault-${d.connId}`, "aria-label": `Fault on next frame to ${user.uid} (${name})`,
        onclick: () => {
          const kind = $("fault-kind").value;
          const fault = { kind, user: user.uid, count: 1 };
          if (d.resource) fault.device = d.resource;
          if (kind === "delay") fault.by = 3;
          if (kind === "close") fault.status = "initiated";
          act(`fault ${kind} for ${user.uid}`, "POST", "/faults", fault);
        },
      }, "fault next frame"),
    );
  }

  const MOVES = [
    // [label, status, who may: "receiver" | "caller" | "any", when: call status]
    ["Accept", "ongoing", "receiver", "initiated"],
    ["Reject", "rejected", "receiver", "initiated"],
    ["Busy", "busy", "receiver", "initiated"],
    ["Cancel", "cancelled", "caller", "initiated"],
    ["End", "ended", "any", "ongoing"],
  ];

  function renderCalls(calls) {
    $("no-calls").hidden = calls.length > 0;
    const body = $("call-table").tBodies[0];
    body.replaceChildren(...calls.map((c) => {
      const sid = c.sessionId;
      const buttons = [];
      for (const [label, status, who, when] of MOVES) {
        if (c.status !== when) continue;
        const parties = who === "caller" ? [c.caller] : who === "receiver" ? (c.receiverType === "group" ? c.ringing : [c.receiver]) : c.participants;
        for (const uid of parties) {
          buttons.push(el("button", {
            type: "button", id: `move-${status}-${uid}-${sid}`, class: `move move-${status}`,
            onclick: () => act(`${label} as ${uid}`, "PUT", `/calls/${encodeURIComponent(sid)}`, { as: uid, status }),
          }, `${label} as ${uid}`));
        }
      }
      buttons.push(el("button", {
        type: "button", id: `diagram-${sid}`, "aria-label": `Diagram of call ${sid}`,
        onclick: () => { selected = sid; showDiagram(sid, -1); render(); },
      }, "diagram"));
      return el("tr", { dataset: { sid, status: c.status }, class: sid === selected ? "selected" : null },
        el("td", {}, el("code", {}, sid)),
        el("td", {}, `${c.caller} → ${c.receiver}`, c.receiverType === "group" ? " (group)" : ""),
        el("td", {}, el("span", { class: "badge status-" + c.status }, c.status)),
        el("td", { class: "actions" }, ...buttons),
      );
    }));
  }

  async function showDiagram(sid, seq) {
    diagramSeq = seq;
    $("diagram-sid").textContent = sid;
    try {
      const response = await fetch(`${UI}/diagram?sid=${encodeURIComponent(sid)}`, { headers: { Authorization: "Bearer " + token } });
      const reply = await response.json();
      if (reply.error) throw new Error(reply.error.message);
      // the SVG is drawn by ringside (harness/report/html.py), every text in it escaped there
      $("diagram").innerHTML = reply.data.svg || "<p class='muted'>Nothing to draw yet.</p>";
      $("diagram").dataset.status = reply.data.status;
    } catch (e) {
      $("diagram").textContent = "No diagram: " + e.message;
    }
  }

  function entryUsers(e) {
    const device = e.device || (e.headers && e.headers.resource);
    const login = /\/users\/([^/]+)\/auth_tokens/.exec(String(e.path || ""));
    return [e.uid, e.actor, e.caller, e.receiver, userOfDevice.get(device), login && decodeURIComponent(login[1])].filter(Boolean);
  }

  function renderFilters() {
    setOptions($("f-user"), state.users.map((u) => u.uid), true);
    setOptions($("f-call"), state.calls.map((c) => c.sessionId), true);
    setOptions($("f-kind"), [...new Set(journal.map((e) => e.kind))].sort(), true);
  }

  function frameType(e) {
    const f = e.frame || {};
    return f.type || f.action || (f.body && f.body.type) || "";
  }

  function isNoise(e) {
    if (e.kind !== "ws.in" && e.kind !== "ws.out") return false;
    return !e.sessionId && (NOISE.has(String(frameType(e)).toLowerCase()) || e.kind === "ws.in");
  }

  function summary(e) {
    switch (e.kind) {
      case "http.request": return `${e.method} ${e.path}`;
      case "http.response": return `${e.status} ${e.method} ${e.path}` + (e.body && e.body.error ? ` ${e.body.error.code}` : "");
      case "ws.out": case "ws.in": return `${e.uid || "conn " + e.conn}${e.sessionId ? " " + e.sessionId + " " + (e.status || "") : " " + frameType(e)}`;
      case "call": return `${e.sessionId} ${e.event} ${e.status || ""} by ${e.actor}`;
      case "control": return `${e.action}${e.uid ? " " + e.uid : ""}`;
      default: return ["uid", "sessionId", "label", "effect", "event", "where", "reason", "callback"].map((k) => e[k]).filter(Boolean).join(" ");
    }
  }

  function renderJournal() {
    const user = $("f-user").value, call = $("f-call").value, kind = $("f-kind").value, noise = $("f-noise").checked;
    const shown = journal.filter((e) =>
      (!kind || e.kind === kind) &&
      (!user || entryUsers(e).includes(user)) &&
      (!call || e.sessionId === call || String(e.path || "").includes(call)) &&
      (noise || !isNoise(e)));
    const last = shown.slice(-SHOW).reverse();
    $("journal-count").textContent = `${shown.length} of ${journal.length} kept entries`;
    const key = [user, call, kind, noise, shown.length, last.length ? last[0].seq : 0].join("|");
    if (key === listed) return;
    listed = key;
    const toggled = (seq) => (ev) => (ev.target.open ? openSeqs.add(seq) : openSeqs.delete(seq));
    $("journal").replaceChildren(...last.map((e) => el("li", { value: e.seq, class: "k-" + e.kind.replace(".", "-") },
      el("details", { open: openSeqs.has(e.seq), ontoggle: toggled(e.seq) },
        el("summary", {}, el("span", { class: "seq" }, "#" + e.seq), " ", el("span", { class: "t" }, Number(e.t).toFixed(3)), " ",
          el("span", { class: "kind" }, e.kind), " ", summary(e)),
        el("pre", {}, JSON.stringify(e, null, 2))))));
  }

  // -- wiring -------------------------------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", () => {
    $("token-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      token = $("token-input").value.trim();
      sessionStorage.setItem("ringside-token", token);
      start();
    });
    $("place").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const as = $("place-as").value, receiver = $("place-to").value.trim();
      act(`call ${receiver} as ${as}`, "POST", "/calls", { as, receiver, callType: $("place-type").value });
    });
    for (const b of document.querySelectorAll("[data-advance]")) {
      b.addEventListener("click", () => act(`advance ${b.dataset.advance} s`, "POST", "/clock/advance", { seconds: Number(b.dataset.advance) }));
    }
    $("advance-go").addEventListener("click", () => act(`advance ${$("advance-by").value} s`, "POST", "/clock/advance", { seconds: Number($("advance-by").value) }));
    for (const id of ["f-user", "f-call", "f-kind", "f-noise"]) $(id).addEventListener("change", () => state && renderJournal());
    if (token) start(); else askToken();
  });

  function start() {
    $("token-form").hidden = true;
    $("main").hidden = false;
    stream();
  }
})();
