// A small calling page on the unmodified CometChat JS SDK, pointed at ringside (docs/app-developers.md).
// Bundled by esbuild (npm run build) into dist/app.js; index.html loads it.
import { CometChat } from "@cometchat/chat-sdk-javascript";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const MAGIC = ["ring-accept-2s", "ring-accept-1s", "ring-reject-1s", "ring-busy-1s", "ring-noanswer", "ring-accept-1s-end-2s"];

let outgoing = null; // the session id of the call this page placed
let incoming = null; // the session id of the call ringing this page
let ongoing = null; // the session id of the call in progress

function log(text) {
  const item = document.createElement("li");
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  $("log").prepend(item);
}

/** The outgoing call's state, one word ("calling", "ringing", "accepted", "rejected", "busy", …). */
function setState(state, detail) {
  $("call-state").textContent = state;
  $("call-state").dataset.state = state;
  $("call-detail").textContent = detail || "";
  $("cancel").hidden = state !== "ringing";
  $("end").hidden = state !== "accepted";
}

async function login(event) {
  event.preventDefault();
  const host = $("host").value.trim();
  const uid = $("uid").value.trim();
  localStorage.setItem("ringside-example", JSON.stringify({ host, uid }));
  $("login-error").textContent = "";
  try {
    const settings = new CometChat.AppSettingsBuilder()
      .setRegion($("region").value.trim())
      .overrideClientHost(host) // every REST request and the WebSocket go to ringside
      .overrideAdminHost(host)
      .autoEstablishSocketConnection(true)
      .build();
    await CometChat.init($("app-id").value.trim(), settings);
    const user = await CometChat.login(uid, $("api-key").value.trim());
    CometChat.addCallListener("example", new CometChat.CallListener({ onIncomingCallReceived, onIncomingCallCancelled, onOutgoingCallAccepted, onOutgoingCallRejected, onCallEndedMessageReceived }));
    $("me").textContent = user.getUid();
    $("login").hidden = true;
    $("app").hidden = false;
    log(`logged in as ${user.getUid()} against ${host}`);
    await listUsers(user.getUid());
  } catch (e) {
    $("login-error").textContent = `login failed: ${e.code || ""} ${e.message || e}`;
  }
}

async function listUsers(me) {
  const uids = (params.get("users") || "alice,bob").split(",").map((u) => u.trim()).filter((u) => u && u !== me);
  const rows = [];
  for (const uid of uids) {
    try {
      const user = await CometChat.getUser(uid);
      rows.push(userRow(uid, user.getName(), user.getStatus()));
    } catch (e) {
      rows.push(userRow(uid, `(${e.code || "unknown"})`, ""));
    }
  }
  $("users").replaceChildren(...rows);
}

function userRow(uid, name, status) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = `Call ${uid}`;
  button.addEventListener("click", () => call(uid));
  const label = document.createElement("span");
  label.textContent = ` ${name} ${status ? "· " + status : ""}`;
  item.append(button, label);
  return item;
}

async function call(uid) {
  setState("calling", `calling ${uid}…`);
  try {
    const placed = await CometChat.initiateCall(new CometChat.Call(uid, CometChat.CALL_TYPE.AUDIO, CometChat.RECEIVER_TYPE.USER));
    outgoing = placed.getSessionId();
    $("call-state").dataset.session = outgoing;
    setState("ringing", `ringing ${uid} (${outgoing})`);
    log(`calling ${uid}: ${outgoing}`);
  } catch (e) {
    setState("failed", `${e.code || ""} ${e.message || e}`);
    log(`call to ${uid} failed: ${e.code}`);
  }
}

function onOutgoingCallAccepted(c) {
  ongoing = c.getSessionId();
  setState("accepted", `in a call with ${c.getReceiver().getUid ? c.getReceiver().getUid() : ""}`);
  log(`accepted: ${c.getSessionId()}`);
}

function onOutgoingCallRejected(c) {
  setState(c.getStatus(), `the other side answered ${c.getStatus()}`);
  log(`${c.getStatus()}: ${c.getSessionId()}`);
  clear();
}

function onCallEndedMessageReceived(c) {
  if (c.getSessionId() === outgoing) setState("ended", "the other side hung up");
  if (c.getSessionId() === ongoing) ongoing = null;
  showIncoming(null);
  $("incoming-state").textContent = c.getSessionId() === incoming ? "ended" : $("incoming-state").textContent;
  log(`ended: ${c.getSessionId()}`);
  clear();
}

function onIncomingCallReceived(c) {
  incoming = c.getSessionId();
  showIncoming(c);
  log(`incoming from ${c.getSender().getUid()}: ${incoming}`);
}

function onIncomingCallCancelled(c) {
  showIncoming(null);
  $("incoming-state").textContent = `missed (${c.getStatus()})`;
  log(`missed: ${c.getSessionId()} (${c.getStatus()})`);
  clear();
}

function showIncoming(c) {
  $("banner").hidden = !c;
  if (c) {
    $("caller").textContent = c.getSender().getUid();
    $("incoming-state").textContent = "ringing";
    $("accept").focus();
  }
}

function clear() {
  // the SDK remembers one active call; forget it once a call is over (4.1+)
  if (CometChat.clearActiveCall) CometChat.clearActiveCall();
}

async function answer(accept) {
  const sid = incoming;
  showIncoming(null);
  try {
    if (accept) {
      await CometChat.acceptCall(sid);
      ongoing = sid;
      $("incoming-state").textContent = "accepted";
      $("end").hidden = false;
    } else {
      await CometChat.rejectCall(sid, CometChat.CALL_STATUS.REJECTED);
      $("incoming-state").textContent = "rejected";
      clear();
    }
    log(`${accept ? "accepted" : "rejected"} ${sid}`);
  } catch (e) {
    $("incoming-state").textContent = `failed: ${e.code}`;
  }
}

async function hangUp(cancel) {
  try {
    if (cancel) {
      await CometChat.rejectCall(outgoing, CometChat.CALL_STATUS.CANCELLED);
      setState("cancelled", "you gave up");
    } else {
      await CometChat.endCall(ongoing);
      setState("ended", "you hung up");
      $("incoming-state").textContent = $("incoming-state").textContent === "accepted" ? "ended" : $("incoming-state").textContent;
    }
    clear();
  } catch (e) {
    log(`failed: ${e.code} ${e.message}`);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const saved = JSON.parse(localStorage.getItem("ringside-example") || "{}");
  $("host").value = params.get("host") || saved.host || "127.0.0.1:8443";
  $("uid").value = params.get("uid") || saved.uid || "alice";
  $("magic").replaceChildren(...MAGIC.map((m) => Object.assign(document.createElement("option"), { value: m })));
  $("login").addEventListener("submit", login);
  $("call-magic").addEventListener("submit", (e) => { e.preventDefault(); call($("magic-uid").value.trim()); });
  $("accept").addEventListener("click", () => answer(true));
  $("reject").addEventListener("click", () => answer(false));
  $("cancel").addEventListener("click", () => hangUp(true));
  $("end").addEventListener("click", () => hangUp(false));
  setState("idle", "");
});
