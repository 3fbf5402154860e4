/* Plataforma Live · moderator console.
 *
 * Progressive enhancement only: every page works without this script (forms post and
 * redirect back). With it, dashboard forms are sent with fetch and applied in place, and
 * the live console follows the session over Socket.IO. User text is only ever written
 * with textContent, never parsed as HTML.
 */
(function () {
  "use strict";

  var MAX_CHAT_ITEMS = 300;
  var MAX_TOASTS = 3; // they sit in the page flow (under the top bar): a few at most

  function $(selector, root) {
    return (root || document).querySelector(selector);
  }

  function $all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  function field(node, name) {
    return node.querySelector('[data-field="' + name + '"]');
  }

  function setText(node, name, value) {
    var el = field(node, name);
    if (el) el.textContent = value == null ? "" : String(value);
  }

  function setFlag(node, key, cls, on) {
    node.dataset[key] = on ? "1" : "0";
    node.classList.toggle(cls, Boolean(on));
  }

  function time(iso) {
    var value = Date.parse(iso || "");
    return isNaN(value) ? 0 : value;
  }

  /* ---- times: the server renders UTC; show the moderator's local time ---- */

  function localiseTimes(root) {
    $all("time[datetime]", root).forEach(function (el) {
      var iso = el.getAttribute("datetime");
      if (!iso) return;
      var date = new Date(iso);
      if (isNaN(date.getTime())) return;
      el.title = date.toLocaleString();
      if (el.dataset.format === "time") {
        el.textContent = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      } else if (el.dataset.format === "datetime") {
        el.textContent = date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
      }
    });
  }

  /* ---- feedback: flashes from the server and toasts from this script ---- */

  var flashes = $("#flashes");

  function decorateFlash(el) {
    var close = document.createElement("button");
    close.type = "button";
    close.className = "flash__close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    close.addEventListener("click", function () {
      el.remove();
    });
    el.appendChild(close);
    if (!el.classList.contains("flash--error")) {
      window.setTimeout(function () {
        el.classList.add("is-leaving");
        window.setTimeout(function () {
          el.remove();
        }, 400);
      }, 5000);
    }
  }

  function toast(message, kind) {
    if (!flashes || !message) return;
    var el = document.createElement("div");
    el.className = "flash flash--" + (kind || "info");
    el.setAttribute("role", kind === "error" ? "alert" : "status");
    el.textContent = message;
    flashes.appendChild(el);
    decorateFlash(el);
    while (flashes.children.length > MAX_TOASTS) flashes.firstElementChild.remove();
  }

  $all(".flashes .flash").forEach(decorateFlash);
  localiseTimes(document);

  /* ---- the live console ---- */

  var root = $("[data-live-session]");
  if (!root) return;

  var sessionId = root.dataset.sessionId;
  var lists = {
    chat: $('[data-list="chat"]', root),
    questions: $('[data-list="questions"]', root),
    polls: $('[data-list="polls"]', root),
  };
  var templates = {
    message: $("#tpl-message"),
    question: $("#tpl-question"),
    poll: $("#tpl-poll"),
    option: $("#tpl-poll-option"),
  };

  function fromTemplate(template, id) {
    var node = template.content.firstElementChild.cloneNode(true);
    var safeId = encodeURIComponent(String(id));
    [node].concat($all("*", node)).forEach(function (el) {
      ["id", "action", "data-message-id", "data-question-id", "data-poll-id"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value && value.indexOf("__ID__") !== -1) el.setAttribute(attr, value.replace("__ID__", safeId));
      });
    });
    node.classList.add("is-new");
    node.addEventListener("animationend", function () {
      node.classList.remove("is-new");
    });
    return node;
  }

  function reorder(list, nodes) {
    nodes.forEach(function (node, index) {
      if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
    });
  }

  function items(list, attr) {
    return $all("[" + attr + "]", list);
  }

  function setCount(name, value) {
    $all('[data-count="' + name + '"]', root).forEach(function (el) {
      el.textContent = String(value);
    });
  }

  function updateCounts() {
    var messages = items(lists.chat, "data-message-id");
    var questions = items(lists.questions, "data-question-id");
    var polls = items(lists.polls, "data-poll-id");
    setCount("chat", messages.filter(function (n) { return n.dataset.deleted !== "1"; }).length);
    setCount("questions", questions.filter(function (n) {
      return n.dataset.answered !== "1" && n.dataset.hidden !== "1";
    }).length);
    setCount("questions-total", questions.length);
    setCount("polls", polls.length);
    [["chat", messages], ["questions", questions], ["polls", polls]].forEach(function (pair) {
      var empty = $('[data-empty="' + pair[0] + '"]', root);
      if (empty) empty.hidden = pair[1].length > 0;
    });
  }

  /* chat: pinned (not deleted) on top, then newest first */

  function sortChat() {
    var nodes = items(lists.chat, "data-message-id");
    nodes.sort(function (a, b) {
      var pa = a.dataset.pinned === "1" && a.dataset.deleted !== "1" ? 0 : 1;
      var pb = b.dataset.pinned === "1" && b.dataset.deleted !== "1" ? 0 : 1;
      return pa - pb || time(b.dataset.created) - time(a.dataset.created);
    });
    reorder(lists.chat, nodes);
    nodes.slice(MAX_CHAT_ITEMS).forEach(function (node) {
      if (node.dataset.pinned !== "1") node.remove();
    });
  }

  function applyMessage(message, createIfMissing) {
    if (!message || !message.id) return;
    if (message.sessionId && message.sessionId !== sessionId) return;
    var node = document.getElementById("msg-" + message.id);
    if (!node) {
      if (!createIfMissing) return;
      node = fromTemplate(templates.message, message.id);
      var user = message.user || {};
      var role = String(user.role || "ATTENDEE");
      setText(node, "author", user.name || "Unknown");
      setText(node, "role", role.toLowerCase());
      field(node, "role").classList.toggle("is-attendee", role === "ATTENDEE");
      field(node, "time").setAttribute("datetime", message.createdAt || "");
      node.dataset.created = message.createdAt || "";
      setText(node, "text", message.text);
      lists.chat.appendChild(node);
      localiseTimes(node);
    }
    if (typeof message.isPinned === "boolean") setFlag(node, "pinned", "is-pinned", message.isPinned);
    if (typeof message.isDeleted === "boolean") setFlag(node, "deleted", "is-deleted", message.isDeleted);
    sortChat();
    updateCounts();
  }

  /* questions: by upvotes, then oldest first (as the API lists them) */

  function sortQuestions() {
    var nodes = items(lists.questions, "data-question-id");
    nodes.sort(function (a, b) {
      return Number(b.dataset.upvotes) - Number(a.dataset.upvotes) || time(a.dataset.created) - time(b.dataset.created);
    });
    reorder(lists.questions, nodes);
  }

  function setHidden(node, hidden) {
    setFlag(node, "hidden", "is-hidden", hidden);
    field(node, "hidden").value = hidden ? "false" : "true";
  }

  function applyQuestion(question) {
    if (!question || !question.id) return;
    var node = document.getElementById("question-" + question.id);
    if (!node) {
      node = fromTemplate(templates.question, question.id);
      setText(node, "author", (question.user && question.user.name) || "Unknown");
      field(node, "time").setAttribute("datetime", question.createdAt || "");
      node.dataset.created = question.createdAt || "";
      lists.questions.appendChild(node);
      localiseTimes(node);
    }
    setText(node, "text", question.text);
    node.dataset.upvotes = String(question.upvotes || 0);
    setText(node, "upvotes", question.upvotes || 0);
    setFlag(node, "answered", "is-answered", question.isAnswered);
    field(node, "answered").value = question.isAnswered ? "false" : "true";
    setHidden(node, question.isHidden);
  }

  function questionsUpdated(list) {
    if (!Array.isArray(list)) return;
    if (list.length && list[0].sessionId && list[0].sessionId !== sessionId) return;
    var seen = {};
    list.forEach(function (question) {
      seen[question.id] = true;
      applyQuestion(question);
    });
    // The broadcast lists what attendees see: a question missing from it is hidden.
    items(lists.questions, "data-question-id").forEach(function (node) {
      if (!seen[node.dataset.questionId]) setHidden(node, true);
    });
    sortQuestions();
    updateCounts();
  }

  /* polls: live one first, then newest; bars are <progress> elements (no inline styles) */

  function sortPolls() {
    var nodes = items(lists.polls, "data-poll-id");
    nodes.sort(function (a, b) {
      return (b.dataset.active === "1") - (a.dataset.active === "1") || time(b.dataset.created) - time(a.dataset.created);
    });
    reorder(lists.polls, nodes);
  }

  function applyPoll(poll) {
    if (!poll || !poll.id) return;
    if (poll.sessionId && poll.sessionId !== sessionId) return;
    var node = document.getElementById("poll-" + poll.id);
    if (!node) {
      node = fromTemplate(templates.poll, poll.id);
      node.dataset.created = poll.createdAt || "";
      lists.polls.appendChild(node);
    }
    setText(node, "question", poll.question);
    setFlag(node, "active", "is-active", poll.isActive);
    field(node, "active").value = poll.isActive ? "false" : "true";
    var options = poll.options || [];
    var total = typeof poll.totalVotes === "number" ? poll.totalVotes : options.reduce(function (sum, o) {
      return sum + (o.votes || 0);
    }, 0);
    var list = field(node, "options");
    options.forEach(function (option) {
      var row = list.querySelector('[data-option-id="' + option.id + '"]');
      if (!row) {
        row = templates.option.content.firstElementChild.cloneNode(true);
        row.dataset.optionId = option.id;
        list.appendChild(row);
      }
      var votes = option.votes || 0;
      var percent = total ? Math.round((votes * 100) / total) : 0;
      setText(row, "text", option.text);
      setText(row, "votes", votes);
      setText(row, "percent", percent);
      var meter = field(row, "meter");
      meter.max = total || 1;
      meter.value = votes;
      meter.textContent = percent + "%";
    });
    setText(node, "total", total);
    setText(node, "total-unit", total === 1 ? "vote" : "votes");
    if (poll.isActive) {
      // One live poll per session: opening this one closed the others.
      items(lists.polls, "data-poll-id").forEach(function (other) {
        if (other !== node && other.dataset.active === "1") {
          setFlag(other, "active", "is-active", false);
          field(other, "active").value = "true";
        }
      });
    }
    sortPolls();
    updateCounts();
  }

  /* ---- connection state and viewers ---- */

  var conn = $("[data-conn]", root);
  var connLabel = $("[data-conn-label]", root);
  var viewers = $("[data-viewers]", root);

  function setConn(state, label) {
    conn.dataset.state = state;
    connLabel.textContent = label;
  }

  function setViewers(count) {
    if (typeof count !== "number") return;
    viewers.hidden = false;
    $("[data-viewer-count]", viewers).textContent = String(count);
    $("[data-viewer-unit]", viewers).textContent = "watching";
  }

  function signedOut() {
    setConn("off", "Signed out");
    window.location.assign(root.dataset.loginUrl);
  }

  /* ---- resync after a reconnect: re-read the page and swap the three lists ---- */

  function resync() {
    return fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok || response.url.indexOf("/moderator/login") !== -1) throw new Error("resync");
        return response.text();
      })
      .then(function (html) {
        // The server escaped all user text; DOMParser never runs scripts.
        var fresh = new DOMParser().parseFromString(html, "text/html");
        Object.keys(lists).forEach(function (name) {
          var replacement = fresh.querySelector('[data-list="' + name + '"]');
          if (!replacement) return;
          var nodes = Array.prototype.slice.call(replacement.children).map(function (n) {
            return document.importNode(n, true);
          });
          lists[name].replaceChildren.apply(lists[name], nodes);
        });
        localiseTimes(root);
        updateCounts();
      })
      .catch(function () {
        toast("Reconnected, but the console could not refresh itself. Reload the page.", "error");
      });
  }

  /* ---- forms: send with fetch, apply the answer in place ---- */

  function showFormErrors(form, error) {
    var box = form.querySelector("[data-form-errors]");
    if (!box) return;
    box.replaceChildren();
    var fields = (error && error.fields) || {};
    Object.keys(fields).forEach(function (name) {
      [].concat(fields[name]).forEach(function (problem) {
        var p = document.createElement("p");
        p.textContent = (name === "question" ? "Question" : name === "options" ? "Options" : name) + ": " + problem;
        box.appendChild(p);
      });
    });
    box.hidden = !box.children.length;
  }

  var apply = {
    pin: function (data) {
      applyMessage(data.message, true);
    },
    delete: function (data) {
      applyMessage(data.message, true);
    },
    answer: function (data) {
      applyQuestion(data.question);
      sortQuestions();
      updateCounts();
    },
    hide: function (data) {
      applyQuestion(data.question);
      sortQuestions();
      updateCounts();
    },
    "create-poll": function (data, form) {
      (data.polls || []).forEach(applyPoll);
      form.reset();
      showFormErrors(form, null);
      var more = form.querySelector(".more-options");
      if (more) more.open = false;
      // Show the results rather than the form; "New poll" opens it again.
      var details = form.closest("details");
      if (details) details.open = false;
    },
    activate: function (data) {
      (data.polls || []).forEach(applyPoll);
    },
  };

  // Other panels (static/moderator-<area>.js) add their forms' appliers to `apply` and use the rest.
  window.plataformaConsole = { apply: apply, sessionId: sessionId, toast: toast, signedOut: signedOut, socket: null };

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!window.fetch || !form.matches("form[data-async]")) return;
    event.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    if (form.classList.contains("is-busy")) return;
    var buttons = $all("button", form);
    form.classList.add("is-busy");
    buttons.forEach(function (b) {
      b.disabled = true;
    });
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (body) {
            return { status: response.status, body: body };
          });
      })
      .then(function (result) {
        if (result.status === 401) return signedOut();
        if (!result.body) return toast("The server sent an unexpected answer (" + result.status + ").", "error");
        if (result.body.ok) {
          apply[form.dataset.async](result.body.data || {}, form);
          toast(result.body.notice, "success");
        } else {
          var error = result.body.error || {};
          showFormErrors(form, error);
          toast(error.message || "The action failed.", "error");
        }
      })
      .catch(function () {
        toast("Network problem: the action may not have been applied. Check the connection and retry.", "error");
      })
      .then(function () {
        form.classList.remove("is-busy");
        buttons.forEach(function (b) {
          b.disabled = false;
        });
      });
  });

  /* ---- Socket.IO ---- */

  if (typeof window.io !== "function") {
    setConn("off", "Live updates unavailable · reload to refresh");
    return;
  }

  var firstToken = root.dataset.socketToken;
  root.removeAttribute("data-socket-token");
  var joinedBefore = false;
  var retryDelay = 2000;

  var socket = window.io({
    reconnectionDelayMax: 10000,
    // Called on every (re)connection: the first uses the token in the page, later ones fetch a fresh one.
    auth: function (callback) {
      if (firstToken) {
        var token = firstToken;
        firstToken = null;
        callback({ token: token });
        return;
      }
      fetch(root.dataset.tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (response.status === 401) {
            signedOut();
            throw new Error("signed out");
          }
          if (!response.ok) throw new Error("token " + response.status);
          return response.json();
        })
        .then(function (data) {
          callback({ token: data.token });
        })
        .catch(function () {
          callback({});
        });
    },
  });

  // Other panels (static/moderator-<area>.js) follow the same connection.
  window.plataformaConsole.socket = socket;

  setConn("connecting", "Connecting…");

  socket.on("connect", function () {
    setConn("connecting", "Joining session…");
    socket.emit("join_session", { sessionId: sessionId }, function (ack) {
      if (!ack || !ack.ok) {
        var message = (ack && ack.error && ack.error.message) || "no answer";
        setConn("off", "Could not join the session: " + message);
        return;
      }
      retryDelay = 2000;
      setConn("live", "Live");
      var data = ack.data || {};
      setViewers(typeof data.viewerCount === "number" ? data.viewerCount : ack.viewerCount);
      if (joinedBefore) resync();
      joinedBefore = true;
    });
  });

  socket.on("disconnect", function () {
    setConn("connecting", "Reconnecting…");
  });

  socket.on("connect_error", function () {
    setConn("off", "Offline · retrying…");
    if (!socket.active) {
      // The server refused the connection (e.g. an expired token): retry with a fresh one.
      window.setTimeout(function () {
        socket.connect();
      }, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    }
  });

  socket.on("new_message", function (message) {
    applyMessage(message, true);
  });
  socket.on("message_pinned", function (data) {
    if (data) applyMessage({ id: data.messageId, isPinned: data.isPinned }, false);
  });
  socket.on("message_deleted", function (data) {
    if (data) applyMessage({ id: data.messageId, isDeleted: true }, false);
  });
  socket.on("questions_updated", questionsUpdated);
  socket.on("poll_updated", applyPoll);
  socket.on("viewer_count", function (data) {
    if (data && (!data.sessionId || data.sessionId === sessionId)) setViewers(data.count);
  });
  // The server took this socket out of the session (it was deleted, or its project went back to DRAFT).
  socket.on("session_unavailable", function (data) {
    if (data && data.sessionId && data.sessionId !== sessionId) return;
    setConn("off", "Session no longer available");
    toast("This session is no longer available: it was deleted or its project is a draft again.", "error");
  });
})();
