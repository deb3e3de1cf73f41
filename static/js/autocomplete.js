/* Search boxes: suggest article titles and aliases as the reader types.
 *
 * Progressive enhancement of every <input data-suggest-url="…">: without
 * JavaScript the box is a plain form field that submits to /search. With it,
 * the box becomes an ARIA combobox (the WAI-ARIA Authoring Practices "list
 * autocomplete" pattern): typing fetches /api/v1/search/suggest?q= after a
 * 150 ms pause, the suggestions appear in a listbox below, Up/Down move
 * through them, Enter or a click opens the article (saying which alias led
 * there), Escape closes the list.
 * Enter with no suggestion chosen submits the form as usual.
 *
 * No inline handlers or styles (the Content-Security-Policy forbids them):
 * loaded with <script src defer>, look in wiki.css (.autocomplete*).
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 150;
  var ARTICLE_PATH = "/wiki/";
  var made = 0;

  function enhance(input) {
    if (!window.fetch || input.getAttribute("role") === "combobox") { return; }
    made += 1;
    var baseId = input.id || "search-box-" + made;
    var container = input.parentNode;
    var list = document.createElement("ul");
    var status = document.createElement("div");
    var items = [];
    var active = -1;
    var timer = null;
    var pending = null;
    var lastAsked = null;

    container.classList.add("autocomplete");
    list.id = baseId + "-suggestions";
    list.className = "autocomplete__list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggested articles");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    container.appendChild(list);
    container.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");

    function open() {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.children;
      if (active >= 0 && options[active]) {
        options[active].setAttribute("aria-selected", "false");
        options[active].classList.remove("autocomplete__option--active");
      }
      active = index;
      if (active >= 0 && options[active]) {
        options[active].setAttribute("aria-selected", "true");
        options[active].classList.add("autocomplete__option--active");
        input.setAttribute("aria-activedescendant", options[active].id);
        if (options[active].scrollIntoView) { options[active].scrollIntoView({block: "nearest"}); }
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var item = items[index];
      if (!item) { return; }
      close();
      var href = ARTICLE_PATH + encodeURIComponent(item.slug);
      // The article then says "Redirected from Heart attack", so landing on
      // "Myocardial infarction" is no surprise.
      if (item.alias) { href += "?redirected_from=" + encodeURIComponent(item.alias); }
      window.location.assign(href);
    }

    function option(item, index) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      li.id = list.id + "-" + index;
      li.className = "autocomplete__option";
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      name.className = "autocomplete__name";
      // textContent, never innerHTML: titles are user-written text.
      name.textContent = item.alias || item.title;
      li.appendChild(name);
      if (item.alias) {
        var target = document.createElement("span");
        target.className = "autocomplete__target";
        target.textContent = item.title;
        li.appendChild(document.createTextNode(" "));
        li.appendChild(target);
      }
      return li;
    }

    function show(suggestions) {
      items = suggestions;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      while (list.firstChild) { list.removeChild(list.firstChild); }
      if (!items.length) {
        close();
        status.textContent = "";
        return;
      }
      items.forEach(function (item, index) { list.appendChild(option(item, index)); });
      open();
      status.textContent = items.length + (items.length === 1 ? " suggestion" : " suggestions") +
        ". Use the up and down arrow keys to choose, Enter to open.";
    }

    function fetchSuggestions() {
      var text = input.value.trim();
      if (!text) { lastAsked = null; show([]); return; }
      if (text === lastAsked) { return; }
      lastAsked = text;
      if (pending && pending.abort) { pending.abort(); }
      pending = window.AbortController ? new AbortController() : null;
      var url = new URL(input.getAttribute("data-suggest-url"), window.location.href);
      url.searchParams.set("q", text);
      window.fetch(url.toString(), {
        headers: {"Accept": "application/json"},
        credentials: "same-origin",
        signal: pending ? pending.signal : undefined
      }).then(function (response) {
        return response.ok ? response.json() : {suggestions: []};
      }).then(function (body) {
        // A slower answer to an earlier prefix must not replace a newer one.
        if (input.value.trim() !== text) { return; }
        show(Array.isArray(body.suggestions) ? body.suggestions : []);
      }).catch(function () {
        // Aborted or offline: the form still submits to /search.
      });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      if (!input.value.trim()) { lastAsked = null; show([]); return; }
      timer = window.setTimeout(fetchSuggestions, DEBOUNCE_MS);
    });

    input.addEventListener("keydown", function (event) {
      var count = items.length;
      // Keys that finish composing a character in an input method are not commands.
      if (event.isComposing) { return; }
      if (event.key === "ArrowDown" || event.key === "Down") {
        if (!count) { return; }
        event.preventDefault();
        if (list.hidden) { open(); highlight(0); return; }
        highlight(active + 1 >= count ? -1 : active + 1);
      } else if (event.key === "ArrowUp" || event.key === "Up") {
        if (!count) { return; }
        event.preventDefault();
        if (list.hidden) { open(); highlight(count - 1); return; }
        highlight(active - 1 < -1 ? count - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape" || event.key === "Esc") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        }
      } else if (event.key === "Tab") {
        close();
      }
    });

    // Keep focus in the box while a suggestion is pressed, so blur does not close the list first.
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var li = event.target.closest ? event.target.closest("[role=option]") : null;
      if (!li) { return; }
      choose(Array.prototype.indexOf.call(list.children, li));
    });
    list.addEventListener("mousemove", function (event) {
      var li = event.target.closest ? event.target.closest("[role=option]") : null;
      var index = li ? Array.prototype.indexOf.call(list.children, li) : -1;
      if (index >= 0 && index !== active) { highlight(index); }
    });

    input.addEventListener("blur", function () { close(); });
    input.addEventListener("focus", function () {
      if (items.length && input.value.trim()) { open(); }
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest-url]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
