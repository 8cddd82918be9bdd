// Midwest digital region: behaviour that htmx attributes cannot express.
// No inline scripts anywhere (CSP): everything hooks in from here.
(function () {
  "use strict";

  // Focus and announcements after htmx swaps: one convention for every swap,
  // driven by attributes in the swapped-in HTML (no inline scripts: CSP).
  //   aria-invalid="true"  the first invalid field takes the focus and its message
  //                        (aria-describedby) is announced: an error;
  //   data-autofocus       this element takes the focus (a moved item, a message);
  //   (same control)       a control like the one that had the focus (same id, or
  //                        same name/value/text) keeps it: buttons that save in place;
  //   data-focus-first     an editor: its first field takes the focus when it opens;
  //   data-opener          the control that opened an editor takes the focus back
  //                        after save or cancel;
  //   data-announce        its text is said (results, moves, filter counts), as is
  //                        the text of a .saved-state ("Saved").
  // Focus moves only when it was inside the replaced content or got lost: a person
  // who went on elsewhere meanwhile keeps their place. Everything is said through
  // the page's one polite live region, #announcer (present from the start: a live
  // region swapped in together with its text is often not read out).
  var FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";
  // Anything that takes the focus (for the fallbacks below).
  var FOCUSABLE = "a[href], button:not([disabled]), " + FIELDS + ", summary, [tabindex]:not([tabindex='-1'])";
  var pending = null;
  var opener = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    if (element && element.matches && element.matches("[data-opener]")) { opener = element; }
  });

  function describe(element) {
    if (!element || element === document.body) { return null; }
    return {
      id: element.id,
      tag: element.tagName,
      name: element.getAttribute("name"),
      value: element.getAttribute("value"),
      text: (element.textContent || "").trim()
    };
  }

  function sameControl(elements, was) {
    if (!was) { return null; }
    var found = null;
    elements.some(function (root) {
      var candidates = [root].concat(Array.prototype.slice.call(root.querySelectorAll(was.tag)));
      found = candidates.filter(function (c) {
        if (c.tagName !== was.tag) { return false; }
        if (was.id) { return c.id === was.id; }
        return c.getAttribute("name") === was.name && c.getAttribute("value") === was.value &&
          (c.textContent || "").trim() === was.text;
      })[0] || null;
      return found;
    });
    return found;
  }

  function first(elements, selector) {
    for (var i = 0; i < elements.length; i++) {
      var root = elements[i];
      var hit = root.matches(selector) ? root : root.querySelector(selector);
      if (hit) { return hit; }
    }
    return null;
  }

  function all(elements, selector) {
    var hits = [];
    elements.forEach(function (root) {
      if (root.matches(selector)) { hits.push(root); }
      hits = hits.concat(Array.prototype.slice.call(root.querySelectorAll(selector)));
    });
    return hits;
  }

  function announce(text) {
    var announcer = document.getElementById("announcer");
    text = (text || "").replace(/\s+/g, " ").trim();
    if (!announcer || !text) { return; }
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function errorText(field) {
    var ids = (field.getAttribute("aria-describedby") || "").split(/\s+/);
    return ids.map(function (id) {
      var message = id && document.getElementById(id);
      return message ? message.textContent : "";
    }).join(" ");
  }

  function settle(state) {
    var elements = state.elements.filter(function (e) { return e.isConnected; });
    var active = document.activeElement;
    var lost = !active || active === document.body || !active.isConnected;
    if (!elements.length) {
      // Removed: a cancelled editor gives the focus back to the control that
      // opened it; a deleted item to its neighbour (never to <body>).
      if (lost) {
        var back = state.editor && opener && opener.isConnected ? opener : nearby(state);
        if (back) { back.focus(); }
      }
      if (state.ok) { announce(state.done); }
      return;
    }
    var invalid = first(elements, "[aria-invalid=true]");
    // An invalid group (a search field's fieldset) hands the focus to its first field.
    var invalidField = invalid && !invalid.matches(FIELDS) ? invalid.querySelector(FIELDS) || invalid : invalid;
    var target = null;
    if (state.hadFocus || lost) {
      var editor = first(elements, "[data-focus-first]");
      target = invalidField || first(elements, "[data-autofocus]") || sameControl(elements, state.was) ||
        (editor && editor.querySelector(FIELDS)) || first(elements, "[data-opener]") ||
        (opener && opener.isConnected && !editor ? opener : null);
      // Nothing named: the first control of what arrived (a widget whose button
      // changed, "Publish" becoming "Unpublish"), never <body>.
      // A control of the same kind first: a button stays on a button.
      if (!target && state.was) { target = visibleFirst(all(elements, state.was.tag.toLowerCase() + ":not([disabled])")); }
      target = target || visibleFirst(all(elements, FOCUSABLE));
      if (target && target !== document.activeElement) { target.focus(); }
    }
    var said = [];
    if (invalid) {
      said.push(errorText(invalid));
    } else {
      all(elements, "[data-announce], [role=status]").forEach(function (e) { said.push(e.textContent); });
      if (state.ok && state.done) { said.push(state.done); }
      if (state.ok) {
        all(elements, ".saved-state").forEach(function (e) { said.push(e.textContent); });
      }
    }
    all(elements, "[data-announce-error]").forEach(function (e) { said.push(e.textContent); });
    announce(said.join(" "));
  }

  function visibleFirst(elements) {
    return elements.filter(function (e) { return e.getClientRects().length > 0; })[0] || null;
  }

  // The control next to a removed item: after it, else before it, else further
  // up; in the end the main content (tabindex -1).
  function nearby(state) {
    var candidates = [];
    for (var e = state.next; e; e = e.nextElementSibling) { candidates.push(e); }
    for (e = state.prev; e; e = e.previousElementSibling) { candidates.push(e); }
    for (var i = 0; i < candidates.length; i++) {
      if (!candidates[i].isConnected) { continue; }
      var hit = visibleFirst(all([candidates[i]], FOCUSABLE));
      if (hit) { return hit; }
    }
    var box = state.parent && state.parent.isConnected && state.parent.closest("section, article, main");
    return (box && visibleFirst(all([box], FOCUSABLE))) || document.getElementById("main");
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var active = document.activeElement;
    var requester = event.detail.requestConfig && event.detail.requestConfig.elt;
    pending = {
      // <a data-announce-done="…">: said when its request succeeded (a delete
      // whose answer is empty).
      done: requester && requester.getAttribute ? requester.getAttribute("data-announce-done") : null,
      editor: !!(target && target.matches && target.matches("[data-focus-first]")),
      next: target ? target.nextElementSibling : null,
      prev: target ? target.previousElementSibling : null,
      parent: target ? target.parentElement : null,
      xhr: event.detail.xhr,
      // An opener (e.g. "Add a task") hands the focus to the editor it adds.
      hadFocus: !!(target && active && active !== document.body &&
        (target.contains(active) || active.matches("[data-opener]"))),
      was: describe(active),
      ok: event.detail.xhr && event.detail.xhr.status >= 200 && event.detail.xhr.status < 300,
      elements: []
    };
    // The swap follows at once; its new elements are collected by afterSwap.
    var state = pending;
    window.setTimeout(function () { settle(state); }, 0);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var state = pending;
    if (!state || state.xhr !== event.detail.xhr || !(event.target instanceof Element)) { return; }
    state.elements.push(event.target);
  });

  // A <noscript> that arrives in an htmx swap is parsed as live elements (the
  // parser of a swapped fragment runs without scripting): its no-JavaScript "Find"
  // button would become the form's default button, and Enter would send a search
  // instead of saving. With JavaScript running, it has no business in the page.
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt;
    if (!(root instanceof Element)) { return; }
    all([root], "noscript").forEach(function (each) { each.remove(); });
  });

  // A search field of a form (a task's assignee, a dossier's partner): Enter and
  // ArrowDown search at once and go to the first match (radio buttons: the arrow
  // keys choose, Tab leaves); Enter never sends the half-filled form.
  var goToMatches = null;
  function matchesOf(field) {
    var id = field.getAttribute("aria-controls");
    return id ? document.getElementById(id) : null;
  }
  function firstMatch(field) {
    var box = matchesOf(field);
    return box ? box.querySelector("input[type=radio]") : null;
  }
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches(".search-choice input[type=search]")) { return; }
    if (event.key !== "Enter" && event.key !== "ArrowDown") { return; }
    event.preventDefault();
    var box = matchesOf(field);
    var match = firstMatch(field);
    if (match && box.getAttribute("data-search") === field.value) {
      match.focus();
      return;
    }
    if (field.value.trim() === "") { return; }
    goToMatches = field;
    window.htmx.trigger(field, "search");
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var field = goToMatches;
    if (!field || !(event.target instanceof Element) || event.target.id !== field.getAttribute("aria-controls")) { return; }
    goToMatches = null;
    var match = firstMatch(field);
    if (match && document.activeElement === field) { match.focus(); }
  });

  // Openers that add an editor once (<button data-open-once="#row">): pressed
  // again, they go to the open editor instead of adding a second one.
  document.addEventListener("htmx:confirm", function (event) {
    var selector = event.detail.elt.getAttribute("data-open-once");
    var open = selector && document.querySelector(selector);
    if (!open) { return; }
    event.preventDefault();
    var field = open.querySelector(FIELDS);
    if (field) { field.focus(); }
  });

  // The main navigation as a disclosure menu on narrow screens. Without
  // JavaScript the button stays hidden and the list open.
  var toggle = document.querySelector(".nav-toggle");
  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", open ? "false" : "true");
    });
  }

  // An htmx request that the server refused (403, 500 ...) is not swapped; say so.
  document.addEventListener("htmx:responseError", function (event) {
    var box = document.getElementById("flashes");
    if (!box) { return; }
    var message = document.createElement("p");
    message.className = "flash flash-error";
    message.setAttribute("role", "alert");
    var xhr = event.detail.xhr;
    var parsed = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var text = parsed.querySelector("[data-status]");
    message.textContent = text ? text.textContent : (xhr.status + " " + xhr.statusText);
    box.replaceChildren(message);
  });

  // Copy buttons: <button data-copy="#id">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.value || source.textContent);
      button.setAttribute("data-copied", "true");
    }
  });

  // The header search: a combobox with its listbox of results (htmx fills it).
  // Arrows move through the options, Enter opens the active one (or, with none
  // active, submits the form to the full results page), Escape closes the list.
  var searchField = document.getElementById("site-search");
  var searchList = document.getElementById("site-search-results");
  function searchOptions() { return searchList ? Array.prototype.slice.call(searchList.querySelectorAll("[role=option]")) : []; }
  function setSearchOpen(open) {
    if (!searchField || !searchList) { return; }
    searchList.hidden = !open;
    searchField.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) { setActiveOption(null); }
  }
  function setActiveOption(option) {
    searchOptions().forEach(function (each) { each.setAttribute("aria-selected", each === option ? "true" : "false"); });
    if (option) {
      searchField.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else if (searchField) {
      searchField.removeAttribute("aria-activedescendant");
    }
  }
  if (searchField && searchList) {
    document.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target !== searchList) { return; }
      setSearchOpen(searchOptions().length > 0 && searchField.value.trim() !== "" &&
        document.activeElement === searchField);
    });
    searchField.addEventListener("keydown", function (event) {
      var options = searchOptions();
      var active = searchList.querySelector("[aria-selected=true]");
      var position = options.indexOf(active);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!options.length) { return; }
        event.preventDefault();
        setSearchOpen(true);
        var step = event.key === "ArrowDown" ? 1 : -1;
        var next = position < 0 ? (step > 0 ? 0 : options.length - 1) : (position + step + options.length) % options.length;
        setActiveOption(options[next]);
      } else if (event.key === "Enter" && active && !searchList.hidden) {
        event.preventDefault();
        window.location.assign(active.getAttribute("data-href"));
      } else if (event.key === "Escape") {
        if (!searchList.hidden) { event.preventDefault(); }
        setSearchOpen(false);
      }
    });
    document.addEventListener("click", function (event) {
      var option = event.target.closest("#site-search-results [role=option]");
      if (option) {
        window.location.assign(option.getAttribute("data-href"));
      } else if (!event.target.closest(".site-search")) {
        setSearchOpen(false);
      }
    });
    // Tab (or a click) leaving the field closes the list (the options are not
    // focusable: the focus stays in the field while the arrows move).
    searchField.addEventListener("blur", function () { setSearchOpen(false); });
    // A click on an option must not blur the field before the click lands.
    searchList.addEventListener("mousedown", function (event) { event.preventDefault(); });
  }

  // A page sent back with errors (a full-page 422; its title starts with "Error:"):
  // an error summary at the top of the content, one link per message to its
  // field, takes the focus (instead of leaving it at the top of the page).
  (function errorSummary() {
    var main = document.getElementById("main");
    var box = document.getElementById("flashes");
    if (!main || !box) { return; }
    var seen = {};
    var items = [];
    Array.prototype.slice.call(main.querySelectorAll("[aria-invalid=true]")).forEach(function (invalid) {
      var field = invalid.matches(FIELDS) ? invalid : invalid.querySelector("input[id]:not([type=hidden]), select[id], textarea[id]");
      var message = errorText(invalid).trim();
      if (!field || !field.id || !message || seen[message + field.id]) { return; }
      seen[message + field.id] = true;
      var legend = invalid.matches("fieldset") ? invalid.querySelector("legend") : null;
      var label = legend || (field.labels && field.labels[0]);
      var name = (label ? label.textContent : field.getAttribute("aria-label") || "").replace("*", "").trim();
      items.push({ field: field, text: name ? name + ": " + message : message });
    });
    if (!items.length) { return; }
    var summary = document.createElement("div");
    summary.className = "error-summary";
    summary.setAttribute("tabindex", "-1");
    summary.setAttribute("aria-labelledby", "error-summary-title");
    var heading = document.createElement("h2");
    heading.id = "error-summary-title";
    heading.textContent = box.getAttribute("data-error-heading");
    var list = document.createElement("ul");
    items.forEach(function (item) {
      var link = document.createElement("a");
      link.href = "#" + item.field.id;
      link.textContent = item.text;
      link.addEventListener("click", function (event) { event.preventDefault(); item.field.focus(); });
      var entry = document.createElement("li");
      entry.appendChild(link);
      list.appendChild(entry);
    });
    summary.appendChild(heading);
    summary.appendChild(list);
    box.insertBefore(summary, box.firstChild);
    summary.focus();
  })();

  // --- Idle warning and drafts (issue 24 item 10, WCAG 2.2.1) ---------------------
  // Signed-in pages carry the idle timeout (body[data-idle-seconds]). Before it
  // runs out, a modal dialog (#idle-warning) says when the user will be signed out
  // and offers "Stay signed in" (a POST that renews the server's idle timer).
  // What a user types into a POST form is kept as a draft in this tab's
  // sessionStorage (per user; never passwords, files or hidden fields such as the
  // CSRF token; only the fields they changed). After a forced sign-in (the tab
  // passed through the sign-in page) the drafts of the page they return to are
  // filled in again, unsaved, and that is said. A successful save, or signing out,
  // drops them. The server keeps no POST: nothing typed is stored outside the tab.
  var DRAFTS = "mw-drafts";
  var RESTORE = "mw-restore";
  var user = document.body.getAttribute("data-user");

  function tabStore() {
    try { return window.sessionStorage; } catch (error) { return null; }
  }
  function readDrafts() {
    var store = tabStore();
    try { return (store && JSON.parse(store.getItem(DRAFTS) || "{}")) || {}; } catch (error) { return {}; }
  }
  function writeDrafts(drafts) {
    var store = tabStore();
    try { if (store) { store.setItem(DRAFTS, JSON.stringify(drafts)); } } catch (error) { /* full: no draft */ }
  }
  function draftable(form) {
    return !!(user && form && form.method === "post" && !form.matches("[data-sign-out]") &&
      !form.querySelector("input[type=password]"));
  }
  function draftKey(form) {
    var forms = Array.prototype.slice.call(document.forms);
    var name = form.id || form.getAttribute("action") || String(forms.indexOf(form));
    return user + " " + window.location.pathname + window.location.search + " " + name;
  }
  function keptField(field) {
    return field.name && field.name !== "csrf_token" && field.matches("input, select, textarea") &&
      !field.matches("[type=hidden], [type=password], [type=file], [type=submit], [type=button]");
  }
  function fieldKey(field) {
    return field.type === "checkbox" ? field.name + "=" + field.value : field.name;
  }
  document.addEventListener("input", keepDraft);
  document.addEventListener("change", keepDraft);
  function keepDraft(event) {
    var field = event.target;
    var form = field.form;
    if (!keptField(field) || !draftable(form)) { return; }
    var drafts = readDrafts();
    var key = draftKey(form);
    var draft = drafts[key] || { fields: {} };
    draft.fields[fieldKey(field)] = field.type === "checkbox" ? field.checked :
      (field.type === "radio" ? (field.checked ? field.value : draft.fields[field.name]) : field.value);
    draft.sent = false;
    drafts[key] = draft;
    writeDrafts(drafts);
  }
  function dropDraft(form) {
    var drafts = readDrafts();
    if (drafts[draftKey(form)]) { delete drafts[draftKey(form)]; writeDrafts(drafts); }
  }
  function fillIn(form, draft) {
    Object.keys(draft.fields).forEach(function (key) {
      var value = draft.fields[key];
      Array.prototype.slice.call(form.elements).forEach(function (field) {
        if (!keptField(field) || fieldKey(field) !== key) { return; }
        if (field.type === "checkbox") { field.checked = !!value; } else if (field.type === "radio") {
          field.checked = field.value === value;
        } else { field.value = value; }
      });
    });
  }
  var restoring = false;
  function restoreDrafts(root) {
    var drafts = readDrafts();
    var filled = 0;
    var forms = root.matches && root.matches("form") ? [root] : Array.prototype.slice.call(root.querySelectorAll("form"));
    forms.forEach(function (form) {
      var draft = draftable(form) && drafts[draftKey(form)];
      if (!draft) { return; }
      fillIn(form, draft);
      delete drafts[draftKey(form)];
      filled++;
    });
    if (!filled) { return; }
    writeDrafts(drafts);
    var dialog = document.getElementById("idle-warning");
    var text = dialog ? dialog.getAttribute("data-idle-restored") : "";
    var box = document.getElementById("flashes");
    if (box && text) {
      var message = document.createElement("p");
      message.className = "flash flash-info";
      message.textContent = text;
      box.appendChild(message);
    }
    announce(text);
  }
  (function startDrafts() {
    var store = tabStore();
    if (!store) { return; }
    if (!user) {
      // The sign-in page: the next signed-in page fills its drafts in again.
      if (document.querySelector("input[autocomplete=current-password]")) { store.setItem(RESTORE, "1"); }
      return;
    }
    var drafts = readDrafts();
    Object.keys(drafts).forEach(function (key) {
      // Another person's drafts never stay in a tab someone else signed into; a
      // form sent without a forced sign-in since needs its draft no more.
      if (key.split(" ")[0] !== user || (drafts[key].sent && !store.getItem(RESTORE))) { delete drafts[key]; }
    });
    writeDrafts(drafts);
    if (store.getItem(RESTORE)) {
      store.removeItem(RESTORE);
      restoring = true;
      restoreDrafts(document);
    }
  })();
  // An editor that arrives later (an inline task editor) gets its draft too.
  document.addEventListener("htmx:load", function (event) {
    if (restoring && event.detail.elt instanceof Element) { restoreDrafts(event.detail.elt); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("[data-sign-out]")) { writeDrafts({}); return; }
    if (!draftable(form)) { return; }
    var drafts = readDrafts();
    if (drafts[draftKey(form)]) { drafts[draftKey(form)].sent = true; writeDrafts(drafts); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest ? event.detail.elt.closest("form") : null;
    var xhr = event.detail.xhr;
    var config = event.detail.requestConfig;
    var sent = config && config.verb && config.verb.toLowerCase() !== "get";  // not a search field's GET
    if (sent && form && xhr && xhr.status >= 200 && xhr.status < 300 && draftable(form)) { dropDraft(form); }
  });

  var idleDialog = document.getElementById("idle-warning");
  var idleSeconds = Number(document.body.getAttribute("data-idle-seconds") || 0);
  if (idleDialog && idleSeconds > 0 && typeof idleDialog.showModal === "function") {
    var lastActive = Date.now();
    // Two minutes' warning (a quarter of a very short timeout): WCAG asks 20 s.
    var warnBefore = Math.min(120, idleSeconds / 4) * 1000;
    var idleState = "quiet";
    var focusBefore = null;
    var stayButton = idleDialog.querySelector("[data-idle-stay]");
    var signInLink = idleDialog.querySelector("[data-idle-signin]");
    var showPart = function (name) {
      Array.prototype.slice.call(idleDialog.querySelectorAll("[data-idle-state]")).forEach(function (part) {
        part.hidden = part.getAttribute("data-idle-state") !== name;
      });
    };
    var csrfToken = function () {
      try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (error) { return ""; }
    };
    var signedOut = function () {
      idleState = "out";
      showPart("out");
      signInLink.setAttribute("href", signInLink.pathname + "?next=" +
        encodeURIComponent(window.location.pathname + window.location.search));
      if (!idleDialog.open) { idleDialog.showModal(); }
      signInLink.focus();
    };
    var warn = function () {
      idleState = "warning";
      showPart("warning");
      var text = idleDialog.querySelector("[data-idle-template]");
      var at = new Date(lastActive + idleSeconds * 1000).toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" });
      text.textContent = text.getAttribute("data-idle-template").replace("%(time)s", at);
      focusBefore = document.activeElement;
      idleDialog.showModal();
      stayButton.focus();
    };
    var stay = function () {
      window.fetch(idleDialog.getAttribute("data-keepalive"), {
        method: "POST", credentials: "same-origin", redirect: "manual",
        headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" }
      }).then(function (response) {
        if (response.status !== 204) { signedOut(); return; }
        lastActive = Date.now();
        idleState = "quiet";
        idleDialog.close();
        if (focusBefore && focusBefore.isConnected && focusBefore !== document.body) { focusBefore.focus(); }
        announce(idleDialog.getAttribute("data-idle-stayed"));
      }, signedOut);
    };
    stayButton.addEventListener("click", stay);
    signInLink.addEventListener("click", function () {
      var store = tabStore();
      if (store) { store.setItem(RESTORE, "1"); }
    });
    // Escape: the user is there, so it counts as "stay" (a signed-out notice closes).
    idleDialog.addEventListener("cancel", function (event) {
      if (idleState === "warning") { event.preventDefault(); stay(); }
    });
    document.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.xhr && event.detail.xhr.status !== 401) { lastActive = Date.now(); }
    });
    window.setInterval(function () {
      var left = idleSeconds * 1000 - (Date.now() - lastActive);
      if (left <= 0 && idleState !== "out") { signedOut(); } else if (left > 0 && left <= warnBefore && idleState === "quiet") { warn(); }
    }, 1000);
  }

  // Confirmation before destructive actions: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
  document.addEventListener("htmx:confirm", function (event) {
    var element = event.detail.elt;
    var question = element.getAttribute("data-confirm");
    if (question && !element.matches("form")) {
      event.preventDefault();
      if (window.confirm(question)) { event.detail.issueRequest(true); }
    }
  });
})();
