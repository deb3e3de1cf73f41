/* Review queue: approve or reject without leaving the page.
 *
 * Progressive enhancement only: without this script each form posts, the
 * server flashes a message and redirects back to the next card. With it, the
 * same form (CSRF token included) is posted with fetch() asking for JSON; on
 * success the card is removed and focus moves to the next one. Loaded with
 * <script src defer>; no inline handlers (the CSP forbids them).
 */
(function () {
  "use strict";
  var queue = document.querySelector("[data-review-queue]");
  if (!queue || !window.fetch || !window.FormData) { return; }

  function say(card, text, isError) {
    var status = card.querySelector(".queue-card__status");
    if (!status) { return; }
    status.textContent = text;
    status.className = "queue-card__status" + (isError ? " queue-card__status--error" : "");
  }

  function updateCount(count) {
    var counts = document.querySelectorAll(".site-nav .count");
    Array.prototype.forEach.call(counts, function (el) {
      if (el.firstChild && el.firstChild.nodeType === 3) { el.firstChild.nodeValue = String(count); }
    });
  }

  function removeCard(card, message) {
    var next = card.nextElementSibling;
    var live = document.createElement("p");
    live.className = "flash flash--success";
    live.setAttribute("role", "status");
    live.textContent = message;
    card.parentNode.insertBefore(live, card);
    card.parentNode.removeChild(card);
    var target = next && next.querySelector("h2 a");
    if (target) { target.focus(); }
  }

  Array.prototype.forEach.call(queue.querySelectorAll("form[data-review-form]"), function (form) {
    form.addEventListener("submit", function (event) {
      var card = form.closest("[data-card]");
      event.preventDefault();
      var buttons = card.querySelectorAll("button");
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
      say(card, "Sending…", false);
      var data = new FormData(form);
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": data.get("csrf_token") || "" }
      }).then(function (response) {
        return response.json().catch(function () { return { message: "Something went wrong (" + response.status + ")." }; })
          .then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (result.ok) {
          if (typeof result.body.pending_count === "number") { updateCount(result.body.pending_count); }
          removeCard(card, result.body.message || "Done.");
        } else {
          Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
          say(card, result.body.message || "That did not work. Reload the page and try again.", true);
        }
      }).catch(function () {
        Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
        say(card, "The server could not be reached. Try again.", true);
      });
    });
  });
})();
