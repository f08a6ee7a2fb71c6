// The playground: every chat of the emulator on one page, and a person acting as any user.
// Talks only to the control API (see emulator/README.md). Text is put in with textContent and
// Telegram's entities, never as HTML, so nothing a user typed can run in the page.
"use strict";

const state = { chats: [], chat: null, seen: {}, shownVersion: -1, listed: "" };
const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error || response.statusText);
  return answer;
}

function chatName(chat) {
  return chat.type === "private" ? [chat.first_name, chat.last_name].filter(Boolean).join(" ") : chat.title;
}

function toast(text) {
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 3500);
}

// -- the list of chats ----------------------------------------------------------------------

function renderChats() {
  // Rebuilt only when something changed, so a click is never lost to a rebuild under it.
  const key = JSON.stringify([state.chats, state.chat && state.chat.id, state.seen]);
  if (key === state.listed) return;
  state.listed = key;
  const list = $("chats");
  list.replaceChildren();
  const ordered = [...state.chats].sort((a, b) =>
    (a.type === "private") - (b.type === "private") || chatName(a).localeCompare(chatName(b)));
  for (const chat of ordered) {
    const item = document.createElement("li");
    item.dataset.chat = chat.id;
    item.className = state.chat && state.chat.id === chat.id ? "active" : "";
    const name = document.createElement("b");
    name.textContent = (chat.type === "private" ? "" : "👥 ") + chatName(chat);
    const note = document.createElement("small");
    note.textContent = chat.note || (chat.type === "private" ? "" : "grup");
    item.append(name, note);
    const unread = chat.bot_messages - (state.seen[chat.id] || 0);
    if (unread > 0 && !(state.chat && state.chat.id === chat.id)) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = unread;
      item.append(badge);
    }
    item.addEventListener("click", () => openChat(chat.id));
    list.append(item);
  }
}

async function openChat(id) {
  state.chat = state.chats.find((c) => c.id === id) || null;
  state.shownVersion = -1;
  $("chat-title").textContent = state.chat ? chatName(state.chat) : "";
  $("chat-note").textContent = state.chat ? state.chat.note || "" : "";
  $("composer").hidden = !state.chat;
  await fillSpeakers();
  await refresh(true);
}

async function fillSpeakers() {
  const select = $("as");
  select.replaceChildren();
  select.hidden = !state.chat || state.chat.type === "private";
  if (select.hidden) return;
  const chats = await api("GET", "/control/chats");
  const users = await api("GET", "/control/users");
  const group = chats.find((c) => c.id === state.chat.id);
  for (const id of group ? group.members : []) {
    const user = users.find((u) => u.id === id);
    const option = document.createElement("option");
    option.value = id;
    option.textContent = user ? user.first_name : id;
    select.append(option);
  }
}

function speaker() {
  return state.chat.type === "private" ? state.chat.id : Number($("as").value);
}

// -- one chat ------------------------------------------------------------------------------

const STYLES = {
  bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  spoiler: "span", blockquote: "blockquote",
};

function richText(text, entities) {
  // Telegram's offsets count UTF-16 code units, as JavaScript strings do.
  const cuts = new Set([0, text.length]);
  for (const e of entities || []) { cuts.add(e.offset); cuts.add(e.offset + e.length); }
  const points = [...cuts].sort((a, b) => a - b);
  const out = document.createDocumentFragment();
  for (let i = 0; i < points.length - 1; i++) {
    const [from, to] = [points[i], points[i + 1]];
    let node = document.createTextNode(text.slice(from, to));
    for (const e of entities || []) {
      if (e.offset > from || e.offset + e.length < to) continue;
      let wrap;
      if (e.type === "text_link" && /^https?:\/\//.test(e.url || "")) {
        wrap = document.createElement("a");
        wrap.href = e.url;
        wrap.target = "_blank";
        wrap.rel = "noopener";
      } else if (STYLES[e.type]) {
        wrap = document.createElement(STYLES[e.type]);
        if (e.type === "spoiler") wrap.className = "spoiler";
      } else continue;
      wrap.append(node);
      node = wrap;
    }
    out.append(node);
  }
  return out;
}

function messageElement(message) {
  const box = document.createElement("div");
  box.className = "message " + (message.from_bot ? "bot" : "user");
  box.dataset.messageId = message.message_id;
  if (message.document) {
    const link = document.createElement("a");
    link.className = "document";
    link.href = `/control/files/${encodeURIComponent(message.document.file_id)}/download`;
    link.download = message.document.file_name || "berkas";
    link.textContent = `📄 ${message.document.file_name || "berkas"} (${Math.ceil(message.document.file_size / 1024)} KB)`;
    box.append(link);
  }
  if (message.photo) {
    const largest = message.photo[message.photo.length - 1];
    const image = document.createElement("img");
    image.className = "photo";
    image.src = `/control/files/${encodeURIComponent(largest.file_id)}/download`;
    image.alt = `🖼 ${largest.width}×${largest.height}`;
    box.append(image);
  }
  if (message.text) {
    const text = document.createElement("div");
    text.className = "text";
    text.append(richText(message.text, message.entities));
    box.append(text);
  }
  if (message.edited) {
    const mark = document.createElement("small");
    mark.className = "edited";
    mark.textContent = "diubah";
    box.append(mark);
  }
  for (const row of message.buttons || []) {
    const line = document.createElement("div");
    line.className = "buttons";
    for (const button of row) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "inline";
      b.textContent = button.text;
      b.addEventListener("click", () => press(message, button));
      line.append(b);
    }
    box.append(line);
  }
  return box;
}

async function refresh(force) {
  if (!state.chat) return;
  const listed = state.chats.find((c) => c.id === state.chat.id);
  if (!force && listed && listed.version === state.shownVersion) return;
  const messages = await api("GET", `/control/chats/${state.chat.id}/messages`);
  const pane = $("messages");
  const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
  pane.replaceChildren(...messages.filter((m) => !m.deleted).map(messageElement));
  if (atBottom || force) pane.scrollTop = pane.scrollHeight;
  state.shownVersion = listed ? listed.version : -1;
  state.seen[state.chat.id] = messages.filter((m) => m.from_bot && !m.deleted).length;
}

// -- what a person does --------------------------------------------------------------------

async function press(message, button) {
  try {
    const pressed = await api("POST", "/control/press", {
      user_id: speaker(), chat_id: state.chat.id, message_id: message.message_id,
      callback_data: button.callback_data, wait: 10,
    });
    if (pressed.answer && pressed.answer.text) toast(pressed.answer.text);
  } catch (error) {
    toast("⚠️ " + error.message);
  }
}

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text) return;
  $("text").value = "";
  try {
    await api("POST", "/control/messages", { user_id: speaker(), chat_id: state.chat.id, text });
  } catch (error) {
    toast("⚠️ " + error.message);
  }
});

$("file").addEventListener("change", async () => {
  const file = $("file").files[0];
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  $("file").value = "";
  // A picture goes as a photo, as a phone sends one unless told to send it as a file.
  const photo = file.type === "image/jpeg" || file.type === "image/png";
  const sent = photo
    ? { photo: { content_base64: btoa(binary) } }
    : { document: { file_name: file.name, mime_type: file.type || "application/octet-stream", content_base64: btoa(binary) } };
  try {
    await api("POST", "/control/messages", { user_id: speaker(), chat_id: state.chat.id, ...sent });
  } catch (error) {
    toast("⚠️ " + error.message);
  }
});

// -- the bot's clock, where the playground runs beside the bot ------------------------------

async function showClock() {
  try {
    const clock = await api("GET", "/playground/clock");
    $("clock-now").textContent = clock.now;
    $("clock").hidden = false;
  } catch (error) {
    $("clock").hidden = true;
  }
}

for (const button of document.querySelectorAll("#clock button")) {
  button.addEventListener("click", async () => {
    try {
      const clock = await api("POST", "/playground/clock", { minutes: Number(button.dataset.minutes) });
      $("clock-now").textContent = clock.now;
      toast("⏩ Jam bot: " + clock.now);
    } catch (error) {
      toast("⚠️ " + error.message);
    }
  });
}

// -- keeping up ----------------------------------------------------------------------------

async function tick() {
  try {
    state.chats = await api("GET", "/control/overview");
    renderChats();
    await refresh(false);
  } catch (error) {
    // the emulator stopped or restarts: try again on the next tick
  }
  setTimeout(tick, 500);
}

showClock();
setInterval(showClock, 10000);
tick();
