/* Plataforma Live · moderator console · Products panel and reactions ticker.
 *
 * Progressive enhancement only: without this script the panel's forms post and redirect back.
 * With it, moderator.js sends them with fetch (data-async="commerce"), and the panel's list is reloaded from the server (an HTML
 * fragment in which the server escaped all user text) whenever the room hears products_updated;
 * the ticker adds up the aggregated `reactions` batches. It uses the console's Socket.IO
 * connection (window.plataformaConsole, set by moderator.js).
 */
(function () {
  "use strict";

  var panel = document.querySelector("[data-commerce]");
  if (!panel) return;

  var list = panel.querySelector("[data-commerce-list]");
  var count = panel.querySelector("[data-commerce-count]");
  var ticker = panel.querySelector("[data-reactions-ticker]");
  var KINDS = ["like", "heart", "fire", "clap"];

  function shared() {
    return window.plataformaConsole || {};
  }

  function toast(message, kind) {
    if (shared().toast) shared().toast(message, kind);
  }

  /* ---- the list: reloaded from the server ---- */

  function updateCount() {
    var items = list.querySelectorAll("[data-product-id]").length;
    count.textContent = String(items);
  }

  function setTotals(totals) {
    KINDS.forEach(function (kind) {
      var item = ticker.querySelector('[data-reaction="' + kind + '"] [data-reaction-total]');
      if (item && typeof totals[kind] === "number") item.textContent = String(totals[kind]);
    });
  }

  var loading = null;
  var again = false;
  var lastHtml = list.innerHTML;

  function reload(withTotals) {
    if (loading) {
      again = true;
      return loading;
    }
    loading = fetch(panel.dataset.panelUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.url.indexOf("/moderator/login") !== -1) {
          if (shared().signedOut) shared().signedOut();
          throw new Error("signed out");
        }
        if (!response.ok) throw new Error("panel " + response.status);
        return response.text();
      })
      .then(function (html) {
        // Unchanged (e.g. our own change, announced again by the room): keep the DOM, and what is typed in it.
        if (html === lastHtml && !withTotals) return;
        lastHtml = html;
        // DOMParser never runs scripts; the server escaped every user text in the fragment.
        var fresh = new DOMParser().parseFromString(html, "text/html").body;
        var nodes = Array.prototype.slice.call(fresh.childNodes).map(function (node) {
          return document.importNode(node, true);
        });
        list.replaceChildren.apply(list, nodes);
        updateCount();
        if (withTotals) {
          var holder = list.querySelector("[data-reaction-totals]");
          if (holder) setTotals(JSON.parse(holder.dataset.reactionTotals || "{}"));
        }
      })
      .catch(function (error) {
        if (error && error.message !== "signed out") {
          toast("The products panel could not refresh itself. Reload the page.", "error");
        }
      })
      .then(function () {
        loading = null;
        if (again) {
          again = false;
          reload(false);
        }
      });
    return loading;
  }

  /* ---- forms: moderator.js sends them (data-async="commerce"); on success the list is reloaded ---- */

  function registerForms() {
    if (shared().apply) {
      shared().apply.commerce = function () {
        reload(false);
      };
    }
  }

  /* ---- the reactions ticker ---- */

  function applyBatch(batch) {
    var counts = (batch && batch.counts) || {};
    KINDS.forEach(function (kind) {
      var n = counts[kind];
      if (typeof n !== "number" || n <= 0) return;
      var item = ticker.querySelector('[data-reaction="' + kind + '"]');
      if (!item) return;
      var total = item.querySelector("[data-reaction-total]");
      total.textContent = String((Number(total.textContent) || 0) + n);
      var burst = item.querySelector("[data-reaction-burst]");
      burst.textContent = "+" + n;
      burst.hidden = false;
      item.classList.remove("is-bursting");
      void item.offsetWidth; // restart the animation
      item.classList.add("is-bursting");
    });
  }

  ticker.addEventListener("animationend", function (event) {
    var item = event.target.closest("[data-reaction]");
    if (!item) return;
    item.classList.remove("is-bursting");
    item.querySelector("[data-reaction-burst]").hidden = true;
  });

  /* ---- Socket.IO: the console's connection ---- */

  function follow() {
    var socket = shared().socket;
    var sessionId = shared().sessionId;
    if (!socket) return;
    var connected = socket.connected;
    socket.on("connect", function () {
      // After a reconnect the room may have changed unheard: read the panel (and totals) again.
      if (connected) reload(true);
      connected = true;
    });
    socket.on("products_updated", function (data) {
      if (data && data.sessionId === sessionId) reload(false);
    });
    socket.on("product_featured", function (data) {
      if (data && data.sessionId === sessionId && data.item && data.item.product) {
        toast(data.item.product.name + " is featured on screen.", "info");
      }
    });
    socket.on("reactions", function (data) {
      if (data && data.sessionId === sessionId) applyBatch(data);
    });
  }

  function start() {
    registerForms();
    follow();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
