// The phone game screen: one Socket.IO connection to /play; the server drives every deadline and result.
// Payloads are rendered with textContent only (stems and names come from people, never as markup).

const root = document.getElementById("play");
const T = JSON.parse(document.getElementById("play-text").textContent);
const me = root.dataset.me;
const mode = root.dataset.mode;
const LETTERS = "ABCDEFGHIJ";

const fmt = (text, vars) => text.replace(/\{(\w+)\}/g, (_, key) => String(vars[key]));
const slot = (name) => root.querySelector(`[data-slot="${name}"]`);
const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

const state = {
  started: false, ended: false, matchId: null, total: null, names: {}, players: [], totals: {},
  index: -1, type: null, offset: 0, deadline: 0, limit: 1, locked: false, mine: null, timer: null,
};

function show(view) {
  root.dataset.phase = view; // tests and CSS wait on the phase, never on time
  for (const section of root.querySelectorAll(".play-view")) section.hidden = section.dataset.view !== view;
}

function fail(message) {
  slot("error").textContent = message;
  show("error");
}

function nameOf(player) {
  if (player === me) return T.you;
  return state.names[player] || player;
}

// --- countdown: server deadline minus server "now" (client clock + the offset measured per question) ---
function serverNow() {
  return Date.now() + state.offset;
}

function stopTimer() {
  if (state.timer) clearInterval(state.timer);
  state.timer = null;
}

function paintTimer() {
  const left = Math.max(state.deadline - serverNow(), 0);
  slot("bar").style.width = `${(100 * left) / state.limit}%`;
  slot("bar").classList.toggle("late", left < 5000);
  slot("seconds").textContent = fmt(T.seconds, { s: Math.ceil(left / 1000) });
  if (left <= 0) {
    stopTimer();
    if (!state.locked) {
      lock();
      slot("status").textContent = T.timeout;
    }
  }
}

// --- answering ---------------------------------------------------------------------------------------
function lock() {
  state.locked = true;
  for (const node of root.querySelectorAll("[data-slot=options] button, [data-slot=fill] input")) node.disabled = true;
  root.querySelector("[data-action=submit]").hidden = true;
}

function send(choice) {
  if (state.locked) return;
  state.mine = choice;
  lock();
  slot("status").textContent = T.locked;
  const index = state.index;
  socket.emit("answer", { match_id: state.matchId, index, choice }, (ack) => {
    if (!ack.ok && ack.error.code !== "ALREADY_ANSWERED" && index === state.index) {
      slot("status").textContent = ack.error.message;
    }
  });
}

function optionButton(choice, letter, text) {
  const button = el("button", "play-option");
  button.type = "button";
  button.dataset.choice = String(choice);
  button.dataset.testid = "option";
  if (letter) button.append(el("span", "play-letter", letter));
  button.append(el("span", "play-option-text", text));
  return button;
}

function renderChoices(q) {
  const options = slot("options");
  const fill = slot("fill");
  const submit = root.querySelector("[data-action=submit]");
  options.replaceChildren();
  fill.replaceChildren();
  submit.hidden = true;
  if (q.type === "judge") {
    for (const [value, label] of [[true, T.true], [false, T.false]]) {
      const button = optionButton(value, "", label);
      button.classList.add("play-judge");
      button.addEventListener("click", () => { button.classList.add("chosen"); send(value); });
      options.append(button);
    }
  } else if (q.type === "fill") {
    for (let i = 0; i < Math.max(q.blanks, 1); i += 1) {
      const input = el("input", "play-blank");
      input.type = "text";
      input.placeholder = fmt(T.blank, { n: i + 1 });
      input.dataset.testid = "blank";
      fill.append(input);
    }
    submit.hidden = false;
  } else {
    q.options.forEach((text, i) => {
      const letter = LETTERS[i];
      const button = optionButton(letter, letter, text);
      button.addEventListener("click", () => {
        if (state.locked) return;
        if (q.type === "multiple") {
          button.classList.toggle("chosen");
        } else {
          button.classList.add("chosen");
          send(letter);
        }
      });
      options.append(button);
    });
    submit.hidden = q.type !== "multiple";
  }
}

function submit() {
  if (state.type === "multiple") {
    const chosen = [...slot("options").querySelectorAll(".chosen")].map((b) => b.dataset.choice);
    if (chosen.length) send(chosen);
  } else if (state.type === "fill") {
    send([...slot("fill").querySelectorAll("input")].map((input) => input.value.trim()));
  }
}

// --- scores of every player (PK) -----------------------------------------------------------------------
function paintScores() {
  const list = slot("scores");
  list.hidden = state.players.length < 2;
  list.replaceChildren(...state.players.map((p) => {
    const item = el("li", p === me ? "mine" : "");
    item.append(el("span", "", nameOf(p)), el("strong", "", String(state.totals[p] || 0)));
    return item;
  }));
}

// --- server events -------------------------------------------------------------------------------------
function onMatchStart(m) {
  state.matchId = m.match_id;
  state.total = m.questions;
  state.names = m.names || {};
  state.players = m.players;
  state.totals = Object.fromEntries(m.players.map((p) => [p, 0]));
  paintScores();
}

function onQuestion(q) {
  state.offset = q.server_now - Date.now();
  state.deadline = q.deadline;
  state.limit = q.limit_ms;
  if (q.match_id === state.matchId && q.index === state.index) {
    // Re-sent after a reconnect: keep what is on screen, only resync the countdown.
    if (!state.timer) state.timer = setInterval(paintTimer, 100);
    paintTimer();
    return;
  }
  state.matchId = q.match_id;
  state.index = q.index;
  root.dataset.index = String(q.index);
  state.type = q.type;
  state.locked = false;
  state.mine = null;
  slot("progress").textContent = state.total
    ? fmt(T.progress, { n: q.index + 1, total: state.total }) : fmt(T.progress_open, { n: q.index + 1 });
  slot("type").textContent = T.types[q.type] || q.type;
  slot("stem").textContent = q.stem;
  slot("status").textContent = "";
  slot("reveal").hidden = true;
  root.querySelector(".play-card").hidden = false;
  renderChoices(q);
  paintScores();
  show("question");
  window.scrollTo(0, 0);
  stopTimer();
  state.timer = setInterval(paintTimer, 100);
  paintTimer();
}

function answerText(type, answer) {
  if (type === "judge") return answer ? T.true : T.false;
  if (type === "fill") return answer.map((accepted) => (Array.isArray(accepted) ? accepted[0] : accepted)).join("，");
  return Array.isArray(answer) ? answer.join("") : String(answer);
}

function onReveal(r) {
  if (r.index !== state.index) return;
  stopTimer();
  lock();
  const key = Array.isArray(r.answer) ? r.answer.map(String) : [String(r.answer)];
  for (const button of slot("options").querySelectorAll("button")) {
    const right = state.type === "fill" ? false : key.includes(button.dataset.choice);
    button.classList.toggle("correct", right);
    button.classList.toggle("incorrect", !right && button.classList.contains("chosen"));
  }
  const mine = r.results[me];
  const verdict = slot("verdict");
  verdict.textContent = !mine || mine.choice === null ? T.missed : mine.correct ? T.right : T.wrong;
  verdict.className = `play-verdict ${mine && mine.correct ? "ok" : "bad"}`;
  slot("answer").textContent = fmt(T.answer, { a: answerText(state.type, r.answer) });
  slot("explanation").textContent = r.explanation || "";
  const results = slot("results");
  results.replaceChildren();
  for (const [player, got] of Object.entries(r.results)) {
    state.totals[player] = (state.totals[player] || 0) + got.score;
    if (state.players.length < 2) continue;
    const item = el("li", got.correct ? "ok" : "bad");
    item.dataset.testid = "result";
    item.append(el("span", "", `${got.correct ? "✓" : "✗"} ${nameOf(player)}`),
      el("strong", "", fmt(T.points, { n: state.totals[player] })));
    results.append(item);
  }
  slot("status").textContent = "";
  slot("reveal").hidden = false;
  root.dataset.phase = "reveal";
  paintScores();
  slot("reveal").scrollIntoView({ block: "end" }); // the explanation sits below the options on a phone
}

function onEnd(end) {
  state.ended = true;
  stopTimer();
  const award = (end.awards || {})[me];
  slot("awarded").textContent = award ? `+${award.points}` : "+0";
  slot("reason").textContent = end.aborted ? T.aborted : (award && award.message) || T.no_reason;
  const list = slot("standings");
  list.replaceChildren(...end.standings.map((s) => {
    const item = el("li", s.player === me ? "mine" : "");
    item.dataset.testid = "standing";
    item.append(
      el("span", "play-place", fmt(T.place, { n: s.place })),
      el("span", "play-name", nameOf(s.player)),
      el("span", "muted small", s.forfeited ? T.forfeited : fmt(T.correct_count, { n: s.correct })),
      el("strong", "", String(s.total)),
    );
    return item;
  }));
  show("result");
}

// --- connection --------------------------------------------------------------------------------------
// socket.io-client's default transports: long-polling first, upgraded to WebSocket when it can.
const socket = window.io("/play");
const banner = root.querySelector("[data-testid=reconnecting]");

function start() {
  state.started = true;
  if (root.dataset.done === "true") { show("done"); return; }
  if (root.dataset.seated === "true") return; // the server re-sends the open question on connect
  const ack = (reply) => {
    if (!reply.ok) { fail(reply.error.message); return; }
    if (reply.status === "queued" && state.index < 0) show("waiting");
  };
  if (mode === "duel") {
    // 好友对战: the host waits in their member room; the colleague's accept starts the match for both.
    if (root.dataset.duel === "host") show("waiting");
    else socket.emit("duel.accept", { code: root.dataset.code }, ack);
  } else if (root.dataset.solo === "true") socket.emit(`${mode}.start`, {}, ack); // daily.start, challenge.start
  else socket.emit("queue.join", { mode, scope: root.dataset.scope }, ack);
}

socket.on("connect", () => {
  banner.hidden = true;
  if (!state.started) start();
});
socket.on("disconnect", () => { if (!state.ended) banner.hidden = false; });
socket.on("connect_error", () => {
  if (!state.started) fail(T.disconnected);
  else if (!state.ended) banner.hidden = false;
});
socket.on("match.start", onMatchStart);
socket.on("question", onQuestion);
socket.on("reveal", onReveal);
socket.on("match.end", onEnd);

root.querySelector("[data-action=submit]").addEventListener("click", submit);
root.querySelector("[data-action=cancel]")?.addEventListener("click", () => {
  socket.emit("queue.leave", {}, () => { window.location.href = root.dataset.lobby; });
});
