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
      // Removed (a cancelled new row): back to the control that opened it.
      if (lost && opener && opener.isConnected) { opener.focus(); }
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
      if (target && target !== document.activeElement) { target.focus(); }
    }
    var said = [];
    if (invalid) {
      said.push(errorText(invalid));
    } else {
      all(elements, "[data-announce]").forEach(function (e) { said.push(e.textContent); });
      if (state.ok) {
        all(elements, ".saved-state").forEach(function (e) { said.push(e.textContent); });
      }
    }
    all(elements, "[data-announce-error]").forEach(function (e) { said.push(e.textContent); });
    announce(said.join(" "));
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var active = document.activeElement;
    pending = {
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
