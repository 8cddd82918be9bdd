// Midwest digital region: behaviour that htmx attributes cannot express.
// No inline scripts anywhere (CSP): everything hooks in from here.
(function () {
  "use strict";

  // After a swap, move focus to the first element that asks for it, so keyboard
  // and screen-reader users land on the result of what they did. htmx fires the
  // event on each swapped-in element: with hx-swap="outerHTML" the request's
  // target (event.detail.target) is the element that was replaced, no longer in
  // the page, so look in the new content (event.target).
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.target;
    if (!target || !target.querySelector || !target.isConnected) { return; }
    var focus = target.matches("[data-autofocus]") ? target : target.querySelector("[data-autofocus]");
    if (focus) { focus.focus(); }
    announceSaved(target, event.detail.xhr);
  });

  // A live region that is swapped in together with its text is often not read
  // out; repeat a successful save's state ("Saved") in the page's own live
  // region (#announcer, present from the start), so screen readers announce it.
  function announceSaved(content, xhr) {
    var announcer = document.getElementById("announcer");
    if (!announcer || !xhr || xhr.status < 200 || xhr.status >= 300) { return; }
    var state = content.matches(".saved-state") ? content : content.querySelector(".saved-state");
    var text = state ? state.textContent.trim() : "";
    if (!text) { return; }
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
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
      setSearchOpen(searchOptions().length > 0 && searchField.value.trim() !== "");
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
      if (!event.target.closest(".site-search")) { setSearchOpen(false); }
    });
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
