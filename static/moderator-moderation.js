/* Plataforma Live · moderator console · Moderation and Pending panels (SPEC §15).
 *
 * Progressive enhancement only: without this script the forms post and redirect back. With it,
 * moderator.js sends them with fetch (data-async="moderation") and the two panels' bodies are
 * reloaded from the server (HTML fragments in which the server escaped all user text) after an
 * action and whenever the room hears question_pending, questions_updated or session_settings.
 * poll_results (moderators only: the counts of an AFTER_CLOSE poll still open) updates the poll's
 * bars through the console's own poll rendering. Uses the console's Socket.IO connection.
 */
(function () {
  "use strict";

  var panels = [
    { root: document.querySelector("[data-moderation]"), body: "[data-moderation-body]" },
    { root: document.querySelector("[data-pending]"), body: "[data-pending-body]", count: "[data-count=\"pending\"]" },
  ].filter(function (p) {
    return p.root;
  });
  if (!panels.length) return;

  function shared() {
    return window.plataformaConsole || {};
  }

  function toast(message, kind) {
    if (shared().toast) shared().toast(message, kind);
  }

  function reloadPanel(panel) {
    var body = panel.root.querySelector(panel.body);
    return fetch(panel.root.dataset.panelUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.url.indexOf("/moderator/login") !== -1) {
          if (shared().signedOut) shared().signedOut();
          throw new Error("signed out");
        }
        if (!response.ok) throw new Error("panel " + response.status);
        return response.text();
      })
      .then(function (html) {
        if (html === body.dataset.lastHtml) return;
        body.dataset.lastHtml = html;
        // DOMParser never runs scripts; the server escaped every user text in the fragment.
        var fresh = new DOMParser().parseFromString(html, "text/html").body;
        var nodes = Array.prototype.slice.call(fresh.childNodes).map(function (node) {
          return document.importNode(node, true);
        });
        body.replaceChildren.apply(body, nodes);
        if (panel.count) {
          var count = panel.root.querySelector(panel.count);
          if (count) count.textContent = String(body.querySelectorAll("[data-pending-id]").length);
        }
      })
      .catch(function (error) {
        if (error && error.message !== "signed out") toast("A moderation panel could not refresh itself. Reload the page.", "error");
      });
  }

  function reloadAll() {
    panels.forEach(reloadPanel);
  }

  function start() {
    if (shared().apply) {
      shared().apply.moderation = function () {
        reloadAll();
      };
    }
    var socket = shared().socket;
    var sessionId = shared().sessionId;
    if (!socket) return;
    var connected = socket.connected;
    socket.on("connect", function () {
      if (connected) reloadAll();
      connected = true;
    });
    socket.on("question_pending", function (data) {
      if (data && data.sessionId === sessionId) {
        reloadAll();
        toast("A question is waiting for approval.", "info");
      }
    });
    // Another moderator approved or hid a pending question: only then is the queue worth reloading.
    socket.on("questions_updated", function () {
      panels.forEach(function (panel) {
        if (panel.count && panel.root.querySelector("[data-pending-id]")) reloadPanel(panel);
      });
    });
    socket.on("session_settings", function (data) {
      if (data && data.sessionId === sessionId) reloadAll();
    });
    socket.on("poll_results", function (poll) {
      if (poll && poll.sessionId === sessionId && shared().apply && shared().apply.activate) {
        shared().apply.activate({ polls: [poll] });
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
