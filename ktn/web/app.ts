/// <reference lib="dom" />
// The chat page: the login form, the conversation, the message box and the side panel, wired to one connection.
import type { Response } from "../protocol/responses.ts";
import { ChatConnection, type ConnectionState } from "./connection.ts";
import { Conversation, nickClass } from "./conversation.ts";
import { requestFor } from "./input.ts";
import { Roster } from "./roster.ts";

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

const ui = {
  status: byId("status"),
  login: byId("login"),
  loginForm: byId<HTMLFormElement>("login-form"),
  username: byId<HTMLInputElement>("username"),
  password: byId<HTMLInputElement>("password"),
  loginError: byId("login-error"),
  chat: byId("chat"),
  log: byId("log"),
  composer: byId<HTMLFormElement>("composer"),
  message: byId<HTMLInputElement>("message"),
  panel: byId("panel"),
  room: byId("room"),
  people: byId("people"),
  rooms: byId("rooms"),
  refreshRooms: byId<HTMLButtonElement>("refresh-rooms"),
};

let me: string | null = null;
const roster = new Roster();
const conversation = new Conversation(ui.log, () => me);
/** `names` and `rooms` the page asked for itself: their answers fill the panel instead of the log. */
const quiet = { names: 0, rooms: 0 };

const scheme = location.protocol === "https:" ? "wss:" : "ws:";
const connection = new ChatConnection(`${scheme}//${location.host}/ws`, {
  state: showState,
  response: received,
  loginRefused(reason) {
    askToLogIn(reason);
    (/password|registered/i.test(reason) ? ui.password : ui.username).focus();
  },
  passwordNeeded(username) {
    ui.username.value = username;
    askToLogIn(`Connected again. ${username} is registered: enter its password to log in again.`);
    ui.password.focus();
  },
});

function showState(state: ConnectionState): void {
  ui.status.dataset.state = state.kind;
  ui.status.textContent = {
    offline: "Offline",
    connecting: "Connecting…",
    online: `Connected as ${"username" in state ? state.username : ""}`,
    waiting: `Connection lost. Reconnecting in ${"seconds" in state ? state.seconds : 0} s…`,
  }[state.kind];
  ui.message.disabled = state.kind !== "online";
  if (state.kind === "online") {
    ui.login.hidden = true;
    ui.chat.hidden = false;
    ui.panel.hidden = false;
    ui.loginError.textContent = "";
    ui.message.focus();
    // A login starts in the lobby, and answers asked on an earlier connection will never come.
    roster.moved("lobby");
    quiet.names = quiet.rooms = 0;
    ask("names");
    ask("rooms");
  }
  if (state.kind === "offline") {
    me = null;
    askToLogIn(state.reason ?? "");
    ui.username.focus();
  }
}

function askToLogIn(reason: string): void {
  ui.login.hidden = false;
  ui.loginError.textContent = reason;
}

function ask(request: "names" | "rooms"): void {
  quiet[request]++;
  connection.send({ request, content: null });
}

function received(response: Response): void {
  const answered = roster.absorb(response);
  if (typeof response.room === "string") {
    ask("names");
    ask("rooms");
  }
  if (answered && quiet[answered] > 0) quiet[answered]--;
  else conversation.show(response);
  if (roster.revision !== drawn) renderPanel();
}

/** The roster revision the panel shows. */
let drawn = -1;

function renderPanel(): void {
  drawn = roster.revision;
  ui.room.textContent = roster.room;
  ui.people.replaceChildren(...roster.people.map(personItem));
  const rooms = roster.rooms.some((room) => room.name.toLowerCase() === roster.room.toLowerCase())
    ? roster.rooms
    : [{ name: roster.room, members: roster.people.length }, ...roster.rooms];
  ui.rooms.replaceChildren(...rooms.map(({ name, members }) => roomItem(name, members)));
}

function personItem(name: string): HTMLElement {
  const item = document.createElement("li");
  if (name.toLowerCase() === me?.toLowerCase()) {
    item.append(span(name, `person ${nickClass(name)}`), span(" (you)", "you"));
    return item;
  }
  const button = document.createElement("button");
  button.type = "button";
  button.className = `person ${nickClass(name)}`;
  button.textContent = name;
  button.title = `Whisper to ${name}`;
  button.addEventListener("click", () => startWhisper(name));
  item.append(button);
  return item;
}

function roomItem(name: string, members: number): HTMLElement {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "room";
  button.append(span(name, "room-label"), span(` ${members}`, "count"));
  button.setAttribute("aria-label", `${name}, ${members} in it`);
  if (name.toLowerCase() === roster.room.toLowerCase()) button.setAttribute("aria-current", "true");
  button.addEventListener("click", () => {
    if (name.toLowerCase() !== roster.room.toLowerCase()) connection.send({ request: "join", content: name });
    ui.message.focus();
  });
  item.append(button);
  return item;
}

function span(text: string, className: string): HTMLElement {
  const node = document.createElement("span");
  node.className = className;
  node.textContent = text;
  return node;
}

function startWhisper(name: string): void {
  ui.message.value = `/whisper ${name} `;
  ui.message.focus();
  ui.message.setSelectionRange(ui.message.value.length, ui.message.value.length);
}

ui.loginForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const username = ui.username.value.trim();
  const password = ui.password.value;
  ui.password.value = "";
  if (!username) {
    ui.loginError.textContent = "Enter a username.";
    return ui.username.focus();
  }
  me = username;
  ui.loginError.textContent = "";
  connection.login(username, password);
});

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const request = requestFor(ui.message.value);
  ui.message.value = "";
  ui.message.focus();
  if (request) connection.send(request);
});

ui.refreshRooms.addEventListener("click", () => ask("rooms"));

ui.username.focus();
