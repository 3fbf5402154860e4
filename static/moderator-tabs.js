/* Plataforma Live · moderator console · the phone tab bar.
 *
 * The tab bar (templates/moderator/session.html) has one #id link per panel of
 * plataforma/moderator/panels.py. Without this script the CSS shows the :target panel (else the
 * default one) on screens up to 760 px. With it, on those screens the links become ARIA tabs
 * (tablist / tab / tabpanel, roving tabindex, arrow keys, Home / End); the selected panel is kept
 * in the address (#id, replaced, not pushed) so a reload shows it again, and it survives live
 * updates because they change what is inside the panels, never which one is selected. An item
 * that arrives live (an element added with the class "is-new", as moderator.js's templates do)
 * in a panel that is not selected counts as unseen: its tab shows how many until it is opened.
 * Wider screens show every panel side by side and ignore the tabs.
 */
(function () {
  "use strict";

  var bar = document.querySelector("[data-console-tabs]");
  var container = document.querySelector("[data-panels]");
  if (!bar || !container || !window.matchMedia) return;

  var narrow = window.matchMedia("(max-width: 760px)");
  var tabs = Array.prototype.slice.call(bar.querySelectorAll("[data-tab]"));
  var unseen = {};
  var counted = new WeakSet(); // sorting a list moves items (an add again): count each once
  var current = null;

  function panelOf(id) {
    var el = document.getElementById(id);
    return el && el.parentElement === container && el.classList.contains("panel") ? el : null;
  }

  function tabOf(id) {
    for (var i = 0; i < tabs.length; i++) if (tabs[i].dataset.tab === id) return tabs[i];
    return null;
  }

  function holderOf(node) {
    while (node && node.parentElement !== container) node = node.parentElement;
    return node && node.classList && node.classList.contains("panel") ? node : null;
  }

  // The panel named by the address (#panel, or an item inside a panel), else the server's default.
  function initial() {
    var hash = window.location.hash.slice(1);
    if (hash) {
      var name = hash;
      try {
        name = decodeURIComponent(hash);
      } catch (error) {
        // a malformed escape: use it as it is
      }
      var holder = holderOf(document.getElementById(name));
      if (holder && tabOf(holder.id)) return holder.id;
    }
    var preset = bar.querySelector(".is-default") || tabs[0];
    return preset ? preset.dataset.tab : null;
  }

  function badge(id) {
    var tab = tabOf(id);
    if (!tab) return;
    var count = unseen[id] || 0;
    var label = tab.querySelector(".tabs__label");
    var holder = tab.querySelector("[data-unseen]");
    holder.textContent = count > 99 ? "99+" : String(count);
    holder.hidden = count === 0;
    if (count) tab.setAttribute("aria-label", label.textContent + ", " + count + " new");
    else tab.removeAttribute("aria-label");
  }

  function render() {
    var tabbed = narrow.matches;
    if (tabbed) bar.setAttribute("role", "tablist");
    else bar.removeAttribute("role");
    tabs.forEach(function (tab) {
      var id = tab.dataset.tab;
      var selected = id === current;
      var panel = panelOf(id);
      if (!tab.id) tab.id = "tab-" + id;
      if (tabbed) {
        tab.setAttribute("role", "tab");
        tab.setAttribute("aria-selected", selected ? "true" : "false");
        tab.setAttribute("aria-controls", id);
        tab.tabIndex = selected ? 0 : -1;
      } else {
        ["role", "aria-selected", "aria-controls", "tabindex"].forEach(function (name) {
          tab.removeAttribute(name);
        });
      }
      if (!panel) return;
      panel.classList.toggle("is-current", selected);
      if (tabbed) panel.setAttribute("role", "tabpanel");
      else panel.removeAttribute("role");
    });
  }

  function show(id, focus) {
    var tab = tabOf(id);
    var panel = panelOf(id);
    if (!tab || !panel) return;
    current = id;
    unseen[id] = 0;
    badge(id);
    render();
    if (window.history && window.history.replaceState) {
      var url = window.location.pathname + window.location.search + "#" + encodeURIComponent(id);
      window.history.replaceState(window.history.state, "", url);
    }
    if (!narrow.matches) return;
    if (focus) tab.focus();
    if (tab.scrollIntoView) tab.scrollIntoView({ block: "nearest", inline: "nearest" });
    // Scrolled past the top of the new panel: bring its top just under the sticky chrome.
    var chrome = bar.closest(".chrome") || bar;
    var below = chrome.getBoundingClientRect().bottom;
    var top = panel.getBoundingClientRect().top;
    if (top < below) window.scrollBy(0, top - below - 8);
  }

  bar.addEventListener("click", function (event) {
    var tab = event.target.closest("[data-tab]");
    if (!tab || !narrow.matches) return;
    event.preventDefault();
    show(tab.dataset.tab, false);
  });

  bar.addEventListener("keydown", function (event) {
    if (!narrow.matches) return;
    var index = tabs.indexOf(event.target.closest("[data-tab]"));
    if (index === -1) return;
    var next = null;
    if (event.key === "ArrowRight" || event.key === "ArrowDown") next = (index + 1) % tabs.length;
    else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = (index - 1 + tabs.length) % tabs.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = tabs.length - 1;
    else if (event.key === " ") next = index;
    if (next === null) return;
    event.preventDefault();
    show(tabs[next].dataset.tab, true);
  });

  // Unseen items in the other tabs; a panel element replaced as a whole keeps the selection.
  new MutationObserver(function (records) {
    var replaced = false;
    records.forEach(function (record) {
      if (record.target === container) {
        replaced = true;
        return;
      }
      var holder = holderOf(record.target);
      if (!holder || holder.id === current || !narrow.matches) return;
      Array.prototype.forEach.call(record.addedNodes, function (node) {
        if (node.nodeType === 1 && node.classList.contains("is-new") && !counted.has(node)) {
          counted.add(node);
          unseen[holder.id] = (unseen[holder.id] || 0) + 1;
          badge(holder.id);
        }
      });
    });
    if (replaced) render();
  }).observe(container, { childList: true, subtree: true });

  if (narrow.addEventListener) narrow.addEventListener("change", render);
  else if (narrow.addListener) narrow.addListener(render);

  container.classList.add("is-tabbed");
  current = initial();
  render();

  // For other panels' scripts: bring a panel to the front (e.g. after an action elsewhere).
  window.plataformaConsoleTabs = {
    show: function (id) {
      show(id, false);
    },
    current: function () {
      return current;
    },
  };
})();
