/* Plataforma Live · moderator console · Stream panel (templates/moderator/_stream.html).
 *
 * Progressive enhancement only: without this script each start / pause / end form posts and the
 * page comes back with the new status. With it, moderator.js sends the forms with fetch
 * (data-async="stream") and hands the answer's Stream here; `stream_status` events on the console's
 * Socket.IO connection (window.plataformaConsole, set by moderator.js) bring changes made elsewhere
 * (another moderator, the API). Each form says which statuses it starts from (data-from), so the
 * buttons shown always match the status.
 */
(function () {
  "use strict";

  var panel = document.querySelector("[data-streams]");
  if (!panel) return;

  var labels = {};
  try {
    labels = JSON.parse(panel.dataset.labels || "{}");
  } catch (error) {
    labels = {};
  }

  function shared() {
    return window.plataformaConsole || {};
  }

  function setTime(item, name, iso) {
    var holder = item.querySelector("[data-stream-" + name + "]");
    if (!holder || !iso) return;
    var time = holder.querySelector("time");
    time.dateTime = iso;
    time.textContent = new Date(iso).toLocaleString();
    holder.hidden = false;
  }

  function applyStream(stream) {
    if (!stream || !stream.id) return;
    var item = panel.querySelector('[data-stream-id="' + stream.id + '"]');
    if (!item || !stream.status) return;
    var status = stream.status;
    item.dataset.status = status;
    var badge = item.querySelector("[data-stream-status]");
    badge.className = "status status--" + status.toLowerCase();
    badge.textContent = labels[status] || status;
    Array.prototype.forEach.call(item.querySelectorAll("form[data-from]"), function (form) {
      form.hidden = form.dataset.from.split(" ").indexOf(status) === -1;
      if (form.dataset.streamAction === "start") {
        form.querySelector("button").textContent = status === "PAUSED" ? "Resume" : "Start";
      }
    });
    setTime(item, "started", stream.startedAt);
    setTime(item, "ended", stream.endedAt);
  }

  function start() {
    var shell = shared();
    if (shell.apply) {
      shell.apply.stream = function (data) {
        applyStream(data.stream);
      };
    }
    if (!shell.socket) return;
    shell.socket.on("stream_status", function (data) {
      if (data) applyStream({ id: data.streamId, status: data.status });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
