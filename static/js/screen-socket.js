// The `/screen` socket of an office screen (board or contest): pushes, the offline badge, reconnects, revocation.
// No polling: the Socket.IO client reconnects by itself and the server sends the current state on every
// (re)connect, so a screen that lost the network shows the right numbers again as soon as it is back.

/**
 * Connects the screen whose root element carries `data-token`; calls `render(payload)` on every `board.update`,
 * counts them in `data-updates` (tests wait for it) and flashes the "last updated" stamp on real changes.
 */
export function connectScreen(root, render) {
  const offline = document.getElementById("scr-offline");
  const socket = window.io("/screen", { auth: { token: root.dataset.token } });
  let updates = 0;
  let syncing = true; // the first push after (re)connecting re-sends the current state: no highlight
  socket.on("connect", () => { offline.hidden = true; syncing = true; });
  socket.on("disconnect", () => { offline.hidden = false; });
  socket.on("connect_error", (err) => {
    offline.hidden = false;
    // A refused token will not be accepted on retry: reload so the page shows why (410).
    if (err && err.data && err.data.code === "SCREEN_TOKEN_INVALID") window.location.reload();
  });
  socket.on("screen.revoked", () => window.location.reload());
  socket.on("board.update", (payload) => {
    updates += 1;
    root.dataset.updates = String(updates);
    render(payload);
    if (syncing) {
      syncing = false;
      return;
    }
    const stamp = document.getElementById("scr-updated");
    stamp.classList.remove("flash");
    void stamp.offsetWidth;
    stamp.classList.add("flash");
  });
  return socket;
}
